// Checks of retention.run() through real clients while a run is in flight:
// a second run of a running policy, a cancelled or terminated caller, the
// pruned table dropped under a run, and a run worker killed with SIGKILL.
//
// Every check prunes a "slow" policy: 200 expired rows (ids 1..200) and 5
// young ones (ids 201..205), 10 rows per batch and 300 ms between batches,
// so a run takes about 6 s (20 full batches) and a check can act while it
// runs. The policy is disabled, so the scheduler never runs it; manual runs
// still do. Every deleted batch holds exactly 10 rows, so a run's audit row
// must say rows_pruned = 10 * batches, and the table must have lost exactly
// rows_pruned expired rows and no young one.
//
// killed_worker_is_settled(_synchronous_batches) crash the server they run
// on (a SIGKILLed backend makes the postmaster restart every backend), which
// would break the harness's own connections; each therefore runs on a
// private cluster of its own (initdb in a temporary directory, removed
// afterwards).
#include "harness.hpp"
#include "slow_run.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using harness::expect;
using harness::expect_eq;
using harness::expect_sql_error;
using harness::query_text;
using harness::query_value;
using namespace harness::slow;
using namespace std::chrono_literals;

// A second real run of a policy that is running fails at once with 55P03,
// naming the running worker's pid; it writes no audit row and does not
// disturb the first run, which prunes exactly the 200 expired rows. A dry
// run meanwhile is not refused.
RETENTION_CHECK(second_run_fails_naming_pid) {
	create_slow_policy(conn);
	BackgroundRun first{harness::connection_string_for(conn.dbname()), "slow"};
	const RunningRun running = await_running(conn, 0, 10000ms);
	expect_eq(query_value<std::string>(conn, "SELECT coalesce(max(backend_type), '<none>') FROM pg_stat_activity "
	                                         "WHERE pid = " + std::to_string(running.pid)),
	          std::string("retention worker"), "backend type of the running row's pid");

	const auto start = Clock::now();
	std::string message = expect_sql_error(
	    [&] {
		    pqxx::nontransaction tx{conn};
		    tx.exec("SELECT * FROM retention.run('slow')");
	    },
	    "55P03", {"already running", "\"slow\"", "pid " + std::to_string(running.pid) + ")"}, "second run");
	const double waited = seconds_since(start);
	expect(waited < 2.0, "the second run took " + std::to_string(waited) + " s to fail: " + message);

	pqxx::row dry = [&] {
		pqxx::nontransaction tx{conn};
		return tx.exec1("SELECT status, dry_run FROM retention.run('slow', dry_run => true)");
	}();
	expect_eq(dry[0].as<std::string>(), std::string("succeeded"), "status of a dry run during the real run");
	expect(dry[1].as<bool>(), "the dry run's row says dry_run");
	expect_eq(query_value<std::string>(conn, "SELECT status FROM retention.runs WHERE id = " +
	                                             std::to_string(running.id)),
	          std::string("running"), "the first run after the refused second one");

	CallerOutcome outcome = first.finish(30s);
	expect(outcome.returned, "the first run did not return: " + describe(outcome));
	expect_eq(outcome.status, std::string("succeeded"), "status of the first run");
	expect_eq(outcome.rows_pruned, long(expired_rows), "rows_pruned of the first run");
	expect_eq(outcome.batches, full_batches, "batches of the first run");
	expect_eq(outcome.run_id, running.id, "id returned by the first run");
	expect_eq(outcome.worker_pid, running.pid, "pid returned by the first run");

	expect_eq(expired_left(conn), 0L, "expired rows after the first run");
	expect_eq(young_left(conn), long(young_rows), "young rows after the first run");
	expect_eq(query_text(conn, "SELECT id, status, rows_pruned, batches, error IS NULL, sqlstate IS NULL, pid "
	                           "FROM retention.runs WHERE policy = 'slow' AND NOT dry_run"),
	          std::to_string(running.id) + "|succeeded|200|20|t|t|" + std::to_string(running.pid) + "\n",
	          "the audit rows of the policy's real runs");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.runs WHERE policy = 'slow' AND dry_run"), 1L,
	          "audit rows of dry runs");
	expect_no_run_worker_left(conn);
}

// pg_cancel_backend on the caller: the caller gets 57014 at once, the worker
// stops after the batch in flight and records 'cancelled'; the batches it
// committed stay committed (exactly 10 rows each), and the next run prunes
// exactly the rest. The same for the caller of CALL retention.prune().
namespace {

// pg_cancel_backend on the caller of the running run: the caller gets 57014,
// the run is recorded 'cancelled' after whole batches (at least
// min_batches). Returns its rows_pruned.
long cancel_caller(pqxx::connection &conn, BackgroundRun &run, const RunningRun &running, int min_batches) {
	expect(query_value<bool>(conn, "SELECT pg_cancel_backend(" + std::to_string(run.caller_pid()) + ")"),
	       "pg_cancel_backend of the caller returned false");
	CallerOutcome outcome = run.finish(10s);
	expect(outcome.sql_error && outcome.sqlstate == "57014",
	       "the cancelled caller should get SQLSTATE 57014; it " + describe(outcome));
	expect_eq(await_settled(conn, running.id, 5000ms), std::string("cancelled"), "status of the cancelled run");
	return expect_consistent_stop(conn, running.id, min_batches);
}

} // namespace

static void cancel_mid_run(pqxx::connection &conn, BackgroundRun::Call how) {
	create_slow_policy(conn);
	const long before = query_value<long>(conn, "SELECT count(*) FROM public.slow_events");
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow", how};
	const RunningRun running = await_running(conn, 3, 10000ms);
	const long pruned = cancel_caller(conn, run, running, 3);
	expect_eq(before - query_value<long>(conn, "SELECT count(*) FROM public.slow_events"), pruned,
	          "rows gone from the table (count before - count after)");
	expect_no_run_worker_left(conn);
	expect_next_run_prunes_rest(conn, pruned, "cancelled");
}

RETENTION_CHECK(cancel_keeps_committed_batches) { cancel_mid_run(conn, BackgroundRun::Call::function); }

RETENTION_CHECK(cancel_prune_procedure) { cancel_mid_run(conn, BackgroundRun::Call::procedure); }

// What pg_stat_activity says of a waiting caller: "xmin|xid" ("|" when it
// holds neither).
std::string caller_horizon(pqxx::connection &conn, int pid) {
	return query_value<std::string>(conn, "SELECT coalesce(backend_xmin::text, '') || '|' || "
	                                      "coalesce(backend_xid::text, '') FROM pg_stat_activity WHERE pid = " +
	                                          std::to_string(pid));
}

// CALL retention.prune() waits for its run holding no snapshot and no xid
// (pg_stat_activity shows no backend_xmin for it while batches commit),
// where the caller of retention.run() holds its statement's snapshot: the
// second half shows the check can see one. Both prune exactly the expired
// rows.
RETENTION_CHECK(prune_procedure_holds_no_snapshot) {
	create_slow_policy(conn);
	{
		BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow", BackgroundRun::Call::procedure};
		const RunningRun running = await_running(conn, 2, 10000ms);
		expect_eq(query_value<std::string>(conn, "SELECT state || ' ' || query FROM pg_stat_activity WHERE pid = " +
		                                             std::to_string(run.caller_pid())),
		          std::string("active CALL retention.prune('slow')"), "the waiting caller");
		expect_eq(caller_horizon(conn, run.caller_pid()), std::string("|"),
		          "backend_xmin|backend_xid of the caller of CALL retention.prune() during the run");
		CallerOutcome outcome = run.finish(30s);
		expect(outcome.returned, "CALL retention.prune() did not complete: " + describe(outcome));
		expect_eq(outcome.run_id, running.id, "the run of the CALL");
		expect_eq(outcome.status, std::string("succeeded"), "status of the CALL's run");
		expect_eq(outcome.rows_pruned, long(expired_rows), "rows_pruned of the CALL's run");
		expect_eq(outcome.batches, full_batches, "batches of the CALL's run");
	}
	expect_eq(expired_left(conn), 0L, "expired rows after the CALL");
	expect_eq(young_left(conn), long(young_rows), "young rows after the CALL");

	{
		pqxx::work tx{conn};
		tx.exec0("INSERT INTO public.slow_events SELECT i, now() - interval '40 days' - i * interval '1 minute', "
		         "'old ' || i FROM generate_series(1, " + std::to_string(expired_rows) + ") i");
		tx.commit();
	}
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	(void)await_running(conn, 2, 10000ms);
	const std::string held = caller_horizon(conn, run.caller_pid());
	expect(held.size() > 1 && held.front() != '|',
	       "the caller of retention.run() should show a backend_xmin during the run; it showed \"" + held + "\"");
	CallerOutcome outcome = run.finish(30s);
	expect_eq(outcome.rows_pruned, long(expired_rows), "rows_pruned of the run() after the CALL");
	expect_no_run_worker_left(conn);
}

// pg_terminate_backend on the caller: its connection ends, and still the
// worker stops after its batch in flight, records 'cancelled', and exits.
RETENTION_CHECK(terminate_caller_stops_worker) {
	create_slow_policy(conn);
	const long before = query_value<long>(conn, "SELECT count(*) FROM public.slow_events");
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	const RunningRun running = await_running(conn, 3, 10000ms);
	expect(query_value<bool>(conn, "SELECT pg_terminate_backend(" + std::to_string(run.caller_pid()) + ")"),
	       "pg_terminate_backend of the caller returned false");

	CallerOutcome outcome = run.finish(10s);
	expect(!outcome.returned, "run() returned although its caller was terminated: " + describe(outcome));
	expect(outcome.broken || (outcome.sql_error && outcome.sqlstate == "57P01"),
	       "the terminated caller should lose its connection (or get 57P01); it " + describe(outcome));
	expect_eq(await_settled(conn, running.id, 5000ms), std::string("cancelled"), "status of the run");
	const long pruned = expect_consistent_stop(conn, running.id, 3);
	expect_eq(before - query_value<long>(conn, "SELECT count(*) FROM public.slow_events"), pruned,
	          "rows gone from the table (count before - count after)");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM pg_stat_activity WHERE pid = " +
	                                      std::to_string(run.caller_pid())),
	          0L, "the terminated caller's backend in pg_stat_activity");
	expect_no_run_worker_left(conn);
	expect_next_run_prunes_rest(conn, pruned, "cancelled");
}

// DROP TABLE while a run is between (or in) batches: the DROP waits at most
// for the batch in flight, and the policy goes with its table; the next
// batch finds the policy gone, so the run ends 'cancelled' (20 batches
// cannot be over after 2), saying why, with exactly the batches it
// committed; its caller gets the run's row, nothing hangs.
RETENTION_CHECK(table_dropped_mid_run) {
	create_slow_policy(conn);
	BackgroundRun run{harness::connection_string_for(conn.dbname()), "slow"};
	const RunningRun running = await_running(conn, 2, 10000ms);
	const auto start = Clock::now();
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("SET lock_timeout = '20s'");
		tx.exec0("DROP TABLE public.slow_events");
		tx.exec0("RESET lock_timeout");
	}
	const double dropped_after = seconds_since(start);
	expect(dropped_after < 5.0, "DROP TABLE waited " + std::to_string(dropped_after) + " s for the run");

	CallerOutcome outcome = run.finish(20s);
	expect(outcome.returned, "run() should return its row when its table is dropped; it " + describe(outcome));
	expect_eq(outcome.status, std::string("cancelled"), "status returned to the caller");

	pqxx::row row = [&] {
		pqxx::nontransaction tx{conn};
		return tx.exec1("SELECT status, coalesce(error, ''), sqlstate IS NULL, rows_pruned, batches, "
		                "finished_at IS NOT NULL FROM retention.runs WHERE id = " + std::to_string(running.id));
	}();
	expect_eq(row[0].as<std::string>(), std::string("cancelled"), "status of the run whose table was dropped");
	expect_eq(row[1].as<std::string>(), std::string("the policy was deleted during the run"),
	          "error of the run whose table was dropped");
	expect(row[2].as<bool>(), "the stopped run has a sqlstate");
	expect_eq(row[3].as<long>(), long(batch_size) * row[4].as<int>(), "rows_pruned of the stopped run");
	expect(row[4].as<int>() >= 2 && row[4].as<int>() < full_batches,
	       "batches of the stopped run: " + std::to_string(row[4].as<int>()));
	expect_eq(outcome.rows_pruned, row[3].as<long>(), "rows_pruned returned to the caller");
	expect(row[5].as<bool>(), "the stopped run has no finished_at");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.policies WHERE name = 'slow'"), 0L,
	          "policies named slow after DROP TABLE");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.runs WHERE policy = 'slow'"), 1L,
	          "audit rows of policy slow (kept after the drop)");
	expect_no_run_worker_left(conn);
}

// kill -9 of a run's worker: the postmaster restarts every backend. The run's
// row stays 'running' (with the batches that survived, each exactly 10 rows,
// matching the table after crash recovery) until the next run of the policy,
// which settles it as 'failed' ("ended without completing its record") and
// then prunes exactly the remaining expired rows. With batches that wait for
// their WAL flush every batch seen committed survives; by default
// (retention.batch_synchronous_commit = off) the last ones may be undone,
// their rows back and their counts with them.
static void kill_worker_mid_run(pqxx::connection &conn, bool synchronous_batches) {
	PrivateCluster cluster{conn.username()};
	{
		pqxx::connection postgres{cluster.conninfo("postgres")};
		pqxx::nontransaction tx{postgres};
		tx.exec0("CREATE DATABASE killed_worker");
		if (synchronous_batches) {
			tx.exec0("ALTER SYSTEM SET retention.batch_synchronous_commit = on");
			tx.exec1("SELECT pg_reload_conf()");
		}
	}
	const std::string conninfo = cluster.conninfo("killed_worker");
	std::optional<pqxx::connection> own{std::in_place, conninfo};
	{
		pqxx::nontransaction tx{*own};
		tx.exec0("CREATE EXTENSION retention");
	}
	create_slow_policy(*own);

	RunningRun running{};
	int seen_batches = 0; // committed batches seen just before the kill
	CallerOutcome outcome;
	{
		BackgroundRun run{conninfo, "slow"};
		running = await_running(*own, 3, 10000ms);
		expect_eq(query_value<std::string>(*own, "SELECT coalesce(max(backend_type), '<none>') FROM pg_stat_activity "
		                                         "WHERE pid = " + std::to_string(running.pid)),
		          std::string("retention worker"), "backend type of the running row's pid");
		seen_batches = query_value<int>(*own, "SELECT batches FROM retention.runs WHERE id = " +
		                                          std::to_string(running.id));
		expect(::kill(pid_t(running.pid), SIGKILL) == 0,
		       "kill -9 of the run worker " + std::to_string(running.pid) + " failed");
		outcome = run.finish(60s);
	}
	expect(!outcome.returned, "run() returned although its worker was killed: " + describe(outcome));

	own.reset(); // broken by the restart
	await_connectable(conninfo, 60s);
	own.emplace(conninfo);
	pqxx::connection &conn2 = *own;

	// After crash recovery, before any new run: still 'running', or already
	// settled as 'failed' by the scheduler starting up; its counters match
	// what the table lost.
	pqxx::row row = [&] {
		pqxx::nontransaction tx{conn2};
		return tx.exec1("SELECT status, rows_pruned, batches, finished_at IS NULL FROM retention.runs WHERE id = " +
		                std::to_string(running.id));
	}();
	const std::string before = row[0].as<std::string>();
	expect(before == "running" || before == "failed",
	       "status of the killed run before the next run: " + before + " (server log:\n" + cluster.log_tail() + ")");
	const long pruned = row[1].as<long>();
	const int batches = row[2].as<int>();
	expect(row[3].as<bool>() == (before == "running"), "finished_at of the killed run matches its status " + before);
	expect_eq(pruned, long(batch_size) * batches, "rows_pruned of the killed run (10 per committed batch)");
	// One more batch may have committed between the look and the kill.
	const std::string seen = "batches of the killed run after recovery: " + std::to_string(batches) + " (" +
	                         std::to_string(seen_batches) + " seen committed just before the kill)";
	if (synchronous_batches)
		expect(batches >= seen_batches && batches < full_batches, seen);
	else
		expect(batches <= seen_batches + 1 && batches < full_batches, seen);
	expect_eq(expired_left(conn2), expired_rows - pruned, "expired rows left after the crash");
	expect_eq(young_left(conn2), long(young_rows), "young rows after the crash");

	{
		pqxx::nontransaction tx{conn2};
		tx.exec0("UPDATE retention.policies SET batch_delay = '0' WHERE name = 'slow'");
	}
	pqxx::row next = [&] {
		pqxx::nontransaction tx{conn2};
		return tx.exec1("SELECT status, rows_pruned, id FROM retention.run('slow')");
	}();
	expect_eq(next[0].as<std::string>(), std::string("succeeded"), "status of the next run");
	expect_eq(next[1].as<long>(), expired_rows - pruned, "rows_pruned of the next run");
	expect(next[2].as<long>() > running.id, "the next run's id is not above the killed run's");
	expect_eq(expired_left(conn2), 0L, "expired rows after the next run");
	expect_eq(young_left(conn2), long(young_rows), "young rows after the next run");

	pqxx::row settled = [&] {
		pqxx::nontransaction tx{conn2};
		return tx.exec1("SELECT status, coalesce(error, ''), rows_pruned, batches, finished_at IS NOT NULL "
		                "FROM retention.runs WHERE id = " + std::to_string(running.id));
	}();
	expect_eq(settled[0].as<std::string>(), std::string("failed"), "status of the killed run once settled");
	// Settled by the scheduler at start-up or by the next run of the policy.
	expect(settled[1].as<std::string>().find("ended without completing its record") != std::string::npos ||
	           settled[1].as<std::string>().find("the server stopped during the run") != std::string::npos,
	       "error of the settled run: " + settled[1].as<std::string>());
	expect_eq(settled[2].as<long>(), pruned, "rows_pruned of the settled run (unchanged)");
	expect_eq(settled[3].as<int>(), batches, "batches of the settled run (unchanged)");
	expect(settled[4].as<bool>(), "the settled run has no finished_at");
	expect_eq(query_value<long>(conn2, "SELECT count(*) FROM retention.runs WHERE status = 'running'"), 0L,
	          "runs still 'running'");
	expect_eq(query_value<long>(conn2, "SELECT count(*) FROM retention.runs WHERE policy = 'slow' AND NOT dry_run"),
	          2L, "audit rows of the policy's real runs");
}

RETENTION_CHECK(killed_worker_is_settled) { kill_worker_mid_run(conn, false); }

RETENTION_CHECK(killed_worker_is_settled_synchronous_batches) { kill_worker_mid_run(conn, true); }

namespace {

// The pid of an idle retention worker of the database, once there is one
// (-1 if none appears within timeout).
int await_warm_worker(pqxx::connection &conn, std::chrono::milliseconds timeout, int other_than = -1) {
	int pid = -1;
	eventually(timeout, [&] {
		pid = query_value<int>(conn, "SELECT coalesce(max(pid), -1) FROM pg_stat_activity "
		                             "WHERE backend_type = 'retention worker' AND datname = current_database() "
		                             "AND state = 'idle' AND pid <> " + std::to_string(other_than));
		return pid > 0;
	});
	return pid;
}

void add_expired_rows(pqxx::connection &conn) {
	pqxx::work tx{conn};
	tx.exec0("INSERT INTO public.slow_events SELECT i, now() - interval '40 days' - i * interval '1 minute', "
	         "'old ' || i FROM generate_series(1, " + std::to_string(expired_rows) + ") i");
	tx.commit();
}

} // namespace

// Where the scheduler serves the database, a worker that has nothing to do
// stays connected, idle, for retention.worker_idle_timeout. It serves one
// manual run after another (the same pid in retention.runs), each pruning
// exactly the expired rows; a run asked for while it is busy gets a worker of
// its own; a cancelled run stops after its batch and the worker waits for the
// next; retention.warm_worker = off sends idle workers away (runs then start
// their own workers, which exit); on again, the launcher's look after the
// reload leaves a new one waiting; what a run's code set for the session is
// gone before the next run; DROP DATABASE (of its own database or another) is
// not held up by it.
RETENTION_CHECK(warm_worker_serves_runs) {
	PrivateCluster cluster{conn.username()};
	pqxx::connection postgres{cluster.conninfo("postgres")};
	{
		pqxx::nontransaction tx{postgres};
		tx.exec0("CREATE DATABASE warm");
	}
	const std::string conninfo = cluster.conninfo("warm");
	std::optional<pqxx::connection> own{std::in_place, conninfo};
	pqxx::connection &db = *own;
	{
		pqxx::nontransaction tx{db};
		tx.exec0("CREATE EXTENSION retention");
	}
	const int warm = await_warm_worker(db, 20000ms);
	expect(warm > 0, "no idle retention worker in the database 20 s after CREATE EXTENSION:\n" + cluster.log_tail());
	create_slow_policy(db);
	{
		pqxx::nontransaction tx{db};
		tx.exec0("UPDATE retention.policies SET batch_delay = '0' WHERE name = 'slow'");
		tx.exec0("CREATE TABLE public.other_events (id int PRIMARY KEY, created_at timestamptz NOT NULL)");
		tx.exec0("INSERT INTO retention.policies (name, relation, time_column, retain, enabled) "
		         "VALUES ('other', 'public.other_events', 'created_at', '30 days', false)");
	}
	auto run = [&](const std::string &policy) {
		pqxx::nontransaction tx{db};
		return tx.exec1("SELECT status, rows_pruned, pid FROM retention.run(" + tx.quote(policy) + ")");
	};
	auto add_other_rows = [&] {
		pqxx::nontransaction tx{db};
		tx.exec0("INSERT INTO public.other_events SELECT i, now() - interval '40 days' FROM generate_series(1, 3) i "
		         "ON CONFLICT DO NOTHING");
	};

	for (int round = 1; round <= 2; round++) {
		const std::string which = "run " + std::to_string(round) + " of slow";
		if (round > 1)
			add_expired_rows(db);
		pqxx::row row = run("slow");
		expect_eq(row[0].as<std::string>(), std::string("succeeded"), "status of " + which);
		expect_eq(row[1].as<long>(), long(expired_rows), "rows_pruned of " + which);
		expect_eq(row[2].as<int>(), warm, "pid of " + which + " (the warm worker's)");
		expect_eq(expired_left(db), 0L, "expired rows after " + which);
		expect_eq(young_left(db), long(young_rows), "young rows after " + which);
	}

	// The warm worker does not exit, yet reports its statistics: autovacuum
	// learns of the rows it deleted.
	long deleted = 0;
	eventually(5000ms, [&] {
		deleted = query_value<long>(db, "SELECT n_tup_del FROM pg_stat_user_tables WHERE relid = "
		                                "'public.slow_events'::regclass");
		return deleted == 2L * expired_rows;
	});
	expect_eq(deleted, 2L * expired_rows, "pg_stat_user_tables.n_tup_del of the table after the two warm runs");

	// Busy with a slow run: another run gets a worker of its own.
	{
		pqxx::nontransaction tx{db};
		tx.exec0("UPDATE retention.policies SET batch_delay = '300 ms' WHERE name = 'slow'");
	}
	add_expired_rows(db);
	add_other_rows();
	long pruned = 0;
	{
		BackgroundRun slow{conninfo, "slow"};
		const RunningRun running = await_running(db, 2, 10000ms);
		expect_eq(running.pid, warm, "pid of the slow run (the warm worker's)");
		pqxx::row other = run("other");
		expect_eq(other[0].as<std::string>(), std::string("succeeded"), "status of the run beside the slow one");
		expect_eq(other[1].as<long>(), 3L, "rows_pruned of the run beside the slow one");
		expect(other[2].as<int>() != warm, "the run beside the slow one was served by the busy warm worker");
		pruned = cancel_caller(db, slow, running, 2);
	}
	expect(eventually(5000ms,
	                  [&] {
		                  return query_value<long>(db, "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle' "
		                                               "AND pid = " + std::to_string(warm)) == 1;
	                  }),
	       "the warm worker was not idle 5 s after the cancelled run");
	{
		pqxx::nontransaction tx{db};
		tx.exec0("UPDATE retention.policies SET batch_delay = '0' WHERE name = 'slow'");
	}
	pqxx::row rest = run("slow");
	expect_eq(rest[1].as<long>(), expired_rows - pruned, "rows_pruned of the run after the cancel");
	expect_eq(rest[2].as<int>(), warm, "pid of the run after the cancel (the warm worker's)");
	expect_eq(expired_left(db), 0L, "expired rows after the run after the cancel");

	// What a run's code sets for the session (a filter's function calling
	// set_config(..., false)) is gone before the next run in the warm worker.
	{
		pqxx::nontransaction tx{db};
		tx.exec0("CREATE FUNCTION public.leaky_filter() RETURNS boolean LANGUAGE plpgsql STABLE AS "
		         "$$BEGIN PERFORM set_config('work_mem', '77kB', false); RETURN true; END$$");
		tx.exec0("CREATE FUNCTION public.work_mem_untouched() RETURNS boolean LANGUAGE plpgsql STABLE AS "
		         "$$BEGIN RETURN current_setting('work_mem') <> '77kB'; END$$");
		tx.exec0("UPDATE retention.policies SET filter = 'public.leaky_filter()' WHERE name = 'other'");
		tx.exec0("UPDATE retention.policies SET filter = 'public.work_mem_untouched()' WHERE name = 'slow'");
	}
	add_other_rows();
	add_expired_rows(db);
	pqxx::row leaky = run("other");
	expect_eq(leaky[1].as<long>(), 3L, "rows_pruned of the run whose filter sets work_mem");
	expect_eq(leaky[2].as<int>(), warm, "pid of the run whose filter sets work_mem (the warm worker's)");
	pqxx::row clean = run("slow");
	expect_eq(clean[1].as<long>(), long(expired_rows),
	          "rows_pruned of the next run, whose filter holds only if work_mem was not left at 77kB");
	expect_eq(clean[2].as<int>(), warm, "pid of the next run (the warm worker's)");

	// Off: the warm worker leaves, runs start workers that exit after them.
	{
		pqxx::nontransaction tx{postgres};
		tx.exec0("ALTER SYSTEM SET retention.warm_worker = off");
		tx.exec1("SELECT pg_reload_conf()");
	}
	expect(eventually(5000ms, [&] { return count_run_workers(db) == 0; }),
	       "a retention worker was still connected 5 s after retention.warm_worker = off");
	add_other_rows();
	pqxx::row cold = run("other");
	expect_eq(cold[1].as<long>(), 3L, "rows_pruned of the run with retention.warm_worker = off");
	expect(cold[2].as<int>() != warm, "the run with retention.warm_worker = off was served by the warm worker");
	expect_no_run_worker_left(db);

	// On again: a new one.
	{
		pqxx::nontransaction tx{postgres};
		tx.exec0("ALTER SYSTEM RESET retention.warm_worker");
		tx.exec1("SELECT pg_reload_conf()");
	}
	const int second = await_warm_worker(db, 10000ms, warm);
	expect(second > 0, "no new idle worker 10 s after retention.warm_worker was turned on again");
	add_other_rows();
	expect_eq(run("other")[2].as<int>(), second, "pid of a run once the new warm worker waits");

	// DROP DATABASE of another database waits for every backend to absorb a
	// procsignal barrier, the idle warm worker included.
	{
		const auto begun = Clock::now();
		pqxx::nontransaction tx{postgres};
		tx.exec0("SET statement_timeout = '10s'"); // a barrier never absorbed: an error, not a hang
		tx.exec0("CREATE DATABASE bystander");
		tx.exec0("DROP DATABASE bystander");
		expect(seconds_since(begun) < 5.0, "CREATE and DROP DATABASE of another database took " +
		                                       std::to_string(seconds_since(begun)) + " s with a warm worker idle");
	}

	own.reset();
	const auto start = Clock::now();
	{
		pqxx::nontransaction tx{postgres};
		tx.exec0("DROP DATABASE warm");
	}
	expect(seconds_since(start) < 5.0, "DROP DATABASE took " + std::to_string(seconds_since(start)) +
	                                       " s with a warm worker connected");
}
