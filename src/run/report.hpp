// A run's report: the one description of what a run tells about itself.
// The engine fills it, the run row in retention.runs is completed from it
// (catalog/runs.cpp), the worker hands it to the backend that asked for
// the run in the request (request.hpp), and retention.run() returns it as
// a row of retention.runs (report_columns below, by column name).
#pragma once

#include "border/pg.hpp"

namespace retention::run {

// retention.runs.status.
enum class RunStatus : uint8 { Running, Succeeded, Failed, Cancelled, Partial };
const char *status_name(RunStatus status);

constexpr int policy_name_max = 255;

struct RunReport {
	int64 run_id;
	char policy[policy_name_max + 1];
	bool scheduled;                       // triggered_by = 'schedule'
	bool dry_run;
	RunStatus status;
	TimestampTz started_at;
	TimestampTz finished_at;
	bool has_cutoff;
	TimestampTz cutoff;
	int64 rows_pruned;
	int64 batches;
	int32 partitions_dropped;
	int64 rows_kept_referenced;
	Oid owner;                            // the policy's owner
	char relation[2 * NAMEDATALEN + 8];   // qualified table name when the run started
	int32 pid;                            // the worker's
	int32 longest_batch_ms;
	char method[32];                      // 'index', 'blocks', 'partitions', combined with '+'; empty: none
	char sqlstate[6];                     // empty when none
	char error[1024];                     // empty when none; also why a run stopped early
};

// A column of retention.runs the report fills: its value, or isnull.
struct ReportColumn {
	const char *name;
	Datum (*value)(const RunReport &report, bool *isnull);
};
// Every such column; others (repeats, first_started_at) are NULL in the row
// retention.run() returns.
extern const ReportColumn report_columns[];
extern const int report_column_count;

// The column of that name, or nullptr.
const ReportColumn *report_column(const char *name);

} // namespace retention::run
