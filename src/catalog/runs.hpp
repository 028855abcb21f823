// Writing retention.runs: the audit row of each run. Called by the run
// worker inside its own transactions, with SPI connected, as the worker's
// session user (the bootstrap superuser), never as the policy's owner.
#pragma once

#include "run/report.hpp"

#include "border/pg.hpp"

namespace retention::catalog {

// Inserts the 'running' row of the report (policy, trigger, dry run, owner,
// relation, cutoff); sets its run_id and started_at.
void insert_run(run::RunReport *report);

// Counts one committed batch (and how long it has taken so far); called in
// the batch's own transaction.
void add_batch(int64 run_id, int64 rows, int32 batch_ms);

// A shard of a distributed table pruned by the run (Citus): a row of
// retention.run_shards (when the schema has it), and its rows and batches
// added to the run's row.
struct ShardRecord {
	const char *node;        // host:port
	int64 shard;
	const char *status;      // succeeded, moved, partial, cancelled, failed
	int64 rows;
	int64 batches;
	TimestampTz started_at;
	const char *error;       // or nullptr
	Oid owner;
};
void add_shard(int64 run_id, const ShardRecord &record);

// Completes the report's row from it (status, counts, error, method); sets
// its finished_at.
void finish_run(run::RunReport *report);

// After the completed row has committed, in a transaction of its own: a real
// run that did nothing (succeeded, or failed, without pruning a row or a
// partition) folds into the row of the policy's run before it when that one
// ended the same way (same status, trigger, error): that row goes, and this
// one counts both (repeats, first_started_at). Tiny schedules on tables
// with nothing to prune, or a policy failing the same way again and again,
// so keep one row.
void fold_run(const run::RunReport &report);

// Settles rows of this policy left 'running' by a run that died without
// completing them. Only call while holding the policy's run lock.
uint64 settle_abandoned_runs(const char *policy);

} // namespace retention::catalog
