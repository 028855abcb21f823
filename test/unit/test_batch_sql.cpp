#include "prune/plan/batch_sql.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace retention::prune::plan {
namespace {

PruneTarget simple_target()
{
	return PruneTarget{"\"public\".\"jobs\"", "\"finished_at\"", "", {}, std::nullopt};
}

PruneTarget filtered_target()
{
	PruneTarget target = simple_target();
	target.filter = "(jobs.status = 'done'::text)";
	return target;
}

PruneTarget guarded_target()
{
	PruneTarget target = simple_target();
	target.guards.push_back(ReferenceGuard{"\"public\".\"steps\"", {{"\"job_id\"", "\"id\""}}});
	target.guards.push_back(ReferenceGuard{"\"audit\".\"refs\"", {{"\"a\"", "\"x\""}, {"\"b\"", "\"y\""}}});
	return target;
}

PruneTarget archived_target()
{
	PruneTarget target = simple_target();
	target.archive = ArchiveTarget{"\"arch\".\"jobs\"", {"\"id\"", "\"status\"", "\"finished_at\""}};
	return target;
}

std::vector<std::string> every_statement(const PruneTarget &target)
{
	return {expired_condition(target), delete_batch_by_key(target), delete_batch_by_blocks(target),
	        count_expired(target), count_kept_referenced(target)};
}

std::size_t occurrences(const std::string &text, const std::string &needle)
{
	std::size_t count = 0;
	for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
		++count;
	return count;
}

std::string erase_all(std::string text, const std::string &needle)
{
	for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at))
		text.erase(at, needle.size());
	return text;
}

const std::string kStepsGuard =
    "SELECT 1 FROM \"public\".\"steps\" retention_ref WHERE \"public\".\"jobs\".\"id\" OPERATOR(pg_catalog.=) retention_ref.\"job_id\"";
const std::string kRefsGuard = "SELECT 1 FROM \"audit\".\"refs\" retention_ref WHERE \"public\".\"jobs\".\"x\" OPERATOR(pg_catalog.=) retention_ref.\"a\""
                               " AND \"public\".\"jobs\".\"y\" OPERATOR(pg_catalog.=) retention_ref.\"b\"";

// Simple target ----------------------------------------------------------------

TEST(BatchSqlSimple, ExpiredCondition)
{
	EXPECT_EQ(expired_condition(simple_target()), "\"finished_at\" OPERATOR(pg_catalog.<) $1");
}

TEST(BatchSqlSimple, DeleteByKey)
{
	EXPECT_EQ(delete_batch_by_key(simple_target()),
	          "WITH batch AS (\n"
	          "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1 AND \"finished_at\" OPERATOR(pg_catalog.>=) $2\n"
	          "  ORDER BY \"finished_at\"\n"
	          "  LIMIT $3\n"
	          "  FOR UPDATE SKIP LOCKED\n"
	          "), pruned AS (\n"
	          "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (\"finished_at\" OPERATOR(pg_catalog.<) $1) IS TRUE\n"
	          "  RETURNING \"finished_at\"\n"
	          ")\n"
	          "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlSimple, DeleteByBlocks)
{
	EXPECT_EQ(delete_batch_by_blocks(simple_target()),
	          "WITH batch AS (\n"
	          "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.>=) $2 AND ctid OPERATOR(pg_catalog.<) $3 AND \"finished_at\" OPERATOR(pg_catalog.<) $1\n"
	          "  LIMIT $4\n"
	          "  FOR UPDATE SKIP LOCKED\n"
	          "), pruned AS (\n"
	          "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (\"finished_at\" OPERATOR(pg_catalog.<) $1) IS TRUE\n"
	          "  RETURNING \"finished_at\"\n"
	          ")\n"
	          "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlSimple, Counts)
{
	EXPECT_EQ(count_expired(simple_target()),
	          "SELECT pg_catalog.count(*) FROM ONLY \"public\".\"jobs\" WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1");
	EXPECT_EQ(count_kept_referenced(simple_target()), "SELECT 0::bigint");
}

// Filter -------------------------------------------------------------------------

TEST(BatchSqlFilter, ExpiredCondition)
{
	EXPECT_EQ(expired_condition(filtered_target()), "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text))");
}

TEST(BatchSqlFilter, DeleteByKey)
{
	EXPECT_EQ(delete_batch_by_key(filtered_target()),
	          "WITH batch AS (\n"
	          "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text)) AND \"finished_at\" OPERATOR(pg_catalog.>=) $2\n"
	          "  ORDER BY \"finished_at\"\n"
	          "  LIMIT $3\n"
	          "  FOR UPDATE SKIP LOCKED\n"
	          "), pruned AS (\n"
	          "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (\"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = "
	          "'done'::text))) IS TRUE\n"
	          "  RETURNING \"finished_at\"\n"
	          ")\n"
	          "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlFilter, DeleteByBlocks)
{
	EXPECT_EQ(delete_batch_by_blocks(filtered_target()),
	          "WITH batch AS (\n"
	          "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.>=) $2 AND ctid OPERATOR(pg_catalog.<) $3 AND \"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text))\n"
	          "  LIMIT $4\n"
	          "  FOR UPDATE SKIP LOCKED\n"
	          "), pruned AS (\n"
	          "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (\"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = "
	          "'done'::text))) IS TRUE\n"
	          "  RETURNING \"finished_at\"\n"
	          ")\n"
	          "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlFilter, Counts)
{
	EXPECT_EQ(count_expired(filtered_target()), "SELECT pg_catalog.count(*) FROM ONLY \"public\".\"jobs\" WHERE "
	                                            "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text))");
	EXPECT_EQ(count_kept_referenced(filtered_target()), "SELECT 0::bigint");
}

// Guards -------------------------------------------------------------------------

TEST(BatchSqlGuards, ExpiredConditionAntiJoinsEveryGuard)
{
	EXPECT_EQ(expired_condition(guarded_target()),
	          "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND NOT EXISTS (" + kStepsGuard + ") AND NOT EXISTS (" + kRefsGuard + ")");
}

TEST(BatchSqlGuards, DeleteByKey)
{
	const std::string condition =
	    "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND NOT EXISTS (" + kStepsGuard + ") AND NOT EXISTS (" + kRefsGuard + ")";
	EXPECT_EQ(delete_batch_by_key(guarded_target()), "WITH batch AS (\n"
	                                                 "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	                                                 "  WHERE " +
	                                                     condition +
	                                                     " AND \"finished_at\" OPERATOR(pg_catalog.>=) $2\n"
	                                                     "  ORDER BY \"finished_at\"\n"
	                                                     "  LIMIT $3\n"
	                                                     "  FOR UPDATE SKIP LOCKED\n"
	                                                     "), pruned AS (\n"
	                                                     "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	                                                     "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (" +
	                                                     condition +
	                                                     ") IS TRUE\n"
	                                                     "  RETURNING \"finished_at\"\n"
	                                                     ")\n"
	                                                     "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlGuards, CountExpired)
{
	EXPECT_EQ(count_expired(guarded_target()),
	          "SELECT pg_catalog.count(*) FROM ONLY \"public\".\"jobs\" WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1 AND NOT EXISTS (" +
	              kStepsGuard + ") AND NOT EXISTS (" + kRefsGuard + ")");
}

TEST(BatchSqlGuards, CountKeptReferencedOrsTheGuards)
{
	EXPECT_EQ(count_kept_referenced(guarded_target()),
	          "SELECT pg_catalog.count(*) FROM ONLY \"public\".\"jobs\" WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1 AND (EXISTS (" +
	              kStepsGuard + ") OR EXISTS (" + kRefsGuard + "))");
}

TEST(BatchSqlGuards, CountKeptReferencedSingleGuardWithFilter)
{
	PruneTarget target = filtered_target();
	target.guards.push_back(ReferenceGuard{"\"public\".\"steps\"", {{"\"job_id\"", "\"id\""}}});
	EXPECT_EQ(count_kept_referenced(target),
	          "SELECT pg_catalog.count(*) FROM ONLY \"public\".\"jobs\" WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = "
	          "'done'::text)) AND (EXISTS (" +
	              kStepsGuard + "))");
}

TEST(BatchSqlGuards, SelfReferenceStillQualifiesThePrunedTable)
{
	// A table referencing itself: the alias keeps the inner scan from
	// capturing the outer table's name.
	PruneTarget target = simple_target();
	target.guards.push_back(ReferenceGuard{"\"public\".\"jobs\"", {{"\"parent_id\"", "\"id\""}}});
	EXPECT_EQ(expired_condition(target), "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND NOT EXISTS (SELECT 1 FROM \"public\".\"jobs\" "
	                                     "retention_ref WHERE \"public\".\"jobs\".\"id\" OPERATOR(pg_catalog.=) retention_ref.\"parent_id\")");
}

TEST(BatchSqlGuards, GuardWithoutKeysKeepsWhateverTheTableHolds)
{
	PruneTarget target = simple_target();
	target.guards.push_back(ReferenceGuard{"\"public\".\"steps\"", {}});
	EXPECT_EQ(expired_condition(target),
	          "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND NOT EXISTS (SELECT 1 FROM \"public\".\"steps\" retention_ref)");
}

// Archive ------------------------------------------------------------------------

TEST(BatchSqlArchive, DeleteByKeyCopiesEveryColumn)
{
	EXPECT_EQ(delete_batch_by_key(archived_target()),
	          "WITH batch AS (\n"
	          "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE \"finished_at\" OPERATOR(pg_catalog.<) $1 AND \"finished_at\" OPERATOR(pg_catalog.>=) $2\n"
	          "  ORDER BY \"finished_at\"\n"
	          "  LIMIT $3\n"
	          "  FOR UPDATE SKIP LOCKED\n"
	          "), pruned AS (\n"
	          "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (\"finished_at\" OPERATOR(pg_catalog.<) $1) IS TRUE\n"
	          "  RETURNING \"public\".\"jobs\".*\n"
	          "), archived AS (\n"
	          "  INSERT INTO \"arch\".\"jobs\" (\"id\", \"status\", \"finished_at\")\n"
	          "  SELECT \"id\", \"status\", \"finished_at\" FROM pruned\n"
	          ")\n"
	          "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlArchive, DeleteByBlocksCopiesEveryColumn)
{
	EXPECT_EQ(delete_batch_by_blocks(archived_target()),
	          "WITH batch AS (\n"
	          "  SELECT ctid FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.>=) $2 AND ctid OPERATOR(pg_catalog.<) $3 AND \"finished_at\" OPERATOR(pg_catalog.<) $1\n"
	          "  LIMIT $4\n"
	          "  FOR UPDATE SKIP LOCKED\n"
	          "), pruned AS (\n"
	          "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	          "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM batch)) AND (\"finished_at\" OPERATOR(pg_catalog.<) $1) IS TRUE\n"
	          "  RETURNING \"public\".\"jobs\".*\n"
	          "), archived AS (\n"
	          "  INSERT INTO \"arch\".\"jobs\" (\"id\", \"status\", \"finished_at\")\n"
	          "  SELECT \"id\", \"status\", \"finished_at\" FROM pruned\n"
	          ")\n"
	          "SELECT pg_catalog.count(*), pg_catalog.max(\"finished_at\") FROM pruned");
}

TEST(BatchSqlArchive, CountsIgnoreTheArchive)
{
	EXPECT_EQ(count_expired(archived_target()), count_expired(simple_target()));
	EXPECT_EQ(count_kept_referenced(archived_target()), count_kept_referenced(simple_target()));
}

// Filter containment -------------------------------------------------------------

TEST(BatchSqlFilterContainment, HostileFilterStaysInsideItsParentheses)
{
	const std::string filter = "true) OR (true";
	PruneTarget target = guarded_target();
	target.filter = filter;
	target.archive = ArchiveTarget{"\"arch\".\"jobs\"", {"\"id\"", "\"finished_at\""}};
	const std::string anchored = "\"finished_at\" OPERATOR(pg_catalog.<) $1 AND (" + filter + ")";
	const std::string exists_list = "(EXISTS (" + kStepsGuard + ") OR EXISTS (" + kRefsGuard + "))";

	for (const std::string &statement : every_statement(target)) {
		SCOPED_TRACE(statement);
		// Every occurrence of the filter directly follows the time condition.
		EXPECT_GE(occurrences(statement, filter), 1u);
		EXPECT_EQ(occurrences(statement, filter), occurrences(statement, anchored));
		const std::size_t time_at = statement.find("\"finished_at\" OPERATOR(pg_catalog.<) $1");
		ASSERT_NE(time_at, std::string::npos);
		EXPECT_LT(time_at, statement.find(filter));
		// Nothing else in the statement ORs anything.
		const std::string rest = erase_all(erase_all(statement, filter), exists_list);
		EXPECT_EQ(rest.find(" OR "), std::string::npos) << rest;
	}
}

TEST(BatchSqlFilterContainment, NoStatementOrsWithoutAFilter)
{
	for (const PruneTarget &target : {simple_target(), guarded_target(), archived_target()})
		for (const std::string &statement : every_statement(target)) {
			const std::string exists_list = "(EXISTS (" + kStepsGuard + ") OR EXISTS (" + kRefsGuard + "))";
			EXPECT_EQ(erase_all(statement, exists_list).find(" OR "), std::string::npos) << statement;
		}
}

TEST(BatchSqlFilterContainment, StatementsAreDeterministic)
{
	const PruneTarget target = guarded_target();
	EXPECT_EQ(every_statement(target), every_statement(guarded_target()));
}

} // namespace
} // namespace retention::prune::plan

namespace {

retention::prune::plan::PruneTarget direct_target()
{
	retention::prune::plan::PruneTarget target;
	target.table = "\"public\".\"jobs\"";
	target.time_column = "\"created_at\"";
	target.filter = "(jobs.status = 'done'::text)";
	return target;
}

} // namespace

TEST(BatchSqlDirect, KeyBatchDeletesTheIndexedRangeOnceAndRechecks)
{
	const std::string sql = retention::prune::plan::delete_batch_by_key_directly(direct_target());
	EXPECT_EQ(sql, "WITH pruned AS (\n"
	               "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	               "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM ONLY \"public\".\"jobs\" WHERE \"created_at\" OPERATOR(pg_catalog.<) $1 AND "
	               "((jobs.status = 'done'::text)) AND \"created_at\" OPERATOR(pg_catalog.>=) $2 ORDER BY \"created_at\" LIMIT $3)) AND "
	               "(\"created_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text))) IS TRUE\n"
	               "  RETURNING \"created_at\"\n"
	               ")\n"
	               "SELECT pg_catalog.count(*), pg_catalog.max(\"created_at\") FROM pruned");
	EXPECT_EQ(sql.find("FOR UPDATE"), std::string::npos);
}

TEST(BatchSqlDirect, BlockBatchDeletesTheRangeWithTheFullCondition)
{
	const std::string sql = retention::prune::plan::delete_batch_by_blocks_directly(direct_target());
	EXPECT_EQ(sql, "WITH pruned AS (\n"
	               "  DELETE FROM ONLY \"public\".\"jobs\"\n"
	               "  WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM ONLY \"public\".\"jobs\" WHERE ctid OPERATOR(pg_catalog.>=) $2 AND ctid OPERATOR(pg_catalog.<) $3 AND "
	               "\"created_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text)) LIMIT $4)) AND (\"created_at\" OPERATOR(pg_catalog.<) $1 AND "
	               "((jobs.status = 'done'::text))) IS TRUE\n"
	               "  RETURNING \"created_at\"\n"
	               ")\n"
	               "SELECT pg_catalog.count(*), pg_catalog.max(\"created_at\") FROM pruned");
	EXPECT_EQ(sql.find("FOR UPDATE"), std::string::npos);
}

TEST(BatchSqlDirect, ArchiveCopiesEveryColumnInTheSameStatement)
{
	auto target = direct_target();
	target.archive = retention::prune::plan::ArchiveTarget{"\"public\".\"jobs_archive\"", {"\"id\"", "\"created_at\""}};
	const std::string sql = retention::prune::plan::delete_batch_by_blocks_directly(target);
	EXPECT_NE(sql.find("RETURNING \"public\".\"jobs\".*"), std::string::npos);
	EXPECT_NE(sql.find("INSERT INTO \"public\".\"jobs_archive\" (\"id\", \"created_at\")\n  SELECT \"id\", \"created_at\" FROM pruned"),
	          std::string::npos);
}

TEST(BatchSqlDirect, TimeSliceEndCountsIndexEntriesFromTheLowerBound)
{
	EXPECT_EQ(retention::prune::plan::time_slice_end(direct_target()),
	          "SELECT \"created_at\" FROM ONLY \"public\".\"jobs\" WHERE \"created_at\" OPERATOR(pg_catalog.>=) $2 AND \"created_at\" OPERATOR(pg_catalog.<) $1 "
	          "ORDER BY \"created_at\" OFFSET $3 LIMIT 1");
}

TEST(BatchSqlDirect, TimeSliceDeletesBetweenBoundsAndRechecks)
{
	EXPECT_EQ(retention::prune::plan::delete_time_slice(direct_target()),
	          "DELETE FROM ONLY \"public\".\"jobs\" WHERE \"created_at\" OPERATOR(pg_catalog.>=) $2 AND \"created_at\" OPERATOR(pg_catalog.<) $3 AND "
	          "\"created_at\" OPERATOR(pg_catalog.<) $1 AND (\"created_at\" OPERATOR(pg_catalog.<) $1 AND ((jobs.status = 'done'::text))) IS TRUE");
	auto archived = direct_target();
	archived.archive = retention::prune::plan::ArchiveTarget{"\"public\".\"jobs_archive\"", {"\"id\""}};
	const std::string with_archive = retention::prune::plan::delete_time_slice(archived);
	EXPECT_NE(with_archive.find("INSERT INTO \"public\".\"jobs_archive\""), std::string::npos);
	EXPECT_NE(with_archive.find("SELECT pg_catalog.count(*), pg_catalog.max(\"created_at\") FROM pruned"), std::string::npos);
}

TEST(BatchSqlDirect, BlockRangeIsOnePassWithTheConditionRechecked)
{
	EXPECT_EQ(retention::prune::plan::delete_block_range(direct_target()),
	          "DELETE FROM ONLY \"public\".\"jobs\" WHERE ctid OPERATOR(pg_catalog.>=) $2 AND ctid OPERATOR(pg_catalog.<) $3 AND (\"created_at\" OPERATOR(pg_catalog.<) $1 AND "
	          "((jobs.status = 'done'::text))) IS TRUE");
	auto archived = direct_target();
	archived.archive = retention::prune::plan::ArchiveTarget{"\"public\".\"jobs_archive\"", {"\"id\""}};
	const std::string with_archive = retention::prune::plan::delete_block_range(archived);
	EXPECT_NE(with_archive.find("INSERT INTO \"public\".\"jobs_archive\""), std::string::npos);
	EXPECT_NE(with_archive.find("WHERE ctid OPERATOR(pg_catalog.>=) $2 AND ctid OPERATOR(pg_catalog.<) $3 AND (\"created_at\" OPERATOR(pg_catalog.<) $1"), std::string::npos);
}

TEST(BatchSqlGuards, ForeignKeyComparesWithTheConstraintsOwnOperator)
{
	auto target = direct_target();
	target.filter.clear();
	retention::prune::plan::ReferenceGuard guard{"\"app\".\"steps\"", {{"\"job_code\"", "\"code\"", "OPERATOR(\"ext\".=)"}}};
	target.guards.push_back(guard);
	EXPECT_EQ(retention::prune::plan::expired_condition(target),
	          "\"created_at\" OPERATOR(pg_catalog.<) $1 AND NOT EXISTS (SELECT 1 FROM \"app\".\"steps\" retention_ref WHERE "
	          "\"public\".\"jobs\".\"code\" OPERATOR(\"ext\".=) retention_ref.\"job_code\")");
}

#include "sql_lint.hpp"

TEST(BatchSqlQualified, EveryOperatorAndFunctionIsQualified)
{
	using namespace retention::prune::plan;
	PruneTarget target = direct_target();
	target.filter = "(jobs.status OPERATOR(pg_catalog.=) 'done'::text)"; // a deparsed filter is not ours to lint
	target.guards.push_back(ReferenceGuard{"\"public\".\"steps\"", {{"\"job_id\"", "\"id\""}}});
	for (bool archived : {false, true}) {
		if (archived)
			target.archive = ArchiveTarget{"\"arch\".\"jobs\"", {"\"id\"", "\"created_at\""}};
		for (const std::string &sql :
		     {expired_condition(target), delete_batch_by_key(target), delete_batch_by_blocks(target),
		      delete_batch_by_key_directly(target), delete_batch_by_blocks_directly(target), delete_block_range(target),
		      time_slice_end(target), delete_time_slice(target), count_expired(target), count_kept_referenced(target)})
			EXPECT_TRUE(retention::test::unqualified_names(sql).empty())
			    << sql << "\nfirst: " << retention::test::unqualified_names(sql).front();
	}
}

TEST(BatchSqlQualified, TheLintFindsWhatIsNotQualified)
{
	using retention::test::unqualified_names;
	EXPECT_EQ(unqualified_names("SELECT count(*) FROM t WHERE a < $1"),
	          (std::vector<std::string>{"function count", "operator <"}));
	EXPECT_EQ(unqualified_names("SELECT 1 WHERE x OPERATOR(=) y AND quote_ident(n.nspname) IS NULL"),
	          (std::vector<std::string>{"operator =", "function quote_ident"}));
	EXPECT_EQ(unqualified_names("SELECT 1 WHERE b IN ('x') AND c NOT IN (SELECT 1) AND d BETWEEN 1 AND 2"),
	          (std::vector<std::string>{"implicit operator of in", "implicit operator of in",
	                                    "implicit operator of between"}));
	EXPECT_TRUE(unqualified_names("SELECT pg_catalog.count(*), t.* FROM t WHERE a OPERATOR(pg_catalog.<) $1 "
	                              "AND b OPERATOR(pg_catalog.=) ANY (ARRAY['<', 'x = y']) AND \"we(ird\"::text IS NULL")
	                .empty());
}
