#include <string>

#include "prune/plan/batch_sql.hpp"
#include "prune/plan/cutoff.hpp"
#include "prune/policy_target.hpp"
#include "border/guard.hpp"
#include "border/settings.hpp"
#include "border/spi.hpp"
#include "catalog/filter.hpp"

#include "border/pg.hpp"

namespace retention::prune {

namespace {

int64 interval_usecs(const Interval *span) {
	return span->time + int64(span->day) * USECS_PER_DAY + int64(span->month) * DAYS_PER_MONTH * USECS_PER_DAY;
}

const char *qualified_name(Oid relid) {
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

Oid access_method_of(Oid relid) {
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	Oid am = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relam;
	ReleaseSysCache(tuple);
	return am;
}

// The first valid btree index of rel whose first key is column, without a
// predicate; InvalidOid when none.
Oid btree_index_leading_on(Relation rel, AttrNumber column) {
	List *indexes = RelationGetIndexList(rel);
	Oid found = InvalidOid;
	ListCell *cell;
	foreach (cell, indexes) {
		Oid index_oid = lfirst_oid(cell);
		HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
		if (!HeapTupleIsValid(tuple))
			continue;
		auto *index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
		bool usable = index->indisvalid && index->indisready && index->indnkeyatts >= 1 &&
		              index->indkey.values[0] == column && heap_attisnull(tuple, Anum_pg_index_indpred, nullptr) &&
		              access_method_of(index_oid) == BTREE_AM_OID;
		ReleaseSysCache(tuple);
		if (usable) {
			found = index_oid;
			break;
		}
	}
	list_free(indexes);
	return found;
}

// Inputs of the pure statement builder, as C strings owned by PostgreSQL.
struct LeafSqlInputs {
	const char *table;
	const char *time_column;
	const char *filter;  // deparsed, or nullptr
	List *guard_tables;  // char *
	List *guard_keys;    // per guard, a List of (referencing, referenced, equality) char * triples, flattened
	const char *archive_table;
	List *archive_columns;  // char *
};

// The only C++ objects of planning live here; no PostgreSQL call in this
// function can raise an error (copy_quietly never does), so nothing longjmps
// across them.
bool build_leaf_statements(const LeafSqlInputs &in, LeafTarget *leaf) noexcept {
	try {
		plan::PruneTarget target;
		target.table = in.table;
		target.time_column = in.time_column;
		target.filter = in.filter ? in.filter : "";
		for (int i = 0; i < list_length(in.guard_tables); i++) {
			plan::ReferenceGuard guard;
			guard.referencing_table = static_cast<const char *>(list_nth(in.guard_tables, i));
			auto *keys = static_cast<List *>(list_nth(in.guard_keys, i));
			for (int k = 0; k + 2 < list_length(keys); k += 3)
				guard.keys.push_back(plan::ReferenceKey{static_cast<const char *>(list_nth(keys, k)),
				                                        static_cast<const char *>(list_nth(keys, k + 1)),
				                                        static_cast<const char *>(list_nth(keys, k + 2))});
			target.guards.push_back(std::move(guard));
		}
		if (in.archive_table) {
			plan::ArchiveTarget archive;
			archive.table = in.archive_table;
			for (int i = 0; i < list_length(in.archive_columns); i++)
				archive.columns.emplace_back(static_cast<const char *>(list_nth(in.archive_columns, i)));
			target.archive = std::move(archive);
		}
		leaf->delete_by_key = border::copy_quietly(plan::delete_batch_by_key(target).c_str());
		leaf->delete_by_blocks = border::copy_quietly(plan::delete_batch_by_blocks(target).c_str());
		leaf->delete_by_key_directly = border::copy_quietly(plan::delete_batch_by_key_directly(target).c_str());
		leaf->delete_by_blocks_directly = border::copy_quietly(plan::delete_batch_by_blocks_directly(target).c_str());
		leaf->delete_block_range = border::copy_quietly(plan::delete_block_range(target).c_str());
		leaf->time_slice_end = border::copy_quietly(plan::time_slice_end(target).c_str());
		leaf->delete_time_slice = border::copy_quietly(plan::delete_time_slice(target).c_str());
		leaf->count_expired = border::copy_quietly(plan::count_expired(target).c_str());
		leaf->count_kept_referenced =
		    target.guards.empty() ? nullptr : border::copy_quietly(plan::count_kept_referenced(target).c_str());
		return leaf->delete_by_key && leaf->delete_by_blocks && leaf->delete_by_key_directly &&
		       leaf->delete_by_blocks_directly && leaf->delete_block_range && leaf->time_slice_end &&
		       leaf->delete_time_slice &&
		       leaf->count_expired &&
		       (target.guards.empty() || leaf->count_kept_referenced);
	} catch (...) {
		return false;
	}
}

// NO ACTION / RESTRICT foreign keys referencing relid: the rows they still
// reference must be kept. A key of a partition is covered by its parent's.
// Each key column pair comes with the constraint's own equality operator
// (conpfeqop: referenced type = referencing type), as the foreign key's
// checks compare them.
void find_reference_guards(Oid relid, List **tables, List **keys) {
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	border::spi_run(
	    "SELECT pg_catalog.quote_ident(n.nspname::text) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) "
	    "       pg_catalog.quote_ident(r.relname::text), "
	    "       array(SELECT pg_catalog.quote_ident(a.attname::text) "
	    "             FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY k(attnum, i) "
	    "             JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.conrelid "
	    "              AND a.attnum OPERATOR(pg_catalog.=) k.attnum ORDER BY k.i), "
	    "       array(SELECT pg_catalog.quote_ident(a.attname::text) "
	    "             FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY k(attnum, i) "
	    "             JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.confrelid "
	    "              AND a.attnum OPERATOR(pg_catalog.=) k.attnum ORDER BY k.i), "
	    "       array(SELECT 'OPERATOR(' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(ns.nspname::text) "
	    "                    OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) o.oprname::text "
	    "                    OPERATOR(pg_catalog.||) ')' "
	    "             FROM pg_catalog.unnest(c.conpfeqop) WITH ORDINALITY k(opr, i) "
	    "             JOIN pg_catalog.pg_operator o ON o.oid OPERATOR(pg_catalog.=) k.opr "
	    "             JOIN pg_catalog.pg_namespace ns ON ns.oid OPERATOR(pg_catalog.=) o.oprnamespace ORDER BY k.i) "
	    "FROM pg_catalog.pg_constraint c "
	    "JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid "
	    "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace "
	    "WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.confrelid OPERATOR(pg_catalog.=) $1 "
	    "  AND c.confdeltype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'r']::\"char\"[]) "
	    "  AND NOT (r.relispartition AND c.conparentid OPERATOR(pg_catalog.<>) 0) "
	    "ORDER BY c.oid",
	    1, types, values, nullptr, SPI_OK_SELECT, true);
	for (uint64 row = 0; row < SPI_processed; row++) {
		HeapTuple tuple = SPI_tuptable->vals[row];
		TupleDesc desc = SPI_tuptable->tupdesc;
		*tables = lappend(*tables, SPI_getvalue(tuple, desc, 1));
		Datum *columns[3];
		int counts[3];
		for (int a = 0; a < 3; a++) {
			bool isnull;
			deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tuple, desc, a + 2, &isnull)), TEXTOID, -1, false,
			                  TYPALIGN_INT, &columns[a], nullptr, &counts[a]);
		}
		List *triples = NIL;
		for (int k = 0; k < counts[0] && k < counts[1] && k < counts[2]; k++)
			for (int a = 0; a < 3; a++)
				triples = lappend(triples, TextDatumGetCString(columns[a][k]));
		*keys = lappend(*keys, triples);
	}
}

// The filter as the statements carry it for one table: analyzed against it
// with the policy's search_path, deparsed with the current one ('pg_catalog,
// pg_temp' inside the run's identity), which qualifies every name it could
// not find there. Per table: the statements name the partition itself, and
// its columns may lie at other positions than its parent's.
const char *deparsed_filter(Relation rel, const char *filter, const char *filter_search_path) {
	int level = border::push_search_path(filter_search_path);
	Node *expression = catalog::analyze_filter(rel, filter);
	border::pop_settings(level);
	return deparse_expression(expression, deparse_context_for(RelationGetRelationName(rel), RelationGetRelid(rel)),
	                          true, false);
}

} // namespace

namespace {

bool same_text(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

} // namespace

namespace {

// Whether retention.policies has max_rows_per_second (the update to 0.3.0
// adds it; the library also serves a database not updated yet).
bool have_rate_column() {
	Oid schema = get_namespace_oid("retention", true);
	Oid policies = OidIsValid(schema) ? get_relname_relid("policies", schema) : InvalidOid;
	return OidIsValid(policies) && get_attnum(policies, "max_rows_per_second") != InvalidAttrNumber;
}

} // namespace

const char *policy_change(const PolicyTarget *target, bool has_cutoff, TimestampTz cutoff,
                          int32 *max_rows_per_second) {
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(target->name)};
	border::spi_run(target->has_rate_column
	                    ? "SELECT relation::pg_catalog.oid, time_column::pg_catalog.text, owner::pg_catalog.oid, retain, "
	                      "filter, archive_to::pg_catalog.oid, partitions, time_unit, enabled, max_rows_per_second "
	                      "FROM retention.policies WHERE name OPERATOR(pg_catalog.=) $1 FOR SHARE"
	                    : "SELECT relation::pg_catalog.oid, time_column::pg_catalog.text, owner::pg_catalog.oid, retain, "
	                      "filter, archive_to::pg_catalog.oid, partitions, time_unit, enabled, NULL::integer "
	                      "FROM retention.policies WHERE name OPERATOR(pg_catalog.=) $1 FOR SHARE",
	                1, types, values, nullptr, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return "the policy was deleted during the run";
	HeapTuple tuple = SPI_tuptable->vals[0];
	TupleDesc desc = SPI_tuptable->tupdesc;
	bool isnull;
	// The rate limit applies live: a run paces itself by the policy as it
	// stands at each batch.
	Datum rate = SPI_getbinval(tuple, desc, 10, &isnull);
	*max_rows_per_second = isnull ? 0 : DatumGetInt32(rate);
	Datum archive = SPI_getbinval(tuple, desc, 6, &isnull);
	Oid archive_relid = isnull ? InvalidOid : DatumGetObjectId(archive);
	if (DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull)) != target->relid)
		return "the policy's relation changed during the run";
	if (!same_text(SPI_getvalue(tuple, desc, 2), target->time_column))
		return "the policy's time_column changed during the run";
	if (DatumGetObjectId(SPI_getbinval(tuple, desc, 3, &isnull)) != target->owner)
		return "the policy's owner changed during the run";
	if (!same_text(SPI_getvalue(tuple, desc, 5), target->filter))
		return "the policy's filter changed during the run";
	if (archive_relid != target->archive_relid)
		return "the policy's archive_to changed during the run";
	if (!same_text(SPI_getvalue(tuple, desc, 7), target->partitions_mode))
		return "the policy's partitions changed during the run";
	if (!same_text(SPI_getvalue(tuple, desc, 8), target->time_unit))
		return "the policy's time_unit changed during the run";
	if (target->enabled && !DatumGetBool(SPI_getbinval(tuple, desc, 9, &isnull)))
		return "the policy was disabled during the run";
	Datum retain = SPI_getbinval(tuple, desc, 4, &isnull);
	if (!has_cutoff)
		return nullptr;
	if (isnull)
		return "the policy keeps its rows forever since it changed during the run";
	TimestampTz now_cutoff;
	if (cutoff_for(DatumGetIntervalP(retain), GetCurrentTimestamp(), &now_cutoff) || now_cutoff < cutoff)
		return "the policy's retain grew during the run: it no longer covers every row older than the run's cutoff";
	return nullptr;
}

const char *cutoff_for(const Interval *retain, TimestampTz start, TimestampTz *cutoff) {
	bool failed = false;
	const char *failure = nullptr; // copied out of the exception, which must be gone before any palloc may fail
	try {
		// timestamptz_mi_interval holds no resources: its only error (out of
		// range) may be caught for good.
		*cutoff = border::pg_call([&] {
			return DatumGetTimestampTz(
			    DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(start), IntervalPGetDatum(retain)));
		});
	} catch (const border::PgError &error) {
		failed = true;
		failure = border::copy_quietly(error.what());
	} catch (...) {
		failed = true;
	}
	if (failed)
		return psprintf("now() - retain cannot be computed (%s)", failure ? failure : "unknown error");
	if (TIMESTAMP_NOT_FINITE(*cutoff))
		return "now() - retain is not a finite time";
	if (*cutoff > start)
		return "now() - retain lies in the future, which would prune rows written just now";
	return nullptr;
}

const char *policy_search_path(Oid relid) {
	return psprintf("pg_catalog, %s", quote_identifier(get_namespace_name(get_rel_namespace(relid))));
}

Oid run_role_for(Oid owner, Oid relid) {
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return owner;
	Oid table_owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return superuser_arg(owner) && !superuser_arg(table_owner) ? table_owner : owner;
}

namespace {

// Microseconds per unit of an epoch time column (0: not an epoch unit).
int64 epoch_divisor_of(const char *time_unit) {
	auto unit = time_unit ? plan::parse_epoch_unit(time_unit) : std::nullopt;
	return !unit                                     ? 0
	       : *unit == plan::EpochUnit::Seconds      ? USECS_PER_SEC
	       : *unit == plan::EpochUnit::Milliseconds ? 1000
	                                                : 1;
}

} // namespace

PolicyTarget *load_policy(const char *name, MemoryContext context) {
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(name)};
	bool has_rate_column = have_rate_column();
	border::spi_run(has_rate_column
	                    ? "SELECT name, relation::oid, time_column::text, owner::oid, retain, filter, batch_size, "
	                      "batch_delay, max_runtime, archive_to::oid, partitions, time_unit, enabled, max_rows_per_second "
	                      "FROM retention.policies WHERE name OPERATOR(pg_catalog.=) $1"
	                    : "SELECT name, relation::oid, time_column::text, owner::oid, retain, filter, batch_size, "
	                      "batch_delay, max_runtime, archive_to::oid, partitions, time_unit, enabled, NULL::integer "
	                      "FROM retention.policies WHERE name OPERATOR(pg_catalog.=) $1",
	                1, types, values, nullptr, SPI_OK_SELECT, true);
	if (SPI_processed == 0)
		return nullptr;

	HeapTuple tuple = SPI_tuptable->vals[0];
	TupleDesc desc = SPI_tuptable->tupdesc;
	MemoryContext caller = MemoryContextSwitchTo(context);
	auto *target = static_cast<PolicyTarget *>(palloc0(sizeof(PolicyTarget)));
	bool isnull;
	target->name = SPI_getvalue(tuple, desc, 1);
	target->relid = DatumGetObjectId(SPI_getbinval(tuple, desc, 2, &isnull));
	target->time_column = SPI_getvalue(tuple, desc, 3);
	target->owner = DatumGetObjectId(SPI_getbinval(tuple, desc, 4, &isnull));
	Datum retain = SPI_getbinval(tuple, desc, 5, &isnull);
	target->keep_forever = isnull;
	if (!isnull)
		target->retain = *DatumGetIntervalP(retain);
	target->filter = SPI_getvalue(tuple, desc, 6);
	target->batch_size = DatumGetInt32(SPI_getbinval(tuple, desc, 7, &isnull));
	target->batch_delay_usecs = interval_usecs(DatumGetIntervalP(SPI_getbinval(tuple, desc, 8, &isnull)));
	Datum max_runtime = SPI_getbinval(tuple, desc, 9, &isnull);
	target->max_runtime_usecs = isnull ? 0 : interval_usecs(DatumGetIntervalP(max_runtime));
	Datum archive = SPI_getbinval(tuple, desc, 10, &isnull);
	target->archive_relid = isnull ? InvalidOid : DatumGetObjectId(archive);
	target->partitions_mode = SPI_getvalue(tuple, desc, 11);
	const char *time_unit = SPI_getvalue(tuple, desc, 12);
	target->time_unit = time_unit;
	target->enabled = DatumGetBool(SPI_getbinval(tuple, desc, 13, &isnull));
	Datum rate = SPI_getbinval(tuple, desc, 14, &isnull);
	target->max_rows_per_second = isnull ? 0 : DatumGetInt32(rate);
	target->has_rate_column = has_rate_column;

	bool exists = SearchSysCacheExists1(RELOID, ObjectIdGetDatum(target->relid));
	target->relation_name = exists ? qualified_name(target->relid) : psprintf("%u", target->relid);
	target->run_role = run_role_for(target->owner, target->relid);
	target->filter_search_path = exists ? policy_search_path(target->relid) : "pg_catalog";
	target->epoch_divisor = epoch_divisor_of(time_unit);
	MemoryContextSwitchTo(caller);
	return target;
}

PolicyTarget *shard_policy(const char *name, const run::ShardWork &work, Oid shard_relid, Oid role,
                           MemoryContext context) {
	MemoryContext caller = MemoryContextSwitchTo(context);
	auto *target = static_cast<PolicyTarget *>(palloc0(sizeof(PolicyTarget)));
	target->name = pstrdup(name);
	target->relid = shard_relid;
	target->relation_name = qualified_name(shard_relid);
	target->time_column = pstrdup(work.time_column);
	target->owner = role;
	target->keep_forever = false;
	target->filter = work.has_filter ? pstrdup(work.filter) : nullptr;
	target->batch_size = work.batch_size;
	target->batch_delay_usecs = work.batch_delay_usecs;
	target->max_runtime_usecs = work.max_runtime_usecs;
	target->max_rows_per_second = work.max_rows_per_second;
	target->has_rate_column = true;
	target->archive_relid = InvalidOid;
	target->partitions_mode = "rows";
	target->time_unit = work.time_unit[0] ? pstrdup(work.time_unit) : nullptr;
	target->enabled = true;
	target->citus_table = work.relid;
	target->citus_shard = work.shard;
	target->run_role = run_role_for(role, shard_relid);
	target->filter_search_path = policy_search_path(shard_relid);
	target->epoch_divisor = epoch_divisor_of(target->time_unit);
	MemoryContextSwitchTo(caller);
	return target;
}

namespace {

// Whether every row the partition's bounds allow is older than the cutoff:
// its partition constraint (with its ancestors') implies time_column < $1.
// Only then may the partition go whole. A default partition never does.
bool partition_wholly_expired(const PolicyTarget *target, Oid leaf, AttrNumber column, Datum cutoff_value,
                              Oid cutoff_type) {
	Expr *constraint = get_partition_qual_relid(leaf);
	List *bounds = constraint ? make_ands_implicit(constraint) : NIL;
	if (bounds == NIL)
		return false;
	Oid column_type;
	int32 typmod;
	Oid collation;
	get_atttypetypmodcoll(leaf, column, &column_type, &typmod, &collation);
	Oid less_than = OpernameGetOprid(list_make2(makeString(pstrdup("pg_catalog")), makeString(pstrdup("<"))),
	                                 getBaseType(column_type), cutoff_type);
	if (!OidIsValid(less_than))
		return false;
	Var *time_value = makeVar(1, column, column_type, typmod, collation, 0);
	Const *limit = makeConst(cutoff_type, -1, InvalidOid, sizeof(int64), cutoff_value, false, FLOAT8PASSBYVAL);
	Expr *expired = make_opclause(less_than, BOOLOID, false, reinterpret_cast<Expr *>(time_value),
	                              reinterpret_cast<Expr *>(limit), InvalidOid, InvalidOid);
	(void)target;
	return predicate_implied_by(list_make1(expired), bounds, false);
}

} // namespace

void plan_policy(PolicyTarget *target, bool has_cutoff, TimestampTz cutoff, MemoryContext context) {
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(target->relid)))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("the table of retention policy \"%s\" no longer exists", target->name)));
	// On Citus: refused where a run could not prune it correctly
	// (citus::check_policy_table); a Citus table's rows are not in the
	// coordinator's own relation, so no block walk there.
	target->citus_kind = citus::TableKind::Plain;
	if (!OidIsValid(target->citus_table)) {
		citus::check_policy_table(target->relid, target->archive_relid, target->name);
		target->citus_kind = citus::kind_of(target->relid);
	}
	Relation rel = table_open(target->relid, AccessShareLock);
	const char *relname = RelationGetRelationName(rel);

	AttrNumber column = get_attnum(target->relid, target->time_column);
	if (column <= 0)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
		                errmsg("time column \"%s\" of retention policy \"%s\" no longer exists in table \"%s\"",
		                       target->time_column, target->name, relname)));
	Oid type = getBaseType(get_atttype(target->relid, column));
	if (type == TIMESTAMPTZOID || type == TIMESTAMPOID || type == DATEOID) {
		target->kind = type == TIMESTAMPTZOID ? TimeKind::Timestamptz
		               : type == TIMESTAMPOID ? TimeKind::Timestamp
		                                      : TimeKind::Date;
		target->key_type = type;
	} else if ((type == INT2OID || type == INT4OID || type == INT8OID) && target->epoch_divisor > 0) {
		target->kind = TimeKind::Epoch;
		target->key_type = INT8OID;
	} else {
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
		                errmsg("time column \"%s\" of retention policy \"%s\" has type %s, which does not fit the "
		                       "policy",
		                       target->time_column, target->name, format_type_be(type))));
	}

	if (has_cutoff)
		target->cutoff_value = cutoff_parameter(target, cutoff, &target->cutoff_type);

	if (target->filter) // fails here, naming the policy's table, if it no longer fits
		(void)deparsed_filter(rel, target->filter, target->filter_search_path);

	List *leaf_oids = NIL;
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE) {
		ListCell *cell;
		List *all = find_all_inheritors(target->relid, AccessShareLock, nullptr);
		foreach (cell, all)
			if (get_rel_relkind(lfirst_oid(cell)) == RELKIND_RELATION)
				leaf_oids = lappend_oid(leaf_oids, lfirst_oid(cell));
	} else {
		leaf_oids = list_make1_oid(target->relid);
	}

	const char *archive_table = nullptr;
	if (OidIsValid(target->archive_relid)) {
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(target->archive_relid)))
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
			                errmsg("the archive table of retention policy \"%s\" no longer exists", target->name)));
		archive_table = qualified_name(target->archive_relid);
	}

	MemoryContext caller = MemoryContextSwitchTo(context);
	target->nleaves = list_length(leaf_oids);
	target->leaves = static_cast<LeafTarget *>(palloc0(sizeof(LeafTarget) * Max(target->nleaves, 1)));
	MemoryContextSwitchTo(caller);

	for (int i = 0; i < target->nleaves; i++) {
		Oid leaf_oid = list_nth_oid(leaf_oids, i);
		Relation leaf_rel = leaf_oid == target->relid ? rel : table_open(leaf_oid, AccessShareLock);
		LeafSqlInputs inputs{};
		inputs.table = qualified_name(leaf_oid);
		inputs.time_column = quote_identifier(target->time_column);
		if (target->filter)
			inputs.filter = deparsed_filter(leaf_rel, target->filter, target->filter_search_path);
		find_reference_guards(leaf_oid, &inputs.guard_tables, &inputs.guard_keys);
		if (archive_table) {
			inputs.archive_table = archive_table;
			TupleDesc desc = RelationGetDescr(leaf_rel);
			for (int a = 0; a < desc->natts; a++)
				if (!TupleDescAttr(desc, a)->attisdropped)
					inputs.archive_columns =
					    lappend(inputs.archive_columns, (void *)quote_identifier(NameStr(TupleDescAttr(desc, a)->attname)));
		}

		LeafTarget *leaf = &target->leaves[i];
		AttrNumber leaf_column = get_attnum(leaf_oid, target->time_column);
		caller = MemoryContextSwitchTo(context);
		leaf->relid = leaf_oid;
		leaf->name = pstrdup(inputs.table);
		leaf->key_index = btree_index_leading_on(leaf_rel, leaf_column);
		leaf->by_key = OidIsValid(leaf->key_index) || target->citus_kind != citus::TableKind::Plain;
		leaf->filter = inputs.filter ? pstrdup(inputs.filter) : nullptr;
		if (inputs.guard_tables != NIL) {
			StringInfoData names;
			initStringInfo(&names);
			ListCell *cell;
			foreach (cell, inputs.guard_tables)
				appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "", static_cast<const char *>(lfirst(cell)));
			leaf->guard_tables = names.data;
		}
		leaf->blocks = RelationGetNumberOfBlocks(leaf_rel);
		leaf->tuples = leaf_rel->rd_rel->reltuples;
		bool built = build_leaf_statements(inputs, leaf);
		MemoryContextSwitchTo(caller);
		if (!built)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory building retention statements")));
		// Whole partitions go only when nothing else could keep a row of
		// theirs: no filter, no archive, no foreign key into them, and the
		// run's role owns them (DROP and DETACH need ownership).
		bool whole_mode = strcmp(target->partitions_mode, "drop") == 0 || strcmp(target->partitions_mode, "detach") == 0;
		if (has_cutoff && whole_mode && leaf_oid != target->relid && !target->filter && !archive_table &&
		    !leaf->count_kept_referenced && compat::owns_relation(leaf_oid, target->run_role)) {
			if (partition_wholly_expired(target, leaf_oid, leaf_column, target->cutoff_value, target->cutoff_type))
				leaf->whole_partition_expired = true;
		}
		if (leaf_rel != rel)
			table_close(leaf_rel, AccessShareLock);
	}
	table_close(rel, AccessShareLock);
}

bool leaf_still_in_policy(const PolicyTarget *target, const LeafTarget *leaf) {
	if (leaf->relid == target->relid)
		return true;
	LockRelationOid(leaf->relid, RowExclusiveLock);
	return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(leaf->relid)) && get_rel_relispartition(leaf->relid) &&
	       list_member_oid(get_partition_ancestors(leaf->relid), target->relid);
}

const char *lock_whole_partition(const PolicyTarget *target, const LeafTarget *leaf) {
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(leaf->relid)) || !get_rel_relispartition(leaf->relid))
		return nullptr;
	Oid parent = get_partition_parent(leaf->relid, true);
	LockRelationOid(parent, AccessExclusiveLock);
	LockRelationOid(leaf->relid, AccessExclusiveLock);
	// Under the locks nothing below can change any more.
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(leaf->relid)) || !get_rel_relispartition(leaf->relid) ||
	    get_partition_parent(leaf->relid, true) != parent ||
	    !list_member_oid(get_partition_ancestors(leaf->relid), target->relid) ||
	    !compat::owns_relation(leaf->relid, target->run_role))
		return nullptr;
	AttrNumber column = get_attnum(leaf->relid, target->time_column);
	if (column <= 0 ||
	    !partition_wholly_expired(target, leaf->relid, column, target->cutoff_value, target->cutoff_type))
		return nullptr;
	const char *partition = qualified_name(leaf->relid);
	return strcmp(target->partitions_mode, "drop") == 0
	           ? psprintf("DROP TABLE %s", partition)
	           : psprintf("ALTER TABLE %s DETACH PARTITION %s", qualified_name(parent), partition);
}

Datum cutoff_parameter(const PolicyTarget *target, TimestampTz cutoff, Oid *type) {
	switch (target->kind) {
	case TimeKind::Timestamptz:
		*type = TIMESTAMPTZOID;
		return TimestampTzGetDatum(cutoff);
	case TimeKind::Timestamp:
		*type = TIMESTAMPOID;
		return DirectFunctionCall1(timestamptz_timestamp, TimestampTzGetDatum(cutoff));
	case TimeKind::Date: {
		// A date counts from its midnight: it is expired when that midnight
		// is before the cutoff, that is, when it is before the cutoff's
		// date, or on it and the cutoff is later than midnight.
		*type = DATEOID;
		Datum local = DirectFunctionCall1(timestamptz_timestamp, TimestampTzGetDatum(cutoff));
		DateADT day = DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
		bool past_midnight = DatumGetTimestamp(DirectFunctionCall1(date_timestamp, DateADTGetDatum(day))) <
		                     DatumGetTimestamp(local);
		return DateADTGetDatum(past_midnight ? day + 1 : day);
	}
	case TimeKind::Epoch:
		break;
	}
	*type = INT8OID;
	constexpr int64 unix_epoch_offset = int64(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	plan::EpochUnit unit = target->epoch_divisor == USECS_PER_SEC ? plan::EpochUnit::Seconds
	                       : target->epoch_divisor == 1000        ? plan::EpochUnit::Milliseconds
	                                                              : plan::EpochUnit::Microseconds;
	return Int64GetDatum(plan::epoch_cutoff(cutoff + unix_epoch_offset, unit));
}

Datum highest_key(const PolicyTarget *target) {
	switch (target->kind) {
	case TimeKind::Date:
		return DateADTGetDatum(DATEVAL_NOEND);
	case TimeKind::Epoch:
		return Int64GetDatum(PG_INT64_MAX);
	default:
		return TimestampGetDatum(DT_NOEND);
	}
}

Datum key_after(const PolicyTarget *target, Datum key) {
	switch (target->kind) {
	case TimeKind::Date: {
		DateADT day = DatumGetDateADT(key);
		return DateADTGetDatum(day == DATEVAL_NOEND ? day : day + 1);
	}
	case TimeKind::Epoch: {
		int64 value = DatumGetInt64(key);
		return Int64GetDatum(value == PG_INT64_MAX ? value : value + 1);
	}
	default: {
		Timestamp instant = DatumGetTimestamp(key);
		return TimestampGetDatum(instant == DT_NOEND ? instant : instant + 1);
	}
	}
}

Datum lowest_key(const PolicyTarget *target) {
	switch (target->kind) {
	case TimeKind::Date:
		return DateADTGetDatum(DATEVAL_NOBEGIN);
	case TimeKind::Epoch:
		return Int64GetDatum(PG_INT64_MIN);
	default:
		return TimestampGetDatum(DT_NOBEGIN);
	}
}

} // namespace retention::prune
