#include "prune/plan/batch_sql.hpp"

#include <cstddef>

namespace retention::prune::plan {

namespace {

// The referencing table always gets this alias, so its own name can never
// shadow the pruned table's name inside the subquery (self-references, or a
// same-named table in another schema).
constexpr const char *kRefAlias = "retention_ref";

// Operators and functions, always qualified.
constexpr const char *kLt = " OPERATOR(pg_catalog.<) ";
constexpr const char *kGe = " OPERATOR(pg_catalog.>=) ";
constexpr const char *kEq = " OPERATOR(pg_catalog.=) ";
constexpr const char *kCount = "pg_catalog.count(*)";

std::string join(const std::vector<std::string> &parts, const char *separator)
{
	std::string out;
	for (std::size_t i = 0; i < parts.size(); ++i) {
		if (i > 0)
			out += separator;
		out += parts[i];
	}
	return out;
}

// SELECT 1 FROM <referencing> retention_ref WHERE <T>.<c> OPERATOR(...) retention_ref.<rc> AND ...
std::string referencing_rows(const PruneTarget &target, const ReferenceGuard &guard)
{
	std::string sql = "SELECT 1 FROM " + guard.referencing_table + " " + kRefAlias;
	// A guard without key columns has nothing to match on; leaving the
	// subquery unrestricted keeps rows whenever the referencing table has
	// any, which errs on the side of keeping data.
	for (std::size_t i = 0; i < guard.keys.size(); ++i) {
		sql += i == 0 ? " WHERE " : " AND ";
		const ReferenceKey &key = guard.keys[i];
		const std::string equality = key.equality.empty() ? std::string(kEq) : " " + key.equality + " ";
		sql += target.table + "." + key.referenced_column + equality + kRefAlias + "." + key.referencing_column;
	}
	return sql;
}

// time_column < $1 [AND (filter)]: the part every statement starts with.
// The filter is always parenthesized, so whatever it contains it can only
// narrow the time condition, never widen it.
std::string time_and_filter(const PruneTarget &target)
{
	std::string sql = target.time_column + kLt + "$1";
	if (!target.filter.empty())
		sql += " AND (" + target.filter + ")";
	return sql;
}

std::string recheck(const PruneTarget &target);

// $2 <= ctid < $3: a TID range scan over a range of heap blocks.
std::string tid_range()
{
	return std::string("ctid") + kGe + "$2 AND ctid" + kLt + "$3";
}

// What follows the pruned CTE in every DELETE statement: the archive copy
// (if any) and the result row (count, newest deleted time).
std::string archive_and_result(const PruneTarget &target)
{
	std::string sql;
	if (target.archive) {
		const std::string columns = join(target.archive->columns, ", ");
		sql += ", archived AS (\n  INSERT INTO " + target.archive->table + " (" + columns + ")\n  SELECT " + columns +
		       " FROM pruned\n)";
	}
	return sql + "\nSELECT " + kCount + ", pg_catalog.max(" + target.time_column + ") FROM pruned";
}

// The DELETE of the batch CTE's rows, the optional archive copy, and the
// result row; shared by the key walk and the block walk.
std::string delete_batch(const PruneTarget &target, const std::string &batch_query)
{
	const std::string condition = recheck(target);
	// With an archive the copy needs every column; otherwise only the time
	// column is needed for the result row.
	const std::string returning = target.archive ? target.table + ".*" : target.time_column;

	std::string sql = "WITH batch AS (\n" + batch_query +
	                  "\n), pruned AS (\n"
	                  "  DELETE FROM ONLY " +
	                  target.table +
	                  "\n"
	                  "  WHERE ctid" + kEq + "ANY (ARRAY(SELECT ctid FROM batch)) AND " +
	                  condition +
	                  "\n"
	                  "  RETURNING " +
	                  returning + "\n)";
	return sql + archive_and_result(target);
}

// A DELETE that takes its rows straight from where_clause: no separate
// locking pass, so each row is written once (the fast path).
std::string delete_directly(const PruneTarget &target, const std::string &where_clause)
{
	const std::string returning = target.archive ? target.table + ".*" : target.time_column;
	return "WITH pruned AS (\n  DELETE FROM ONLY " + target.table + "\n  WHERE " + where_clause + "\n  RETURNING " +
	       returning + "\n)" + archive_and_result(target);
}

// The DELETE's recheck of the rows it found by ctid. "IS TRUE" keeps the
// planner from using the condition as an index condition: the rows are
// fetched by their ctids (a TID scan), then checked.
std::string recheck(const PruneTarget &target)
{
	return "(" + expired_condition(target) + ") IS TRUE";
}

} // namespace

std::string expired_condition(const PruneTarget &target)
{
	std::string sql = time_and_filter(target);
	for (const ReferenceGuard &guard : target.guards)
		sql += " AND NOT EXISTS (" + referencing_rows(target, guard) + ")";
	return sql;
}

std::string delete_batch_by_key(const PruneTarget &target)
{
	// ORDER BY the time column with a lower bound lets an index on it serve
	// both the range and the order, and keeps each batch off already-walked rows.
	const std::string batch = "  SELECT ctid FROM ONLY " + target.table + "\n  WHERE " + expired_condition(target) +
	                          " AND " + target.time_column + kGe + "$2\n  ORDER BY " + target.time_column +
	                          "\n  LIMIT $3\n  FOR UPDATE SKIP LOCKED";
	return delete_batch(target, batch);
}

std::string delete_batch_by_blocks(const PruneTarget &target)
{
	// No ORDER BY: the TID range scan returns rows in physical order already,
	// and sorting would force reading the whole range before the LIMIT applies.
	const std::string batch = "  SELECT ctid FROM ONLY " + target.table + "\n  WHERE " + tid_range() + " AND " +
	                          expired_condition(target) + "\n  LIMIT $4\n  FOR UPDATE SKIP LOCKED";
	return delete_batch(target, batch);
}

std::string delete_batch_by_key_directly(const PruneTarget &target)
{
	return delete_directly(target, "ctid" + std::string(kEq) + "ANY (ARRAY(SELECT ctid FROM ONLY " + target.table +
	                                   " WHERE " + expired_condition(target) + " AND " + target.time_column + kGe +
	                                   "$2 ORDER BY " +
	                                   target.time_column + " LIMIT $3)) AND " + recheck(target));
}

std::string delete_batch_by_blocks_directly(const PruneTarget &target)
{
	// The row limit keeps batch_size a hard cap even when one block holds
	// more expired rows than a batch may delete.
	return delete_directly(target, "ctid" + std::string(kEq) + "ANY (ARRAY(SELECT ctid FROM ONLY " + target.table +
	                                   " WHERE " + tid_range() + " AND " + expired_condition(target) +
	                                   " LIMIT $4)) AND " + recheck(target));
}

std::string delete_block_range(const PruneTarget &target)
{
	const std::string where = tid_range() + " AND " + recheck(target);
	// Without an archive, a plain DELETE: RETURNING into a CTE would more
	// than double the cost of the statement, and the block walk needs no key.
	if (!target.archive)
		return "DELETE FROM ONLY " + target.table + " WHERE " + where;
	return delete_directly(target, where);
}

std::string time_slice_end(const PruneTarget &target)
{
	return "SELECT " + target.time_column + " FROM ONLY " + target.table + " WHERE " + target.time_column + kGe +
	       "$2 AND " + target.time_column + kLt + "$1 ORDER BY " + target.time_column + " OFFSET $3 LIMIT 1";
}

std::string delete_time_slice(const PruneTarget &target)
{
	// The slice bounds are index conditions; the expired condition is
	// rechecked on every row of the slice.
	// C < $1 bounds the index range too: the last slice (up to "infinity")
	// must not walk the young rows' index entries.
	const std::string where = target.time_column + kGe + "$2 AND " + target.time_column + kLt + "$3 AND " +
	                          target.time_column + kLt + "$1 AND " + recheck(target);
	if (!target.archive)
		return "DELETE FROM ONLY " + target.table + " WHERE " + where;
	return delete_directly(target, where);
}

std::string count_expired(const PruneTarget &target)
{
	return "SELECT " + std::string(kCount) + " FROM ONLY " + target.table + " WHERE " + expired_condition(target);
}

std::string count_kept_referenced(const PruneTarget &target)
{
	if (target.guards.empty())
		return "SELECT 0::bigint";
	std::vector<std::string> referenced;
	referenced.reserve(target.guards.size());
	for (const ReferenceGuard &guard : target.guards)
		referenced.push_back("EXISTS (" + referencing_rows(target, guard) + ")");
	return "SELECT " + std::string(kCount) + " FROM ONLY " + target.table + " WHERE " + time_and_filter(target) + " AND (" +
	       join(referenced, " OR ") + ")";
}

} // namespace retention::prune::plan
