-- Who may do what: ordinary roles manage policies of the tables they own, as
-- roles they belong to, and see only those.
CREATE ROLE regress_alice;
CREATE ROLE regress_bob;
CREATE ROLE regress_team;
GRANT regress_team TO regress_alice;
CREATE TABLE alice_logs (created_at timestamptz);
ALTER TABLE alice_logs OWNER TO regress_alice;
CREATE TABLE bob_logs (created_at timestamptz);
ALTER TABLE bob_logs OWNER TO regress_bob;
CREATE TABLE team_logs (created_at timestamptz);
ALTER TABLE team_logs OWNER TO regress_team;
CREATE TABLE alice_archive (created_at timestamptz);
ALTER TABLE alice_archive OWNER TO regress_alice;
CREATE TABLE bob_archive (created_at timestamptz);
ALTER TABLE bob_archive OWNER TO regress_bob;

SET ROLE regress_alice;
-- her own table, owner defaults to herself
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('alice_logs', 'created_at', '7 days');
-- a table of a role she is a member of, owned by that role
INSERT INTO retention.policies (relation, time_column, retain, owner) VALUES ('team_logs', 'created_at', '7 days', 'regress_team');
-- not her table
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('bob_logs', 'created_at', '7 days');
-- not a role she belongs to
INSERT INTO retention.policies (name, relation, time_column, owner) VALUES ('x', 'alice_logs', 'created_at', 'regress_bob');
-- an archive table her policy's owner cannot insert into
INSERT INTO retention.policies (name, relation, time_column, archive_to) VALUES ('y', 'alice_logs', 'created_at', 'bob_archive');
INSERT INTO retention.policies (name, relation, time_column, archive_to) VALUES ('z', 'alice_logs', 'created_at', 'alice_archive');
SELECT name, relation, owner FROM retention.policies ORDER BY name;
-- a run row she may read
RESET ROLE;
INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('alice_logs', 'manual', 'regress_alice'),
                                                              ('bob_logs', 'manual', 'regress_bob');

SET ROLE regress_bob;
INSERT INTO retention.policies (relation, time_column, retain) VALUES ('bob_logs', 'created_at', '1 day');
-- Bob sees only his own policies and runs, and cannot touch Alice's.
SELECT name, relation, owner FROM retention.policies ORDER BY name;
SELECT policy FROM retention.runs ORDER BY policy;
SELECT policy FROM retention.status ORDER BY policy;
WITH changed AS (UPDATE retention.policies SET retain = '1 second' WHERE name = 'alice_logs' RETURNING 1)
SELECT count(*) AS updated FROM changed;
WITH gone AS (DELETE FROM retention.policies WHERE name = 'alice_logs' RETURNING 1)
SELECT count(*) AS deleted FROM gone;
-- nor hand his policy to Alice, nor move it onto her table
UPDATE retention.policies SET owner = 'regress_alice' WHERE name = 'bob_logs';
UPDATE retention.policies SET relation = 'alice_logs' WHERE name = 'bob_logs';
-- nor write the audit trail, nor poke the launcher
INSERT INTO retention.runs (policy, triggered_by, owner) VALUES ('bob_logs', 'manual', 'regress_bob');
SELECT retention.wake_scheduler_now();

RESET ROLE;
SELECT name, relation, retain, owner FROM retention.policies ORDER BY name;
SELECT policy FROM retention.runs ORDER BY policy;

-- The superuser may give a policy to any owner, but a run needs the owner's privileges.
INSERT INTO retention.policies (name, relation, time_column, owner) VALUES ('cross', 'bob_logs', 'created_at', 'regress_alice');
GRANT SELECT, DELETE ON bob_logs TO regress_alice;
INSERT INTO retention.policies (name, relation, time_column, owner) VALUES ('cross', 'bob_logs', 'created_at', 'regress_alice');
-- Alice may now see that policy, but may not change it: the table is not hers.
SET ROLE regress_alice;
UPDATE retention.policies SET enabled = false WHERE name = 'cross';
DELETE FROM retention.policies WHERE name = 'cross';
-- Her own policies she may delete.
WITH gone AS (DELETE FROM retention.policies WHERE name = 'z' RETURNING 1)
SELECT count(*) AS deleted FROM gone;
RESET ROLE;
SELECT name, owner FROM retention.policies ORDER BY name;

DELETE FROM retention.policies;
DELETE FROM retention.runs;
DROP TABLE alice_logs, bob_logs, team_logs, alice_archive, bob_archive;
DROP ROLE regress_alice, regress_bob, regress_team;
