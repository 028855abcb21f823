// One batch of a run: what it is given, what it did. Each batch function
// runs inside the batch's own transaction (the engine opens and commits it,
// src/prune/engine.cpp) and deletes through one of the forms of
// plan/batch_form.hpp with the statements planned for the table
// (policy_target.hpp). No C++ object with a destructor lives here.
#pragma once

#include "prune/plan/batch_form.hpp"
#include "prune/policy_target.hpp"

#include "border/pg.hpp"

namespace retention::prune {

// What the run fixed when it planned, and every batch reads.
struct RunPlan {
	const PolicyTarget *target;
	int64 run_id;
	bool has_cutoff;
	TimestampTz cutoff;
	Datum cutoff_value;   // $1 of every statement
	Oid cutoff_type;
	// The policy row and the run row are in this database (false for a
	// shard run: the coordinator holds them and checks the policy between
	// shards; a batch checks instead that the shard is still placed here).
	bool on_record;
};

struct BatchInput {
	const LeafTarget *leaf;
	plan::BatchForm form;
	int32 row_limit;
	Datum lower_key;                       // key forms: the key cursor
	BlockNumber range_start, range_end;    // range forms: the block range [start, end)
};

struct BatchResult {
	int64 rows;                  // rows deleted (and counted in the run row) by the batch
	const char *stop_reason;     // the policy no longer covers the batch: nothing deleted, the run stops
	bool leaf_gone;              // the partition left the policy's table: nothing deleted, the run leaves it
	bool shard_moved;            // a shard run: the shard is no longer placed here: nothing deleted, the run stops
	bool reached_cutoff;         // key forms: the batch went up to the cutoff
	Datum next_key;              // key forms: where the next batch starts
	int32 max_rows_per_second;   // the policy's, as it stands now (0: none)
};

// Deletes one batch of rows in input.form. The policy is re-read first
// (policy_change), then the batch acts as the run's role with the form's
// lock timeout. A RangeWhole pass that finds more than row_limit rows raises
// ERRCODE_CARDINALITY_VIOLATION (rolled back, redone as RangeRows).
BatchResult delete_batch(const RunPlan &plan, const BatchInput &input);

// A partition wholly before the cutoff: dropped or detached (the policy's
// partitions mode) after the same policy check, or left alone when it no
// longer qualifies under its locks. went: it was dropped or detached.
BatchResult drop_partition(const RunPlan &plan, const LeafTarget *leaf, bool *went);

} // namespace retention::prune
