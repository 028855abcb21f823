// Writing retention.runs: the audit row of each run. Called by the run
// worker inside its own transactions, with SPI connected, as the worker's
// session user (the bootstrap superuser), never as the policy's owner.
#pragma once

#include "border/pg.hpp"

namespace retention::catalog {

struct RunStart {
	const char *policy;
	bool scheduled;
	bool dry_run;
	Oid owner;
	const char *relation;
	bool has_cutoff;
	TimestampTz cutoff;
};

// Inserts the 'running' row; returns its id and start time.
int64 insert_run(const RunStart &start, TimestampTz *started_at);

// Counts one committed batch (and how long it has taken so far); called in
// the batch's own transaction.
void add_batch(int64 run_id, int64 rows, int32 batch_ms);

struct RunEnd {
	const char *policy;
	bool dry_run;
	bool scheduled;
	const char *status;
	int64 rows_pruned;
	int64 batches;
	int32 partitions_dropped;
	int64 rows_kept_referenced;
	const char *error;     // nullptr when none
	const char *sqlstate;  // nullptr when none
	const char *method;    // how the tables were walked, or nullptr
};

// Completes the row; returns finished_at.
TimestampTz finish_run(int64 run_id, const RunEnd &end);

// After the completed row has committed, in a transaction of its own: a real
// run that did nothing (succeeded, or failed, without pruning a row or a
// partition) folds into the row of the policy's run before it when that one
// ended the same way (same status, trigger, error): that row goes, and this
// one counts both (repeats, first_started_at). Tiny schedules on tables
// with nothing to prune, or a policy failing the same way again and again,
// so keep one row.
void fold_run(int64 run_id, const RunEnd &end);

// Settles rows of this policy left 'running' by a run that died without
// completing them. Only call while holding the policy's run lock.
uint64 settle_abandoned_runs(const char *policy);

} // namespace retention::catalog
