// The benchmark's cases and tables: what each case builds, how a table is
// loaded (rows in time order, oldest first, like a real log table), and the
// disabled policy that retention.run() uses on it.
#include "bench.hpp"

#include <algorithm>

namespace bench {

std::unique_ptr<pqxx::connection> connect(const std::string &database, const std::string &application) {
	auto conn = std::make_unique<pqxx::connection>("dbname=" + database + " application_name=" + application);
	// retention.run() reports progress as NOTICEs; the benchmark prints its own.
	exec(*conn, "SET client_min_messages = warning");
	return conn;
}

void exec(pqxx::connection &conn, const std::string &sql) {
	pqxx::nontransaction tx{conn};
	tx.exec(sql);
}

std::string query_text(pqxx::connection &conn, const std::string &sql) {
	pqxx::nontransaction tx{conn};
	pqxx::row row = tx.exec1(sql);
	return row[0].is_null() ? std::string() : row[0].as<std::string>();
}

double query_double(pqxx::connection &conn, const std::string &sql) {
	pqxx::nontransaction tx{conn};
	pqxx::row row = tx.exec1(sql);
	return row[0].is_null() ? 0.0 : row[0].as<double>();
}

std::string label(Contender contender) {
	switch (contender) {
	case Contender::run:
		return "retention.run()";
	case Contender::delete_all:
		return "single DELETE";
	case Contender::cte:
		return "seed 004 CTE batches";
	case Contender::ctid:
		return "ctid-through-index batches";
	case Contender::run_drop:
		return "retention.run(), partitions 'drop'";
	case Contender::prune_call:
		return "CALL retention.prune()";
	case Contender::delete_lz4:
		return "single DELETE, wal_compression = lz4";
	}
	return "?";
}

std::vector<CaseSpec> all_cases(bool quick, int reps, bool reps_given) {
	// --quick: the same cases at 1/20 of the size (a smoke run).
	const long long unit = quick ? 50000 : 1000000;
	const std::vector<Contender> four{Contender::run, Contender::delete_all, Contender::cte, Contender::ctid};
	const std::vector<Contender> two{Contender::run, Contender::delete_all};
	// 10M expired rows take minutes per table: two repetitions unless --reps says otherwise.
	const int big_reps = reps_given ? reps : 2;
	return {
	    {"dense_indexed", {2 * unit, unit, true, false}, four, reps, "50% expired, btree on created_at"},
	    {"dense_noindex", {2 * unit, unit, false, false}, four, reps, "50% expired, no index on created_at"},
	    {"sparse_indexed", {5 * unit, 5 * unit / 100, true, false}, four, reps, "1% expired, btree on created_at"},
	    {"scale_1m",
	     {2 * unit, unit, true, false},
	     two,
	     reps,
	     "50% expired, indexed; the dense_indexed shape, contenders run and DELETE only (the scaling pair)"},
	    {"scale_10m",
	     {20 * unit, 10 * unit, true, false},
	     two,
	     big_reps,
	     "50% expired, indexed; 10x the expired rows of scale_1m; contenders run and DELETE only" +
	         std::string(big_reps == 1 ? ", 1 repetition (no median)" : "")},
	    {"noindex_1m",
	     {2 * unit, unit, false, false},
	     two,
	     reps,
	     "50% expired, no index; the dense_noindex shape, contenders run and DELETE only (the scaling pair of the "
	     "blocks path)"},
	    {"noindex_10m",
	     {20 * unit, 10 * unit, false, false},
	     two,
	     big_reps,
	     "50% expired, no index; 10x the rows of noindex_1m; contenders run and DELETE only" +
	         std::string(big_reps == 1 ? ", 1 repetition (no median)" : "")},
	    {"partitioned",
	     {2 * unit, unit, true, true},
	     {Contender::run, Contender::delete_all, Contender::cte, Contender::ctid, Contender::run_drop},
	     reps,
	     "monthly range partitions on created_at, 50% expired, btree on created_at; policy partitions = 'rows' "
	     "(rows deleted like the others); the 'drop' row is reported apart"},
	};
}

namespace {

std::string number(long long value) { return std::to_string(value); }

} // namespace

BuiltTable build_table(pqxx::connection &control, const Shape &shape) {
	const Clock::time_point started = Clock::now();
	exec(control, "DELETE FROM retention.policies WHERE name = '" + std::string(policy_name) + "'");
	exec(control, "DROP TABLE IF EXISTS " + std::string(table_name) + " CASCADE");

	// Rows are spread evenly over time; a gap of two hours around the
	// cutoff lets retention.run() compute its cutoff a little later (now() -
	// retain) and still expire exactly the same rows as the fixed cutoff of
	// the other contenders.
	BuiltTable table{shape, query_text(control, "SELECT (date_trunc('second', now()) - interval '60 days')::text"), 0};
	const long long kept = shape.rows - shape.expired;
	const long long step_us = (59LL * 86400 * 1000000) / std::max(1LL, std::max(shape.expired, kept));
	const std::string cutoff = "'" + table.cutoff + "'::timestamptz";

	const std::string columns = "(id bigint NOT NULL, created_at timestamptz NOT NULL, payload text NOT NULL)";
	if (shape.partitioned) {
		exec(control, "CREATE TABLE " + std::string(table_name) + " " + columns + " PARTITION BY RANGE (created_at)");
		exec(control, "DO $$ DECLARE m timestamptz; BEGIN FOR m IN SELECT generate_series(date_trunc('month', " +
		                  cutoff + " - interval '62 days'), date_trunc('month', now()) + interval '1 month', "
		                           "interval '1 month') LOOP EXECUTE format('CREATE TABLE %I PARTITION OF " +
		                  table_name +
		                  " FOR VALUES FROM (%L) TO (%L)', '" + table_name +
		                  "_' || to_char(m, 'YYYY_MM'), m, m + interval '1 month'); END LOOP; END $$");
	} else {
		exec(control, "CREATE TABLE " + std::string(table_name) + " " + columns);
	}
	const std::string expired = number(shape.expired);
	exec(control, "INSERT INTO " + std::string(table_name) +
	                  " (id, created_at, payload) SELECT i + 1, CASE WHEN i < " + expired + " THEN " + cutoff +
	                  " - interval '1 hour' - (" + expired + " - 1 - i) * " + number(step_us) +
	                  " * interval '1 microsecond' ELSE " + cutoff + " + interval '1 hour' + (i - " + expired +
	                  ") * " + number(step_us) +
	                  " * interval '1 microsecond' END, rpad((i + 1)::text, 100, '-abcdefghijklmnopqrstuvwxyz') "
	                  "FROM generate_series(0::bigint, " +
	                  number(shape.rows - 1) + ") AS i");
	// A partitioned table's primary key must include the partition key.
	exec(control, "ALTER TABLE " + std::string(table_name) + " ADD PRIMARY KEY " +
	                  (shape.partitioned ? "(id, created_at)" : "(id)"));
	if (shape.indexed)
		exec(control, "CREATE INDEX " + std::string(table_name) + "_created_at_idx ON " + table_name + " (created_at)");
	exec(control, "VACUUM ANALYZE " + std::string(table_name));
	table.build_seconds = seconds_between(started, Clock::now());
	return table;
}

void create_policy(pqxx::connection &control, const BuiltTable &table, const std::string &partitions) {
	exec(control, "DELETE FROM retention.policies WHERE name = '" + std::string(policy_name) + "'");
	// retain = now() - cutoff: the run's cutoff (its now() - retain) lands a
	// few seconds after the table's cutoff, inside the two-hour gap.
	exec(control, "INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, enabled" +
	                  std::string(partitions.empty() ? "" : ", partitions") + ") VALUES ('" + policy_name + "', '" +
	                  table_name + "', 'created_at', date_trunc('second', now() - '" + table.cutoff +
	                  "'::timestamptz), " + std::to_string(batch_rows) + ", false" +
	                  (partitions.empty() ? "" : ", '" + partitions + "'") + ")");
}

std::vector<std::string> leaf_relations(pqxx::connection &control) {
	pqxx::nontransaction tx{control};
	pqxx::result leaves = tx.exec("SELECT relid::regclass::text FROM pg_partition_tree('" + std::string(table_name) +
	                              "') WHERE isleaf ORDER BY relid::regclass::text");
	std::vector<std::string> names;
	for (const auto &row : leaves)
		names.push_back(row[0].as<std::string>());
	return names;
}

} // namespace bench
