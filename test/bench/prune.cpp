// The contenders, the pg_stat_activity poller, and one measured prune.
#include "bench.hpp"

#include <algorithm>
#include <stdexcept>

namespace bench {

// ---------------------------------------------------------------- poller

namespace {

// Per sample: the age of the run worker's transaction, and the oldest
// transaction of this database that holds an xid or an xmin (so holds back
// the vacuum horizon), leaving out this poller and the foreground clients'
// own short transactions.
constexpr const char *poll_sql = R"SQL(
SELECT
  coalesce(w.age_ms, 0), w.query, h.age_ms, h.who
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
  SELECT extract(epoch FROM clock_timestamp() - xact_start) * 1000 AS age_ms, query
    FROM pg_stat_activity WHERE backend_type = 'retention worker' AND xact_start IS NOT NULL
   ORDER BY xact_start LIMIT 1) AS w ON true
LEFT JOIN LATERAL (
  SELECT extract(epoch FROM clock_timestamp() - xact_start) * 1000 AS age_ms,
         CASE WHEN backend_type = 'client backend' THEN coalesce(nullif(application_name, ''), 'client')
              ELSE backend_type END AS who
    FROM pg_stat_activity
   WHERE pid <> pg_backend_pid()
     AND datid = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)
     AND application_name NOT LIKE 'bench-fg%'
     AND xact_start IS NOT NULL
   ORDER BY xact_start LIMIT 1) AS h ON true
)SQL";

} // namespace

Poller::Poller(const std::string &database) : conn_(connect(database, app_poller)) {
	conn_->prepare("poll", poll_sql);
}

Poller::~Poller() {
	if (thread_.joinable()) {
		stop_ = true;
		thread_.join();
	}
}

void Poller::start() {
	result_ = PollResult{};
	error_.clear();
	stop_ = false;
	thread_ = std::thread([this] { loop(); });
}

PollResult Poller::stop() {
	stop_ = true;
	if (thread_.joinable())
		thread_.join();
	if (!error_.empty())
		throw std::runtime_error("pg_stat_activity poller: " + error_);
	return result_;
}

void Poller::loop() {
	try {
		Clock::time_point next = Clock::now();
		while (!stop_) {
			{
				pqxx::nontransaction tx{*conn_};
				pqxx::row row = tx.exec_prepared1("poll");
				if (row[0].as<double>() > result_.worker_xact_ms) {
					result_.worker_xact_ms = row[0].as<double>();
					result_.worker_activity = row[1].is_null() ? "" : row[1].as<std::string>();
				}
				if (!row[2].is_null() && row[2].as<double>() > result_.horizon_ms) {
					result_.horizon_ms = row[2].as<double>();
					result_.horizon_by = row[3].as<std::string>();
				}
				result_.samples++;
			}
			next += std::chrono::milliseconds(20);
			std::this_thread::sleep_until(next);
		}
	} catch (const std::exception &error) {
		error_ = error.what();
	}
}

// ------------------------------------------------------------- contenders

namespace {

void set_timeout(pqxx::connection &session, const Settings &settings) {
	const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(settings.deadline - Clock::now()).count();
	if (left <= 1000)
		throw std::runtime_error("time budget exhausted");
	exec(session, "SET statement_timeout = " + std::to_string(left));
}

// retention.run(), or (procedure) CALL retention.prune() and its run's row.
PruneOutcome run_policy(pqxx::connection &session, pqxx::connection &control, const Settings &settings,
                        bool procedure) {
	PruneOutcome outcome;
	const Clock::time_point started = Clock::now();
	pqxx::row row = [&] {
		pqxx::nontransaction tx{session};
		const std::string columns = "id, status, rows_pruned, batches, coalesce(error, ''), partitions_dropped";
		if (!procedure)
			return tx.exec_params1("SELECT " + columns + " FROM retention.run($1)", std::string(policy_name));
		tx.exec0("CALL retention.prune(" + tx.quote(policy_name) + ")");
		outcome.seconds = seconds_between(started, Clock::now());
		return tx.exec_params1("SELECT " + columns + " FROM retention.runs WHERE policy = $1 AND NOT dry_run "
		                       "ORDER BY id DESC LIMIT 1",
		                       std::string(policy_name));
	}();
	if (!procedure)
		outcome.seconds = seconds_between(started, Clock::now());
	const long long run_id = row[0].as<long long>();
	const std::string status = row[1].as<std::string>();
	outcome.rows = row[2].as<long long>();
	outcome.batches = row[3].as<long long>();
	if (status != "succeeded")
		throw std::runtime_error("retention.run() ended " + status + ": " + row[4].as<std::string>());
	outcome.notes = std::to_string(outcome.batches) + " batches";
	if (row[5].as<int>() > 0)
		outcome.notes += ", " + row[5].as<std::string>() + " partitions dropped";

	// Columns the engine may have added to retention.runs since (a path
	// chosen, batch timings) go to the notes as they are.
	pqxx::nontransaction tx{control};
	pqxx::result extra =
	    tx.exec_params("SELECT key, value FROM retention.runs r, jsonb_each_text(to_jsonb(r)) "
	                   "WHERE r.id = $1 AND key NOT IN ('id', 'policy', 'triggered_by', 'dry_run', 'status', "
	                   "'started_at', 'finished_at', 'cutoff', 'rows_pruned', 'batches', 'partitions_dropped', "
	                   "'error', 'sqlstate', 'relation', 'owner', 'pid', 'rows_kept_referenced') "
	                   "AND value IS NOT NULL ORDER BY key",
	                   run_id);
	for (const auto &column : extra) {
		const std::string name = column[0].as<std::string>();
		if (name == "longest_batch_ms" && settings.runs_has_longest_batch) {
			outcome.longest_txn_ms = column[1].as<double>();
			outcome.longest_from_runs = true;
			continue;
		}
		outcome.notes += ", " + name + "=" + column[1].as<std::string>();
	}
	return outcome;
}

PruneOutcome single_delete(pqxx::connection &session, const BuiltTable &table) {
	PruneOutcome outcome;
	const Clock::time_point started = Clock::now();
	{
		pqxx::work tx{session};
		outcome.rows = tx.exec_params("DELETE FROM " + std::string(table_name) + " WHERE created_at < $1::timestamptz",
		                              table.cutoff)
		                   .affected_rows();
		tx.commit();
	}
	outcome.seconds = seconds_between(started, Clock::now());
	outcome.longest_txn_ms = outcome.seconds * 1000;
	outcome.batches = 1;
	outcome.notes = "1 transaction";
	return outcome;
}

// Runs sql (one batch, $1 the cutoff) in its own transaction until a batch
// deletes nothing.
void batches_until_empty(pqxx::connection &session, const std::string &sql, const BuiltTable &table,
                         const Settings &settings, PruneOutcome &outcome) {
	for (;;) {
		if (Clock::now() > settings.deadline)
			throw std::runtime_error("time budget exhausted in a batch loop");
		const Clock::time_point begun = Clock::now();
		long long deleted;
		{
			pqxx::work tx{session};
			deleted = tx.exec_params(sql, table.cutoff).affected_rows();
			tx.commit();
		}
		outcome.longest_txn_ms = std::max(outcome.longest_txn_ms, seconds_between(begun, Clock::now()) * 1000);
		if (deleted == 0)
			return;
		outcome.rows += deleted;
		outcome.batches++;
	}
}

PruneOutcome cte_batches(pqxx::connection &session, const BuiltTable &table, const Settings &settings) {
	PruneOutcome outcome;
	const std::string t = table_name;
	const std::string sql = "WITH ids AS (SELECT id FROM " + t +
	                        " WHERE created_at < $1::timestamptz ORDER BY created_at LIMIT " +
	                        std::to_string(batch_rows) + " FOR UPDATE SKIP LOCKED) DELETE FROM " + t +
	                        " WHERE id IN (SELECT id FROM ids)";
	const Clock::time_point started = Clock::now();
	batches_until_empty(session, sql, table, settings, outcome);
	outcome.seconds = seconds_between(started, Clock::now());
	outcome.notes = std::to_string(outcome.batches) + " batches";
	return outcome;
}

PruneOutcome ctid_batches(pqxx::connection &session, pqxx::connection &control, const BuiltTable &table,
                          const Settings &settings) {
	PruneOutcome outcome;
	// ctids are per relation: on a partitioned table, one loop per partition.
	const std::vector<std::string> relations =
	    table.shape.partitioned ? leaf_relations(control) : std::vector<std::string>{table_name};
	const Clock::time_point started = Clock::now();
	for (const std::string &relation : relations) {
		const std::string sql = "DELETE FROM " + relation + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + relation +
		                        " WHERE created_at < $1::timestamptz ORDER BY created_at LIMIT " +
		                        std::to_string(batch_rows) + " FOR UPDATE SKIP LOCKED))";
		batches_until_empty(session, sql, table, settings, outcome);
	}
	outcome.seconds = seconds_between(started, Clock::now());
	outcome.notes = std::to_string(outcome.batches) + " batches";
	if (table.shape.partitioned)
		outcome.notes += " (one loop per partition)";
	return outcome;
}

} // namespace

PruneOutcome prune(Contender contender, pqxx::connection &session, pqxx::connection &control,
                   const BuiltTable &table, const Settings &settings) {
	set_timeout(session, settings);
	switch (contender) {
	case Contender::run:
	case Contender::run_drop:
		return run_policy(session, control, settings, false);
	case Contender::prune_call:
		return run_policy(session, control, settings, true);
	case Contender::delete_all:
		return single_delete(session, table);
	case Contender::delete_lz4: {
		// The fastest plain DELETE: full-page images compressed as our runs compress them.
		exec(session, "SET wal_compression = lz4");
		PruneOutcome outcome = single_delete(session, table);
		exec(session, "RESET wal_compression");
		return outcome;
	}
	case Contender::cte:
		return cte_batches(session, table, settings);
	case Contender::ctid:
		return ctid_batches(session, control, table, settings);
	}
	throw std::logic_error("unknown contender");
}

// -------------------------------------------------------- one measurement

Measurement measure(Contender contender, pqxx::connection &control, const BuiltTable &table,
                    const Settings &settings) {
	Measurement m;
	m.contender = contender;
	if (contender == Contender::run || contender == Contender::run_drop || contender == Contender::prune_call)
		create_policy(control, table,
		              table.shape.partitioned ? (contender == Contender::run_drop ? "drop" : "rows") : "");
	auto session = connect(settings.database, app_prune);
	Poller poller{settings.database};

	// Every prune starts from a clean checkpoint: its first change to each
	// page writes a full-page image, the same for every contender.
	exec(control, "CHECKPOINT");
	const std::string lsn_before = query_text(control, "SELECT pg_current_wal_insert_lsn()::text");
	poller.start();
	PruneOutcome outcome;
	try {
		outcome = prune(contender, *session, control, table, settings);
	} catch (...) {
		(void)poller.stop();
		throw;
	}
	const PollResult polled = poller.stop();
	m.wal_bytes = query_double(control, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '" + lsn_before + "')");

	m.seconds = outcome.seconds;
	m.polled_worker_ms = polled.worker_xact_ms;
	m.rows = outcome.rows;
	m.batches = outcome.batches;
	m.notes = outcome.notes;
	if (contender == Contender::run || contender == Contender::run_drop || contender == Contender::prune_call) {
		if (outcome.longest_from_runs) {
			m.longest_txn_ms = outcome.longest_txn_ms;
			m.longest_source = "retention.runs";
			m.notes += ", worker xact polled max " + std::to_string(long(polled.worker_xact_ms + 0.5)) + " ms";
			if (polled.worker_xact_ms > outcome.longest_txn_ms + 20 && !polled.worker_activity.empty())
				m.notes += " (in \"" + polled.worker_activity + "\")";
		} else {
			m.longest_txn_ms = polled.worker_xact_ms;
			m.longest_source = "polled";
		}
	} else {
		m.longest_txn_ms = outcome.longest_txn_ms;
		m.longest_source = "client";
	}

	// Dead tuples left for vacuum (autovacuum is off): the pruning session
	// flushes its statistics now (a run worker flushed them when it exited).
	exec(*session, "SELECT pg_stat_force_next_flush()");
	exec(*session, "SELECT 1");
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	m.dead_tuples = static_cast<long long>(query_double(
	    control, "SELECT sum(n_dead_tup) FROM pg_stat_user_tables WHERE relid = '" + std::string(table_name) +
	                 "'::regclass OR relid IN (SELECT relid FROM pg_partition_tree('" + table_name + "'))"));

	// Exactly the expired rows are gone (checked after the statistics: this
	// scan prunes pages on the way).
	pqxx::row counts = [&] {
		pqxx::nontransaction tx{control};
		return tx.exec_params1("SELECT count(*), count(*) FILTER (WHERE created_at < $1::timestamptz) FROM " +
		                           std::string(table_name),
		                       table.cutoff);
	}();
	const long long left = counts[0].as<long long>(), expired_left = counts[1].as<long long>();
	const long long kept = table.shape.rows - table.shape.expired;
	if (left != kept || expired_left != 0)
		m.problem = "CHECK FAILED: " + std::to_string(left) + " rows left (expected " + std::to_string(kept) + "), " +
		            std::to_string(expired_left) + " expired rows left";
	else if (contender != Contender::run_drop && m.rows != table.shape.expired)
		m.problem = "CHECK FAILED: contender reported " + std::to_string(m.rows) + " rows deleted, expected " +
		            std::to_string(table.shape.expired);
	m.rows = table.shape.expired;
	return m;
}

} // namespace bench
