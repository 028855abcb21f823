// The prune benchmark of issue 5 (retention_bench): builds identical fresh
// tables and prunes them with four contenders, alternating within each
// repetition, then reports medians; a second phase measures what concurrent
// writers and readers notice while each contender prunes.
//
// Contenders:
//   run     retention.run(policy): the extension's engine (run worker)
//   call    CALL retention.prune(policy): the same run; the caller waits holding
//           no snapshot (foreground phase only)
//   delete  one DELETE ... WHERE created_at < cutoff, one transaction
//   cte     seed 004's batches: WITH ids AS (SELECT id ... ORDER BY created_at
//           LIMIT 10000 FOR UPDATE SKIP LOCKED) DELETE ... WHERE id IN (...)
//   ctid    ctid-through-index batches: DELETE ... WHERE ctid = ANY (ARRAY(
//           SELECT ctid ... ORDER BY created_at LIMIT 10000 FOR UPDATE SKIP LOCKED))
//
// Connection parameters come from libpq's environment (PGHOST, PGPORT,
// PGUSER); test/bench/run.sh starts a throwaway cluster and sets them.
#pragma once

#include <pqxx/pqxx>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_between(Clock::time_point from, Clock::time_point to) {
	return std::chrono::duration<double>(to - from).count();
}

// The benchmarked table and the policy on it; one at a time.
constexpr const char *table_name = "bench_t";
constexpr const char *policy_name = "bench";
constexpr long long batch_rows = 10000;

// application_name of the benchmark's own sessions: the pruning session, the
// foreground clients (bench-fg-N) and the pg_stat_activity poller.
constexpr const char *app_prune = "bench-prune";
constexpr const char *app_control = "bench-control";
constexpr const char *app_poller = "bench-poller";
constexpr const char *app_foreground = "bench-fg";

std::unique_ptr<pqxx::connection> connect(const std::string &database, const std::string &application);

// Runs one statement outside any transaction block (VACUUM, CHECKPOINT, SET).
void exec(pqxx::connection &conn, const std::string &sql);
std::string query_text(pqxx::connection &conn, const std::string &sql);
double query_double(pqxx::connection &conn, const std::string &sql);

enum class Contender { run, delete_all, cte, ctid, run_drop, prune_call, delete_lz4 };
std::string label(Contender contender);

// What a table looks like: rows in time order, the oldest `expired` of them
// before the cutoff.
struct Shape {
	long long rows;
	long long expired;
	bool indexed;     // a btree on created_at
	bool partitioned; // monthly range partitions on created_at
};

struct CaseSpec {
	std::string name;
	Shape shape;
	std::vector<Contender> contenders;
	int reps;
	std::string note;
};

std::vector<CaseSpec> all_cases(bool quick, int reps, bool reps_given);

// A table freshly built for one measurement (loaded, indexed, VACUUM ANALYZE).
struct BuiltTable {
	Shape shape;
	std::string cutoff; // timestamptz literal: every row older than it expires
	double build_seconds;
};

BuiltTable build_table(pqxx::connection &control, const Shape &shape);
// Drops and recreates the policy `bench` on the table, disabled, retaining
// exactly the rows at or after the table's cutoff (partitions: 'rows' or 'drop').
void create_policy(pqxx::connection &control, const BuiltTable &table, const std::string &partitions);
// The table itself, or its leaf partitions.
std::vector<std::string> leaf_relations(pqxx::connection &control);

// Samples pg_stat_activity every 20 ms on its own connection while started.
struct PollResult {
	double worker_xact_ms = 0;   // longest xact age of a 'retention worker' worker
	std::string worker_activity; // its pg_stat_activity.query then
	double horizon_ms = 0;     // oldest transaction holding an xid or xmin (see poller.cpp)
	std::string horizon_by;    // who held it
	long samples = 0;
};

class Poller {
  public:
	explicit Poller(const std::string &database);
	~Poller();
	void start();
	PollResult stop();

  private:
	void loop();
	std::unique_ptr<pqxx::connection> conn_;
	std::thread thread_;
	std::atomic<bool> stop_{false};
	PollResult result_;
	std::string error_;
};

// One prune by one contender, timed on the client.
struct PruneOutcome {
	long long rows = 0;           // rows the contender reports deleted
	double seconds = 0;           // wall time of the whole prune
	double longest_txn_ms = 0;    // client-side, for the SQL contenders
	bool longest_from_runs = false; // retention.runs.longest_batch_ms used
	long long batches = 0;
	std::string notes;
};

struct Settings {
	std::string database;
	Clock::time_point deadline;
	bool runs_has_longest_batch = false;
};

PruneOutcome prune(Contender contender, pqxx::connection &session, pqxx::connection &control,
                   const BuiltTable &table, const Settings &settings);

// Everything measured for one contender on one table.
struct Measurement {
	Contender contender;
	double seconds = 0;
	double longest_txn_ms = 0;
	std::string longest_source; // "client", "polled", "retention.runs"
	double polled_worker_ms = 0; // retention.run(): the run worker's longest transaction, polled
	double wal_bytes = 0;
	long long dead_tuples = 0;
	long long rows = 0;
	long long batches = 0;
	std::string notes;
	std::string problem; // empty when the result checked out
};

Measurement measure(Contender contender, pqxx::connection &control, const BuiltTable &table,
                    const Settings &settings);

// Foreground impact: clients run while one contender prunes a dense_indexed table.
struct LatencyWindow {
	double seconds = 0;
	long long ops = 0;
	long long errors = 0;
	double ops_per_second = 0;
	double p50_ms = 0;
	double p99_ms = 0;
	std::vector<double> latencies_ms; // every successful operation's, to pool repetitions
	// The same by statement: INSERT, UPDATE, SELECT.
	std::array<std::vector<double>, 3> statement_latencies_ms;
	std::array<double, 3> statement_p99_ms{};
};

// Windows of several repetitions as one: operations and latencies pooled.
LatencyWindow pooled(const std::vector<LatencyWindow> &windows);

struct ForegroundResult {
	Contender contender;
	double prune_seconds = 0;
	LatencyWindow idle, during;
	LatencyWindow idle_first, idle_second; // the idle baseline's two halves: the noise floor
	PollResult idle_horizon, prune_horizon;
	std::string problem;
};

struct ForegroundOptions {
	int clients = 4;
	double rate_per_client = 200; // ops/s per client; 0: as fast as possible
	double baseline_seconds = 10;
	// The clients' read of the newest rows goes by id (the primary key), not
	// created_at: on a table without an index on created_at it is then not a
	// sequential scan of its own (the impact benchmark's no-index shape).
	bool read_newest_by_id = false;
	// Called right before the prune starts and right after it ends (the
	// impact benchmark samples the standby's lag in between).
	std::function<void()> on_prune_start, on_prune_end;
};

ForegroundResult foreground(Contender contender, pqxx::connection &control, const Shape &shape,
                            const Settings &settings, const ForegroundOptions &options);

// The benchmark of issue 13 (impact.cpp): what writers and a standby notice
// while each contender prunes, the brakes at their defaults and off.
struct ImpactOptions {
	bool quick = false;
	int reps = 2;
	std::string standby;  // libpq conninfo of a standby streaming from the server; empty: none
	ForegroundOptions foreground;
	std::string command, tree;
};
// Prints the report, returns it as Markdown; problems (failed checks) are appended.
std::string impact(pqxx::connection &control, const Settings &settings, const ImpactOptions &options,
                   std::vector<std::string> &problems);

// Plain tables rendered as Markdown (file) or aligned text (terminal).
struct Grid {
	std::vector<std::string> headers;
	std::vector<std::vector<std::string>> rows;
	std::string markdown() const;
	std::string text() const;
};

std::string grouped(long long value); // 1234567 -> "1,234,567"
std::string fixed(double value, int decimals);

} // namespace bench
