// A policy as a run sees it: the policy row, the role the run acts as, the
// cutoff, and per table to prune (the table itself, or each leaf partition)
// the statements of its batches. Everything lives in the run's memory context.
#pragma once

#include "citus/metadata.hpp"
#include "run/request.hpp"

#include "border/pg.hpp"

namespace retention::prune {

enum class TimeKind { Timestamptz, Timestamp, Date, Epoch };

// One table a run deletes from.
struct LeafTarget {
	Oid relid;
	const char *name;           // qualified, for messages
	bool by_key;                // a btree index leads with the time column: slices through it; else block ranges
	BlockNumber blocks;         // heap size when the run started (block-range walk)
	double tuples;              // planner estimate, sizes the first block range
	const char *delete_by_key;  // statements, see src/prune/plan/batch_sql.hpp
	const char *delete_by_blocks;
	const char *delete_by_key_directly;
	const char *delete_by_blocks_directly;
	const char *delete_block_range;
	const char *time_slice_end;
	const char *delete_time_slice;
	const char *count_expired;
	const char *count_kept_referenced;  // nullptr: no foreign key references this table

	// A partition whose bounds lie entirely before the cutoff, dropped or
	// detached whole (partitions 'drop' / 'detach') instead of row by row.
	bool whole_partition_expired;

	// For retention.explain().
	Oid key_index;              // the index by_key goes through
	const char *filter;         // the filter as the statements carry it (deparsed), or nullptr
	const char *guard_tables;   // the tables whose references keep rows, comma-separated, or nullptr
};

struct PolicyTarget {
	// The policy row.
	const char *name;
	Oid relid;
	const char *relation_name;  // qualified, for the run row and messages
	const char *time_column;
	Oid owner;
	bool keep_forever;          // retain IS NULL
	Interval retain;
	const char *filter;         // as written, or nullptr
	int32 batch_size;
	int64 batch_delay_usecs;
	int64 max_runtime_usecs;    // 0: no limit
	int32 max_rows_per_second;  // 0: no limit, when the run started (policy_change reads it again per batch)
	bool has_rate_column;       // retention.policies has max_rows_per_second (updated to 0.3.0)
	Oid archive_relid;
	const char *partitions_mode;
	const char *time_unit;      // as written, or nullptr
	bool enabled;

	// A shard run (run::ShardWork): the distributed table and the shard
	// whose relation relid is; 0 otherwise.
	Oid citus_table;
	int64 citus_shard;
	citus::TableKind citus_kind;  // of relid, set by plan_policy (Plain for a shard run)

	// Derived.
	Oid run_role;               // whose privileges the statements use
	const char *filter_search_path;  // pg_catalog and the table's schema: where the filter's names are read
	TimeKind kind;
	Oid key_type;               // type of the time column (base type), or INT8OID for epochs
	int64 epoch_divisor;        // for TimeKind::Epoch: 1, 1000, 1000000 microseconds per unit
	Datum cutoff_value;         // $1 of every statement (see cutoff_parameter), set by plan_policy
	Oid cutoff_type;
	int nleaves;
	LeafTarget *leaves;
};

// Reads the policy row (as the session user, bypassing row-level security).
// Returns nullptr when there is no such policy. Needs a transaction and SPI.
PolicyTarget *load_policy(const char *name, MemoryContext context);

// A shard run's policy (run::ShardWork): the coordinator's definition, for
// the shard relation shard_relid, run by role (the caller of
// retention.prune_shard()). Whole partitions never go on a node (the
// coordinator drops them for the whole table): partitions 'rows'.
PolicyTarget *shard_policy(const char *name, const run::ShardWork &work, Oid shard_relid, Oid role,
                           MemoryContext context);

// The role a run of this policy acts as: its owner, except that a
// superuser-owned policy on an ordinary role's table acts as the table's
// owner, as VACUUM does, so code the table owner controls (triggers,
// functions in the filter) never runs as a superuser.
Oid run_role_for(Oid owner, Oid relid);

// Resolves tables, indexes, foreign keys, the archive and the filter, and
// builds every statement. Must run inside enter_run_identity (the filter is
// analyzed with the run's privileges). The filter's names are read with
// filter_search_path, and its deparsed form, which the statements carry, is
// written with the identity's search_path, so it names every object outside
// pg_catalog with its schema. Raises an error with a clear message when the
// policy no longer fits its table. With a cutoff, also finds the partitions
// that can go whole.
void plan_policy(PolicyTarget *target, bool has_cutoff, TimestampTz cutoff, MemoryContext context);

// Right before a whole partition goes: takes the locks DROP TABLE and
// DETACH PARTITION take (its parent's, then its own, ACCESS EXCLUSIVE) and
// checks again under them that it is still a partition of the policy's
// table, still wholly before the cutoff and still the run role's. Returns
// the statement to run, naming the tables as they are named now, or
// nullptr: the partition no longer qualifies and this run leaves it alone
// (one detached by its owner meanwhile is not the policy's any more).
const char *lock_whole_partition(const PolicyTarget *target, const LeafTarget *leaf);

// Before a batch deletes from a partition: takes the lock the batch's DELETE
// takes (ROW EXCLUSIVE, which DETACH PARTITION and DROP TABLE wait for) and
// checks that the partition is still one of the policy's table. False: the
// owner detached it (or dropped it) meanwhile, and the run leaves it alone.
// True for the policy's table itself.
bool leaf_still_in_policy(const PolicyTarget *target, const LeafTarget *leaf);

// The cutoff parameter ($1) for a cutoff instant, of the time column's own
// type: a timestamp or date column gets the cutoff in the session's time
// zone (the server's, in a run worker), computed once when the run is
// planned, before any user code ran in the run, so no setting user code
// changes later enters a batch's comparison.
// And the lowest possible key ($2 of the first keyset batch), typed for
// target->key_type.
Datum cutoff_parameter(const PolicyTarget *target, TimestampTz cutoff, Oid *type);
Datum lowest_key(const PolicyTarget *target);
// Beyond every key ("infinity", or the largest bigint for epochs): the upper
// bound of the last slice, which the cutoff then limits.
Datum highest_key(const PolicyTarget *target);
// The smallest key after key (a microsecond, a day, one epoch unit later).
Datum key_after(const PolicyTarget *target, Datum key);

// Whether the policy as it stands now still covers every row the run may
// delete: re-read with FOR SHARE, so it cannot change until the calling
// transaction (a batch) ends. Returns nullptr to go on, or why the run must
// stop: the policy was deleted or disabled, or its table, time column,
// time unit, filter, owner, archive or partition mode changed, or its
// retain grew (now() - retain is earlier than the run's cutoff; a shorter
// retain covers what the run covers, and the run goes on). Also sets
// *max_rows_per_second to the policy's as it stands now (0: none). Needs SPI, as
// the worker's own identity.
const char *policy_change(const PolicyTarget *target, bool has_cutoff, TimestampTz cutoff,
                          int32 *max_rows_per_second);

// The cutoff of a run that starts at start: start - retain, by PostgreSQL's
// own interval arithmetic (months by the calendar), as every run computes
// it and as validation checks it. Sets *cutoff and returns nullptr, or
// returns why there is none: the result is out of range, or later than
// start (an interval with parts of mixed signs, such as '-1 year 361 days',
// can be "positive" as PostgreSQL compares intervals and still reach into
// the future).
const char *cutoff_for(const Interval *retain, TimestampTz start, TimestampTz *cutoff);

// The policy's search_path for parsing its filter: also used when the
// policy is validated, so validation and runs read the filter alike.
const char *policy_search_path(Oid relid);

} // namespace retention::prune
