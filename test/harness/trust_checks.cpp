// Trust, while a run is in flight: the policy's owner (an ordinary role) can
// stop its runs, whoever started them; a run stops as soon as its policy no
// longer covers what it deletes (deleted, disabled, retain grown, filter
// changed); a partition its owner detaches mid-run is left alone; a worker
// cancelled with pg_cancel_backend records 'cancelled'.
//
// Roles are cluster-wide: each check uses harness_trust_* roles, created if
// missing, and leaves them (a later check of the same run reuses them).
#include "harness.hpp"
#include "slow_run.hpp"

using harness::expect;
using harness::expect_eq;
using harness::expect_sql_error;
using harness::query_text;
using harness::query_value;
using namespace harness::slow;
using namespace std::chrono_literals;

namespace {

void ensure_role(pqxx::connection &conn, const std::string &role) {
	pqxx::nontransaction tx{conn};
	tx.exec0("DO $$BEGIN CREATE ROLE " + role + "; EXCEPTION WHEN duplicate_object THEN NULL; END$$");
}

// The slow policy, owned (with its table) by harness_trust_alice.
void create_alice_slow_policy(pqxx::connection &conn) {
	ensure_role(conn, "harness_trust_alice");
	ensure_role(conn, "harness_trust_bob");
	create_slow_policy(conn);
	pqxx::nontransaction tx{conn};
	tx.exec0("ALTER TABLE public.slow_events OWNER TO harness_trust_alice");
	tx.exec0("UPDATE retention.policies SET owner = 'harness_trust_alice' WHERE name = 'slow'");
}

// A statement as role, in a transaction of its own on a connection of its own.
pqxx::result as_role(pqxx::connection &conn, const std::string &role, const std::string &sql) {
	pqxx::connection own = harness::connect_to(conn);
	pqxx::work tx{own};
	tx.exec0("SET ROLE " + role);
	pqxx::result result = tx.exec(sql);
	tx.commit();
	return result;
}

int batches_of(pqxx::connection &conn, long run_id) {
	return query_value<int>(conn, "SELECT batches FROM retention.runs WHERE id = " + std::to_string(run_id));
}

} // namespace

// A superuser runs alice's policy by hand; alice (an ordinary role, a member
// of the policy's owner role) stops it with retention.cancel(): it ends
// 'cancelled' after whole batches, saying who cancelled it, and the next run
// prunes exactly the rest. Bob, who may not run the policy, may not cancel
// it either, and cancel() says false when nothing runs.
RETENTION_CHECK(owner_cancels_a_run_someone_else_started) {
	create_alice_slow_policy(conn);
	expect(!as_role(conn, "harness_trust_alice", "SELECT retention.cancel('slow')")[0][0].as<bool>(),
	       "cancel() returned true with no run in flight");
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	const RunningRun running = await_running(conn, 2, 10000ms);

	expect_sql_error([&] { as_role(conn, "harness_trust_bob", "SELECT retention.cancel('slow')"); }, "42704",
	                 {"does not exist"}, "bob cancelling alice's policy (he cannot see it)");
	expect_eq(query_value<std::string>(conn, "SELECT status FROM retention.runs WHERE id = " + std::to_string(running.id)),
	          std::string("running"), "the run after bob's attempt");

	expect(as_role(conn, "harness_trust_alice", "SELECT retention.cancel('slow')")[0][0].as<bool>(),
	       "alice's cancel() returned false while her policy ran");
	CallerOutcome outcome = run.finish(10s);
	expect(outcome.returned, "the superuser's run() did not return its row: " + describe(outcome));
	expect_eq(outcome.status, std::string("cancelled"), "status returned to the superuser");
	expect_eq(await_settled(conn, running.id, 5000ms), std::string("cancelled"), "status of the cancelled run");
	expect_eq(query_value<std::string>(conn, "SELECT error FROM retention.runs WHERE id = " + std::to_string(running.id)),
	          std::string("cancelled by role \"harness_trust_alice\" with retention.cancel()"),
	          "error of the cancelled run");
	const long pruned = expect_consistent_stop(conn, running.id, 2);
	expect_no_run_worker_left(conn);
	expect_next_run_prunes_rest(conn, pruned, "cancelled");
}

namespace {

// Starts the slow policy, waits for 2 batches, applies change (as alice),
// and checks that the run stopped with reason, that no batch committed after
// change committed (the change waits for the batch in flight), and that the
// table lost exactly what the run reports.
void expect_change_stops_run(pqxx::connection &conn, const std::string &change, const std::string &reason) {
	create_alice_slow_policy(conn);
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("UPDATE retention.policies SET enabled = true WHERE name = 'slow'");
	}
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	const RunningRun running = await_running(conn, 2, 10000ms);
	as_role(conn, "harness_trust_alice", change);
	const int batches_when_changed = batches_of(conn, running.id);
	CallerOutcome outcome = run.finish(10s);
	expect(outcome.returned, "run() did not return its row after \"" + change + "\": " + describe(outcome));
	expect_eq(outcome.status, std::string("cancelled"), "status of the run after \"" + change + "\"");
	expect_eq(batches_of(conn, running.id), batches_when_changed,
	          "batches of the run, against its batches when \"" + change + "\" committed");
	const std::string error =
	    query_value<std::string>(conn, "SELECT coalesce(error, '') FROM retention.runs WHERE id = " + std::to_string(running.id));
	expect(error.find(reason) != std::string::npos, "error of the stopped run: \"" + error + "\", wanted \"" + reason + "\"");
	(void)expect_consistent_stop(conn, running.id, 2);
	expect_no_run_worker_left(conn);
}

} // namespace

RETENTION_CHECK(run_stops_when_retain_grows) {
	expect_change_stops_run(conn, "UPDATE retention.policies SET retain = '400 days' WHERE name = 'slow'",
	                        "retain grew");
}

RETENTION_CHECK(run_stops_when_policy_is_deleted) {
	expect_change_stops_run(conn, "DELETE FROM retention.policies WHERE name = 'slow'", "policy was deleted");
}

RETENTION_CHECK(run_stops_when_policy_is_disabled) {
	expect_change_stops_run(conn, "UPDATE retention.policies SET enabled = false WHERE name = 'slow'",
	                        "policy was disabled");
}

RETENTION_CHECK(run_stops_when_filter_changes) {
	expect_change_stops_run(conn, "UPDATE retention.policies SET filter = 'id > 150' WHERE name = 'slow'",
	                        "filter changed");
}

// A shorter retain covers everything the run covers: the run goes on to the
// end, with its own cutoff.
RETENTION_CHECK(run_goes_on_when_retain_shrinks) {
	create_alice_slow_policy(conn);
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	(void)await_running(conn, 2, 10000ms);
	as_role(conn, "harness_trust_alice", "UPDATE retention.policies SET retain = '20 days' WHERE name = 'slow'");
	CallerOutcome outcome = run.finish(30s);
	expect_eq(outcome.status, std::string("succeeded"), "status of the run whose retain shrank");
	expect_eq(outcome.rows_pruned, long(expired_rows), "rows_pruned of the run whose retain shrank");
	expect_eq(young_left(conn), long(young_rows), "young rows after the run");
}

// pg_cancel_backend on the run worker itself (not its caller): the batch in
// flight is rolled back, and the run is recorded 'cancelled', not 'failed'.
RETENTION_CHECK(cancel_backend_of_worker_records_cancelled) {
	create_slow_policy(conn);
	{
		pqxx::nontransaction tx{conn};
		// A batch long enough to be caught in its statement.
		tx.exec0("CREATE FUNCTION public.slow_delete() RETURNS trigger LANGUAGE plpgsql AS "
		         "$$BEGIN PERFORM pg_sleep(0.02); RETURN OLD; END$$");
		tx.exec0("CREATE TRIGGER slow_delete BEFORE DELETE ON public.slow_events FOR EACH ROW "
		         "EXECUTE FUNCTION public.slow_delete()");
	}
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	const RunningRun running = await_running(conn, 2, 10000ms);
	expect(eventually(5000ms, [&] {
		       return query_value<long>(conn, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
		                                      "AND pid = " + std::to_string(running.pid)) == 1;
	       }),
	       "could not catch the run worker in a batch");
	// Between batches the cancel waits for the next statement: either way it cancels one.
	expect(query_value<bool>(conn, "SELECT pg_cancel_backend(" + std::to_string(running.pid) + ")"),
	       "pg_cancel_backend of the run worker returned false");
	CallerOutcome outcome = run.finish(10s);
	expect(outcome.returned, "run() did not return its row: " + describe(outcome));
	expect_eq(outcome.status, std::string("cancelled"), "status of the run whose worker was cancelled");
	(void)expect_consistent_stop(conn, running.id, 2);
}

// partitions = 'drop': the run waits (a trigger on an earlier partition
// holds it) while the partition's owner detaches an expired partition and
// writes a row to it. The run leaves the detached table alone: it and its
// rows stay, and it is not counted.
RETENTION_CHECK(partition_detached_mid_run_is_left_alone) {
	ensure_role(conn, "harness_trust_alice");
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("CREATE TABLE public.gate (open boolean NOT NULL)");
		tx.exec0("INSERT INTO public.gate VALUES (false)");
		tx.exec0("GRANT SELECT ON public.gate TO harness_trust_alice");
		tx.exec0("CREATE TABLE public.measurements (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at)");
		// Created first, so walked first: it straddles the cutoff (rows go one by one).
		tx.exec0("CREATE TABLE public.m_recent PARTITION OF public.measurements "
		         "FOR VALUES FROM (now() - interval '20 days') TO (now() + interval '1 day')");
		tx.exec0("CREATE TABLE public.m_old PARTITION OF public.measurements "
		         "FOR VALUES FROM (now() - interval '400 days') TO (now() - interval '300 days')");
		tx.exec0("INSERT INTO public.measurements SELECT i, now() - interval '15 days' FROM generate_series(1, 3) i");
		tx.exec0("INSERT INTO public.measurements SELECT i, now() - interval '350 days' FROM generate_series(4, 6) i");
		tx.exec0("ALTER TABLE public.measurements OWNER TO harness_trust_alice");
		tx.exec0("ALTER TABLE public.m_recent OWNER TO harness_trust_alice");
		tx.exec0("ALTER TABLE public.m_old OWNER TO harness_trust_alice");
		// Each row of the recent partition waits until the gate opens.
		tx.exec0("CREATE FUNCTION public.wait_for_gate() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
		         "WHILE NOT (SELECT open FROM public.gate) LOOP PERFORM pg_sleep(0.05); END LOOP; RETURN OLD; END$$");
		tx.exec0("CREATE TRIGGER wait_for_gate BEFORE DELETE ON public.m_recent FOR EACH ROW "
		         "EXECUTE FUNCTION public.wait_for_gate()");
		tx.exec0("INSERT INTO retention.policies (name, relation, time_column, retain, owner) "
		         "VALUES ('measurements', 'public.measurements', 'at', '10 days', 'harness_trust_alice')");
	}
	expect_eq(query_value<long>(conn, "SELECT rows_pruned * 10 + partitions_dropped FROM "
	                                  "retention.run('measurements', dry_run => true)"),
	          31L, "dry run: 3 rows of the recent partition, and the old partition whole");
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "measurements"};
	expect(eventually(10000ms, [&] {
		       return query_value<long>(conn, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
		                                      "'retention worker' AND wait_event = 'PgSleep' AND datname = current_database()") > 0;
	       }),
	       "the run did not reach the gate");
	as_role(conn, "harness_trust_alice", "ALTER TABLE public.measurements DETACH PARTITION public.m_old");
	as_role(conn, "harness_trust_alice", "INSERT INTO public.m_old VALUES (7, now())");
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("UPDATE public.gate SET open = true");
	}
	CallerOutcome outcome = run.finish(20s);
	expect(outcome.returned, "run() did not return its row: " + describe(outcome));
	expect_eq(outcome.status, std::string("succeeded"), "status of the run");
	expect_eq(outcome.rows_pruned, 3L, "rows_pruned (the recent partition's expired rows)");
	expect_eq(query_value<int>(conn, "SELECT partitions_dropped FROM retention.runs WHERE id = " +
	                                     std::to_string(outcome.run_id)),
	          0, "partitions_dropped (the detached one is no longer the policy's)");
	expect_eq(query_text(conn, "SELECT id FROM public.m_old ORDER BY id"), std::string("4\n5\n6\n7\n"),
	          "rows of the detached table");
}

// A lock held on the table while the run plans (a migration's ALTER TABLE,
// say) is waited out like one held during a batch: planning is retried, and
// the run prunes everything once the lock is gone. (It failed at once.)
RETENTION_CHECK(run_waits_out_a_lock_held_while_it_plans) {
	create_slow_policy(conn);
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("UPDATE retention.policies SET batch_delay = '0' WHERE name = 'slow'");
	}
	pqxx::connection migration = harness::connect_to(conn);
	pqxx::work lock{migration};
	lock.exec0("LOCK TABLE public.slow_events IN ACCESS EXCLUSIVE MODE");
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	std::this_thread::sleep_for(1500ms); // beyond the 1 s lock_timeout of planning
	lock.commit();
	CallerOutcome outcome = run.finish(30s);
	expect(outcome.returned, "run() did not return its row: " + describe(outcome));
	expect_eq(outcome.status, std::string("succeeded"), "status of the run that waited for the lock");
	expect_eq(outcome.rows_pruned, long(expired_rows), "rows_pruned of the run that waited for the lock");
	expect_eq(young_left(conn), long(young_rows), "young rows after the run");
}

// The same for a partition pruned row by row (it straddles the cutoff): its
// owner detaches it while a batch of it waits (DETACH waits for that batch);
// from then on the run deletes nothing more from it.
RETENTION_CHECK(partition_detached_while_pruned_row_by_row) {
	ensure_role(conn, "harness_trust_alice");
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("CREATE TABLE public.gate (open boolean NOT NULL)");
		tx.exec0("INSERT INTO public.gate VALUES (false)");
		tx.exec0("GRANT SELECT ON public.gate TO harness_trust_alice");
		tx.exec0("CREATE TABLE public.readings (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at)");
		tx.exec0("CREATE INDEX ON public.readings (at)");
		tx.exec0("CREATE TABLE public.r_recent PARTITION OF public.readings "
		         "FOR VALUES FROM (now() - interval '20 days') TO (now() + interval '1 day')");
		tx.exec0("INSERT INTO public.readings SELECT i, now() - interval '15 days' - i * interval '1 second' "
		         "FROM generate_series(1, 30) i");
		tx.exec0("INSERT INTO public.readings SELECT i, now() FROM generate_series(31, 33) i");
		tx.exec0("ALTER TABLE public.readings OWNER TO harness_trust_alice");
		tx.exec0("ALTER TABLE public.r_recent OWNER TO harness_trust_alice");
		tx.exec0("CREATE FUNCTION public.wait_for_gate() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
		         "WHILE NOT (SELECT open FROM public.gate) LOOP PERFORM pg_sleep(0.05); END LOOP; RETURN OLD; END$$");
		tx.exec0("CREATE TRIGGER wait_for_gate BEFORE DELETE ON public.r_recent FOR EACH ROW "
		         "EXECUTE FUNCTION public.wait_for_gate()");
		tx.exec0("INSERT INTO retention.policies (name, relation, time_column, retain, owner, batch_size) "
		         "VALUES ('readings', 'public.readings', 'at', '10 days', 'harness_trust_alice', 10)");
	}
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "readings"};
	expect(eventually(10000ms, [&] {
		       return query_value<long>(conn, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
		                                      "'retention worker' AND wait_event = 'PgSleep' AND datname = current_database()") > 0;
	       }),
	       "the run did not reach the gate");
	// DETACH waits for the batch at the gate.
	auto detach = std::async(std::launch::async, [&] {
		as_role(conn, "harness_trust_alice", "ALTER TABLE public.readings DETACH PARTITION public.r_recent");
	});
	expect(eventually(5000ms, [&] {
		       return query_value<long>(conn, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
		                                      "'public.r_recent'::regclass") > 0;
	       }),
	       "DETACH PARTITION does not wait for the batch");
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("UPDATE public.gate SET open = true");
	}
	detach.get();
	const long at_detach = query_value<long>(conn, "SELECT count(*) FROM public.r_recent");
	as_role(conn, "harness_trust_alice", "INSERT INTO public.r_recent VALUES (34, now() - interval '15 days')");
	CallerOutcome outcome = run.finish(20s);
	expect(outcome.returned, "run() did not return its row: " + describe(outcome));
	expect_eq(outcome.status, std::string("succeeded"), "status of the run");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM public.r_recent"), at_detach + 1,
	          "rows of the detached table: none deleted after the detach (and the one written after it kept)");
	expect_eq(outcome.rows_pruned, 33L - at_detach, "rows_pruned: what went before the detach");
	expect(outcome.rows_pruned < 30, "the run pruned every expired row of the detached partition");
}
