// Checks of the catalog through a real client: concurrent writers of
// retention.policies, validation errors through prepared statements, and
// the run history as retention.status shows it.
#include "harness.hpp"

#include <atomic>

using harness::expect;
using harness::expect_eq;
using harness::expect_sql_error;
using harness::query_text;
using harness::query_value;

namespace {

const std::string policy_snapshot_sql =
    "SELECT name, relation::text, time_column, retain, schedule, time_zone, batch_size, batch_delay, enabled, "
    "partitions, max_retries, owner::text, created_at, updated_at FROM retention.policies ORDER BY name";

std::string writer_table(int writer, int table) {
	return "events_w" + std::to_string(writer) + "_t" + std::to_string(table);
}

} // namespace

// (a) Four clients, each with its own connection, insert 50 policies apiece on
// their own tables in small transactions, all at the same time. Every insert
// must land exactly once, each policy named after its table by the trigger.
RETENTION_CHECK(concurrent_writers_insert_distinct_policies) {
	constexpr int writers = 4, tables_per_writer = 50, per_transaction = 5;
	{
		pqxx::work tx{conn};
		for (int w = 0; w < writers; w++)
			for (int t = 0; t < tables_per_writer; t++)
				tx.exec0("CREATE TABLE public." + writer_table(w, t) + " (id bigint, created_at timestamptz NOT NULL)");
		tx.commit();
	}

	std::vector<std::string> errors = harness::run_parallel(conn, writers, [&](int w, pqxx::connection &own) {
		own.prepare("add_policy", "INSERT INTO retention.policies (relation, time_column, retain, reason) "
		                          "VALUES ($1::regclass, 'created_at', '30 days', $2)");
		for (int t = 0; t < tables_per_writer; t += per_transaction) {
			pqxx::work tx{own};
			for (int i = t; i < t + per_transaction && i < tables_per_writer; i++)
				tx.exec_prepared0("add_policy", "public." + writer_table(w, i), "writer " + std::to_string(w));
			tx.commit();
		}
	});
	expect(errors.empty(), errors.empty() ? "" : "a writer failed: " + errors.front());

	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.policies"), writers * tables_per_writer,
	          "policies after the concurrent inserts");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.policies p JOIN pg_class c ON c.oid = p.relation "
	                                  "WHERE p.name = c.relname"),
	          writers * tables_per_writer, "policies named after their table");
	expect_eq(query_value<long>(conn, "SELECT count(DISTINCT relation) FROM retention.policies"),
	          writers * tables_per_writer, "distinct tables with a policy");
	for (int w = 0; w < writers; w++)
		expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.policies WHERE reason = 'writer " +
		                                      std::to_string(w) + "' AND name LIKE 'events\\_w" + std::to_string(w) +
		                                      "\\_t%'"),
		          tables_per_writer, "policies of writer " + std::to_string(w) + " on its own tables");
}

// Several clients race to create the policy of the same table with the
// defaulted name: exactly one wins, the others get a unique violation.
RETENTION_CHECK(concurrent_writers_same_table_one_wins) {
	constexpr int writers = 6;
	{
		pqxx::work tx{conn};
		tx.exec0("CREATE TABLE public.contested (id bigint, created_at timestamptz)");
		tx.commit();
	}
	std::atomic<int> successes{0}, duplicates{0};
	std::vector<std::string> errors = harness::run_parallel(conn, writers, [&](int w, pqxx::connection &own) {
		try {
			pqxx::work tx{own};
			tx.exec_params0("INSERT INTO retention.policies (relation, time_column, reason) "
			                "VALUES ('public.contested', 'created_at', $1)",
			                "writer " + std::to_string(w));
			tx.commit();
			successes++;
		} catch (const pqxx::unique_violation &) {
			duplicates++;
		}
	});
	expect(errors.empty(), errors.empty() ? "" : "a writer failed other than with 23505: " + errors.front());
	expect_eq(successes.load(), 1, "writers whose insert committed");
	expect_eq(duplicates.load(), writers - 1, "writers refused with a unique violation");
	expect_eq(query_text(conn, "SELECT name FROM retention.policies"), std::string("contested\n"),
	          "the single stored policy");
}

// (b) Invalid values sent as parameters of prepared statements are refused by
// the trigger with SQLSTATE 22023 and a message naming the column; nothing is
// stored, the table is as it was, and the session stays usable.
RETENTION_CHECK(invalid_policy_through_prepared_statement) {
	{
		pqxx::work tx{conn};
		tx.exec0("CREATE TABLE public.audit_log (id bigint, logged_at timestamptz NOT NULL)");
		tx.exec0("INSERT INTO retention.policies (name, relation, time_column, retain) "
		         "VALUES ('audit_log_keep', 'public.audit_log', 'logged_at', '90 days')");
		tx.commit();
	}
	const std::string before = query_text(conn, policy_snapshot_sql);
	expect(!before.empty(), "the valid policy was not stored");

	conn.prepare("insert_policy",
	             "INSERT INTO retention.policies (name, relation, time_column, retain, schedule, time_zone, batch_size, "
	             "partitions, max_retries) VALUES ($1, $2::regclass, $3, $4::interval, $5, $6, $7, $8, $9)");
	conn.prepare("set_batch_size", "UPDATE retention.policies SET batch_size = $2 WHERE name = $1");
	conn.prepare("set_schedule", "UPDATE retention.policies SET schedule = $2 WHERE name = $1");

	struct Case {
		const char *what, *schedule, *time_zone, *retain;
		int batch_size;
		const char *partitions;
		int max_retries;
		const char *column;
	};
	const Case cases[] = {
	    {"batch_size 0", "0 3 * * *", "UTC", "7 days", 0, "drop", 3, "batch_size"},
	    {"negative batch_size", "0 3 * * *", "UTC", "7 days", -10, "drop", 3, "batch_size"},
	    {"minute 61 in schedule", "61 * * * *", "UTC", "7 days", 100, "drop", 3, "schedule"},
	    {"schedule with 4 fields", "0 3 * *", "UTC", "7 days", 100, "drop", 3, "schedule"},
	    {"unknown time zone", "0 3 * * *", "Mars/Olympus_Mons", "7 days", 100, "drop", 3, "time_zone"},
	    {"negative retain", "0 3 * * *", "UTC", "-1 day", 100, "drop", 3, "retain"},
	    {"unknown partitions mode", "0 3 * * *", "UTC", "7 days", 100, "shred", 3, "partitions"},
	    {"negative max_retries", "0 3 * * *", "UTC", "7 days", 100, "drop", -1, "max_retries"},
	};
	for (const Case &c : cases) {
		expect_sql_error(
		    [&] {
			    pqxx::work tx{conn};
			    tx.exec_prepared0("insert_policy", "audit_log_bad", "public.audit_log", "logged_at", c.retain,
			                      c.schedule, c.time_zone, c.batch_size, c.partitions, c.max_retries);
			    tx.commit();
		    },
		    "22023", {c.column}, std::string("INSERT with ") + c.what);
		expect_eq(query_text(conn, policy_snapshot_sql), before,
		          std::string("retention.policies after the refused INSERT with ") + c.what);
	}

	expect_sql_error(
	    [&] {
		    pqxx::work tx{conn};
		    tx.exec_prepared0("set_batch_size", "audit_log_keep", 0);
		    tx.commit();
	    },
	    "22023", {"batch_size"}, "UPDATE to batch_size 0");
	expect_sql_error(
	    [&] {
		    pqxx::work tx{conn};
		    tx.exec_prepared0("set_schedule", "audit_log_keep", "61 * * * *");
		    tx.commit();
	    },
	    "22023", {"schedule"}, "UPDATE to schedule '61 * * * *'");
	expect_eq(query_text(conn, policy_snapshot_sql), before, "retention.policies after the refused UPDATEs");

	// A refused row inside a larger transaction takes the whole transaction down.
	expect_sql_error(
	    [&] {
		    pqxx::work tx{conn};
		    tx.exec_prepared0("set_batch_size", "audit_log_keep", 500);
		    tx.exec_prepared0("insert_policy", "audit_log_bad", "public.audit_log", "logged_at", "7 days", "0 3 * * *",
		                      "UTC", 0, "drop", 3);
		    tx.commit();
	    },
	    "22023", {"batch_size"}, "valid UPDATE then invalid INSERT in one transaction");
	expect_eq(query_text(conn, policy_snapshot_sql), before,
	          "retention.policies after a transaction whose second statement was refused");

	// The same prepared statements succeed with valid values: the failures
	// above came from the values, not from the statements.
	{
		pqxx::work tx{conn};
		tx.exec_prepared0("insert_policy", "audit_log_good", "public.audit_log", "logged_at", "7 days", "*/15 * * * *",
		                  "Europe/Berlin", 500, "rows", 0);
		tx.exec_prepared0("set_batch_size", "audit_log_keep", 250);
		tx.commit();
	}
	expect_eq(query_text(conn, "SELECT name, schedule, time_zone, batch_size, partitions, max_retries "
	                           "FROM retention.policies ORDER BY name"),
	          std::string("audit_log_good|*/15 * * * *|Europe/Berlin|500|rows|0\n"
	                      "audit_log_keep|0 3 * * *|UTC|250|drop|3\n"),
	          "policies after valid statements");
}

// (c) The run history accepts audit rows, and retention.status reports the
// latest non-dry run of each policy (dry runs never change last_status).
RETENTION_CHECK(run_history_feeds_status) {
	{
		pqxx::work tx{conn};
		tx.exec0("CREATE TABLE public.sessions (id bigint, expires_at timestamptz NOT NULL)");
		tx.exec0("CREATE TABLE public.metrics (id bigint, at timestamptz NOT NULL)");
		tx.exec0("INSERT INTO retention.policies (relation, time_column, retain) VALUES "
		         "('public.sessions', 'expires_at', '0'), ('public.metrics', 'at', '14 days')");
		tx.commit();
	}
	expect_eq(query_text(conn, "SELECT policy, enabled, schedule, last_run_at IS NULL, last_status IS NULL, "
	                           "last_error IS NULL FROM retention.status ORDER BY policy"),
	          std::string("metrics|t|0 3 * * *|t|t|t\nsessions|t|0 3 * * *|t|t|t\n"),
	          "status before any run");

	conn.prepare("record_run", "INSERT INTO retention.runs (policy, triggered_by, dry_run, status, started_at, "
	                           "finished_at, cutoff, rows_pruned, batches, error, sqlstate, relation, owner) "
	                           "VALUES ($1, $2, $3, $4, $5::timestamptz, $5::timestamptz + interval '2 seconds', "
	                           "$5::timestamptz - interval '14 days', $6, $7, $8, $9, $1, current_user::regrole) "
	                           "RETURNING id");
	auto record = [&](const std::string &policy, const std::string &triggered_by, bool dry_run,
	                  const std::string &status, const std::string &started_at, long rows, int batches,
	                  const char *error, const char *sqlstate) {
		pqxx::work tx{conn};
		long id = tx.exec_prepared1("record_run", policy, triggered_by, dry_run, status, started_at, rows, batches,
		                            error, sqlstate)[0]
		              .as<long>();
		tx.commit();
		return id;
	};

	long first = record("metrics", "schedule", false, "succeeded", "2024-05-01 03:00:00+00", 1200, 2, nullptr,
	                    nullptr);
	expect_eq(query_text(conn, "SELECT policy, triggered_by, dry_run, status, rows_pruned, batches, "
	                           "finished_at - started_at, error IS NULL FROM retention.runs"),
	          std::string("metrics|schedule|f|succeeded|1200|2|00:00:02|t\n"), "the stored run row");
	expect_eq(query_text(conn, "SELECT last_status, last_run_at = '2024-05-01 03:00:00+00', last_error IS NULL "
	                           "FROM retention.status WHERE policy = 'metrics'"),
	          std::string("succeeded|t|t\n"), "status after a successful scheduled run");

	long dry = record("metrics", "manual", true, "failed", "2024-05-02 10:00:00+00", 0, 0, "dry run failure",
	                  "XX000");
	expect(dry > first, "run ids must increase: " + std::to_string(dry) + " after " + std::to_string(first));
	expect_eq(query_text(conn, "SELECT last_status, last_run_at = '2024-05-01 03:00:00+00' "
	                           "FROM retention.status WHERE policy = 'metrics'"),
	          std::string("succeeded|t\n"), "status after a dry run (dry runs must not count)");

	long failed = record("metrics", "manual", false, "failed", "2024-05-03 10:00:00+00", 300, 1,
	                     "canceling statement due to statement timeout", "57014");
	expect(failed > dry, "run ids must increase");
	expect_eq(query_text(conn, "SELECT last_status, last_run_at = '2024-05-03 10:00:00+00', last_error "
	                           "FROM retention.status WHERE policy = 'metrics'"),
	          std::string("failed|t|canceling statement due to statement timeout\n"),
	          "status after a failed manual run");
	expect_eq(query_text(conn, "SELECT last_status IS NULL, last_run_at IS NULL FROM retention.status "
	                           "WHERE policy = 'sessions'"),
	          std::string("t|t\n"), "status of the policy that never ran");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.status"), 2L, "status rows (one per policy)");

	// Audit values outside the contract are refused.
	expect_sql_error([&] { record("metrics", "manual", false, "done", "2024-05-04 00:00:00+00", 0, 0, nullptr, nullptr); },
	                 "23514", {}, "run with status 'done'");
	expect_sql_error(
	    [&] { record("metrics", "cron", false, "succeeded", "2024-05-04 00:00:00+00", 0, 0, nullptr, nullptr); },
	    "23514", {}, "run triggered_by 'cron'");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.runs"), 3L, "runs after refused rows");
}

// Every check starts from an empty catalog in a database of its own.
RETENTION_CHECK(fresh_database_has_empty_catalog) {
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.policies"), 0L, "policies in a fresh database");
	expect_eq(query_value<long>(conn, "SELECT count(*) FROM retention.runs"), 0L, "runs in a fresh database");
	expect_eq(query_value<std::string>(conn, "SELECT extversion FROM pg_extension WHERE extname = 'retention'"),
	          std::string("0.3.0"), "installed extension version");
	expect(query_value<std::string>(conn, "SELECT current_database()").rfind("retention_check_", 0) == 0,
	       "the check does not run in a harness-made database");
}
