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

// Settles rows of this policy left 'running' by a run that died without
// completing them. Only call while holding the policy's run lock.
uint64 settle_abandoned_runs(const char *policy);

} // namespace retention::catalog
