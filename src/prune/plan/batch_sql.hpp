// SQL text of the prune engine's statements. Pure C++: identifiers arrive
// already quoted by PostgreSQL (quote_identifier), the filter arrives as
// PostgreSQL's own deparsed expression, and every value is a parameter.
// This code only assembles text. Every operator and function it writes is
// qualified (OPERATOR(pg_catalog.<), pg_catalog.count), so no schema on any
// search_path can put its own in their place.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace retention::prune::plan {

// A NO ACTION / RESTRICT foreign key that references the pruned table: rows
// still referenced through it are kept (anti-join) until the references go.
struct ReferenceKey {
	std::string referencing_column;  // quoted, of the referencing table
	std::string referenced_column;   // quoted, of the pruned table
	// The constraint's own equality operator (pruned type = referencing type),
	// qualified: OPERATOR("schema".=). Empty: OPERATOR(pg_catalog.=).
	std::string equality = {};
};

struct ReferenceGuard {
	std::string referencing_table;  // qualified and quoted: "s"."child"
	std::vector<ReferenceKey> keys;
};

// Where deleted rows are copied in the same statement, column by column name.
struct ArchiveTarget {
	std::string table;                 // qualified and quoted
	std::vector<std::string> columns;  // quoted: every column of the pruned table
};

struct PruneTarget {
	std::string table;        // qualified and quoted: "public"."jobs"
	std::string time_column;  // quoted
	std::string filter;       // deparsed boolean expression, or empty; may use the table's name as qualifier
	std::vector<ReferenceGuard> guards;
	std::optional<ArchiveTarget> archive;
};

// Parameters of every statement: $1 is the cutoff, of the time column's own
// type (bigint for epochs), so no setting (TimeZone) enters the comparison.
//
// The expired-row condition, shared by all statements:
//   time_column < $1 AND (filter) AND NOT EXISTS (rows referencing it) ...
std::string expired_condition(const PruneTarget &target);

// One batch through an index on the time column, oldest first, keyset-bounded
// so batch N never rescans what batches 1..N-1 deleted:
//   $2 lower bound (time_column >= $2; -infinity / INT64_MIN for the first batch), $3 row limit.
// Rows locked by other sessions are skipped. The DELETE rechecks the whole
// condition on the locked rows. Returns one row: (count bigint, max time_column).
std::string delete_batch_by_key(const PruneTarget &target);

// One batch within a range of heap blocks (a TID range scan):
//   $2 first tid (inclusive), $3 end tid (exclusive), $4 row limit.
// Same locking, recheck and result as delete_batch_by_key.
std::string delete_batch_by_blocks(const PruneTarget &target);

// The fast paths of the same batches: one DELETE that waits for rows other
// sessions have locked instead of skipping them (run with a short
// lock_timeout; on a lock timeout the engine redoes the batch with the
// skip-locked statement above). Each row is written once instead of locked
// and then deleted. Parameters as above.
std::string delete_batch_by_key_directly(const PruneTarget &target);
std::string delete_batch_by_blocks_directly(const PruneTarget &target);

// The fastest block batch: every expired row of the range, in one pass over
// it (a TID range scan), with no row limit: the engine sizes ranges to about
// one batch and rolls a batch back if its range held more than batch_size
// expired rows, redoing it with the limited statement above. Without an
// archive it is a plain DELETE (the row count is the statement's); with one,
// the same result row as the other statements.
std::string delete_block_range(const PruneTarget &target);

// The fast index path: slices of the time column. time_slice_end finds
// where a slice of at most $3 index entries from $2 ends (the time value of
// the entry after them; no row: the slice runs to the cutoff $1);
// delete_time_slice deletes the expired rows with $2 <= time < $3, through
// the index, as one plain DELETE (the row count is the statement's), or with
// an archive, the same result row as the other statements. Each slice holds
// at most batch_size rows, and no slice reads what earlier ones deleted.
std::string time_slice_end(const PruneTarget &target);
std::string delete_time_slice(const PruneTarget &target);

// Dry run: how many rows a real run would prune now. One row: (count bigint).
std::string count_expired(const PruneTarget &target);

// Expired rows kept because rows still reference them (only meaningful when
// target.guards is not empty). One row: (count bigint).
std::string count_kept_referenced(const PruneTarget &target);

} // namespace retention::prune::plan
