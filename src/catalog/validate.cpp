// Validation of retention.policies rows: the BEFORE INSERT OR UPDATE trigger.
// Every invalid row is refused with a message naming the policy column and
// what is wrong; nothing is stored. Defaults that depend on other columns
// (name = the table's name) are filled in here too.
//
// No C++ object with a destructor lives in this file's frames while
// PostgreSQL functions run, so they may raise errors directly.
#include "catalog/filter.hpp"
#include "citus/metadata.hpp"
#include "catalog/policy_schedule.hpp"
#include "border/guard.hpp"
#include "border/settings.hpp"
#include "prune/policy_target.hpp"
#include "run/request.hpp"

#include "border/pg.hpp"

namespace retention::catalog {

namespace {

// Column positions of retention.policies, looked up by name so that
// upgrades may add columns anywhere.
struct PolicyColumns {
	int name, relation, time_column, retain, time_unit, filter, schedule, time_zone, batch_size, batch_delay,
	    max_runtime, archive_to, partitions, max_retries, owner, updated_at;
	int max_rows_per_second; // 0 before the update to 0.3.0 added it
};

// The column's number, after checking its type: the trigger reads each
// column as this type.
int column_number(TupleDesc desc, const char *column, Oid type) {
	int number = SPI_fnumber(desc, column);
	if (number <= 0 || TupleDescAttr(desc, number - 1)->atttypid != type)
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("retention.validate_policy() fired on a table whose column \"%s\" is missing or not "
		                       "of type %s",
		                       column, format_type_be(type))));
	return number;
}

PolicyColumns policy_columns(TupleDesc desc) {
	return PolicyColumns{column_number(desc, "name", TEXTOID),
	                     column_number(desc, "relation", REGCLASSOID),
	                     column_number(desc, "time_column", NAMEOID),
	                     column_number(desc, "retain", INTERVALOID),
	                     column_number(desc, "time_unit", TEXTOID),
	                     column_number(desc, "filter", TEXTOID),
	                     column_number(desc, "schedule", TEXTOID),
	                     column_number(desc, "time_zone", TEXTOID),
	                     column_number(desc, "batch_size", INT4OID),
	                     column_number(desc, "batch_delay", INTERVALOID),
	                     column_number(desc, "max_runtime", INTERVALOID),
	                     column_number(desc, "archive_to", REGCLASSOID),
	                     column_number(desc, "partitions", TEXTOID),
	                     column_number(desc, "max_retries", INT4OID),
	                     column_number(desc, "owner", REGROLEOID),
	                     column_number(desc, "updated_at", TIMESTAMPTZOID),
	                     SPI_fnumber(desc, "max_rows_per_second") > 0 ? column_number(desc, "max_rows_per_second", INT4OID)
	                                                                  : 0};
}

// The trigger validates retention.policies of this extension and nothing
// else: on any other table its reads of the row would not be safe.
void check_fired_on_policies(Relation rel) {
	Oid extension = get_extension_oid("retention", true);
	if (!OidIsValid(extension) || getExtensionOfObject(RelationRelationId, RelationGetRelid(rel)) != extension ||
	    strcmp(RelationGetRelationName(rel), "policies") != 0)
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("retention.validate_policy() may only be a trigger of retention.policies")));
}

struct Field {
	Datum value;
	bool null;
};

Field field(HeapTuple tuple, TupleDesc desc, int column) {
	Field result;
	result.value = heap_getattr(tuple, column, desc, &result.null);
	return result;
}

const char *text_of(Field f) { return f.null ? nullptr : TextDatumGetCString(f.value); }

// Sign of an interval, months counted as 30 days like PostgreSQL's own comparison.
int interval_sign(Datum interval) {
	Interval zero{};
	return DatumGetInt32(DirectFunctionCall2(interval_cmp, interval, IntervalPGetDatum(&zero)));
}

const char *relkind_noun(char relkind) {
	switch (relkind) {
	case RELKIND_VIEW:
		return "a view";
	case RELKIND_MATVIEW:
		return "a materialized view";
	case RELKIND_FOREIGN_TABLE:
		return "a foreign table";
	case RELKIND_SEQUENCE:
		return "a sequence";
	case RELKIND_INDEX:
	case RELKIND_PARTITIONED_INDEX:
		return "an index";
	case RELKIND_COMPOSITE_TYPE:
		return "a composite type";
	case RELKIND_TOASTVALUE:
		return "a TOAST table";
	default:
		return "not a table";
	}
}

// The pruned table (or the archive table): an existing ordinary or
// partitioned table outside the system schemas and outside our own schema.
void check_table(Oid relid, const char *column, Oid own_namespace) {
	// Held until the transaction ends, so the table cannot be dropped before
	// the policy that names it is committed (the drop then sees the policy).
	LockRelationOid(relid, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
		                errmsg("invalid %s: relation with OID %u does not exist", column, relid)));
	char relkind = get_rel_relkind(relid);
	const char *relname = get_rel_name(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
		                errmsg("invalid %s: \"%s\" is %s", column, relname, relkind_noun(relkind)),
		                errhint("Only tables and partitioned tables can be pruned or archived to.")));
	Oid namespace_id = get_rel_namespace(relid);
	if (IsCatalogNamespace(namespace_id) || IsToastNamespace(namespace_id) || namespace_id == own_namespace ||
	    namespace_id == get_namespace_oid("information_schema", true))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid %s: table \"%s\" is in schema \"%s\", which retention does not prune", column,
		                       relname, get_namespace_name(namespace_id))));
	if (isAnyTempNamespace(namespace_id))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid %s: \"%s\" is a temporary table", column, relname),
		                errdetail("Temporary tables are visible to their own session only.")));
}

void check_privileges(Oid relid, Oid owner, Oid archive_relid) {
	const char *relname = get_rel_name(relid);
	if (!compat::owns_relation(relid, GetUserId()))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("permission denied for retention policy on table \"%s\"", relname),
		                errdetail("Only members of the table owner's role may create, change or delete its retention policies.")));
	if (!is_member_of_role(GetUserId(), owner))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("invalid owner: you are not a member of role \"%s\"", GetUserNameFromId(owner, false)),
		                errdetail("Runs of a policy use its owner's privileges.")));
	if (pg_class_aclcheck(relid, owner, ACL_SELECT | ACL_DELETE) != ACLCHECK_OK)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("invalid owner: role \"%s\" cannot SELECT and DELETE on table \"%s\"",
		                       GetUserNameFromId(owner, false), relname),
		                errdetail("Runs of a policy use its owner's privileges.")));
	if (OidIsValid(archive_relid) && pg_class_aclcheck(archive_relid, owner, ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("invalid owner: role \"%s\" cannot INSERT into archive table \"%s\"",
		                       GetUserNameFromId(owner, false), get_rel_name(archive_relid)),
		                errdetail("Runs of a policy use its owner's privileges.")));
}

bool is_integer_type(Oid type) { return type == INT2OID || type == INT4OID || type == INT8OID; }

void check_time_column(Oid relid, const char *column, const char *time_unit) {
	const char *relname = get_rel_name(relid);
	AttrNumber attnum = get_attnum(relid, column);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
		                errmsg("invalid time_column: column \"%s\" of table \"%s\" does not exist", column, relname)));
	if (attnum < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid time_column: \"%s\" is a system column", column)));

	if (time_unit && strcmp(time_unit, "s") != 0 && strcmp(time_unit, "ms") != 0 && strcmp(time_unit, "us") != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid time_unit \"%s\": must be 's', 'ms' or 'us' (since the Unix epoch)", time_unit)));

	Oid type = getBaseType(get_atttype(relid, attnum));
	if (type == TIMESTAMPTZOID || type == TIMESTAMPOID || type == DATEOID) {
		if (time_unit)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("invalid time_unit: column \"%s\" has type %s; time_unit is only for integer columns",
			                       column, format_type_be(type)),
			                errhint("Set time_unit to NULL.")));
		return;
	}
	if (is_integer_type(type)) {
		if (!time_unit)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("invalid time_unit: column \"%s\" has type %s and needs a time_unit", column,
			                       format_type_be(type)),
			                errhint("Set time_unit to 's', 'ms' or 'us' since the Unix epoch.")));
		return;
	}
	ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
	                errmsg("invalid time_column: column \"%s\" has type %s", column, format_type_be(type)),
	                errhint("The time column must be timestamptz, timestamp, date, or smallint/integer/bigint with "
	                        "time_unit.")));
}

// With the arithmetic runs use (prune::cutoff_for): a cutoff that can be
// computed and is never later than the moment of the run. Each part of the
// interval must not be negative: then now() - retain is never in the
// future, whatever the date ('1 mon -30 days' is, on some days).
void check_retain(const Interval *retain) {
	if (retain->month < 0 || retain->day < 0 || retain->time < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid retain: must not be negative, in any of its parts"),
		                errdetail("retain is %s.",
		                          DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(retain)))),
		                errhint("Use '0' for a column that holds an expiry time, NULL to keep rows forever.")));
	TimestampTz cutoff;
	if (const char *problem = retention::prune::cutoff_for(retain, GetCurrentTransactionStartTimestamp(), &cutoff))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid retain: %s", problem),
		                errdetail("retain is %s.",
		                          DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(retain))))));
}

void check_schedule(const char *schedule) {
	PolicySchedule parsed;
	const char *problem = read_schedule(schedule, &parsed);
	if (problem)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid schedule \"%s\": %s", schedule, problem)));
}

void check_time_zone(const char *zone_name) {
	pg_tz *zone = pg_tzset(zone_name);
	if (!zone)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid time_zone \"%s\": unknown time zone", zone_name),
		                errhint("Use a name from pg_timezone_names, such as 'UTC' or 'Europe/Berlin'.")));
	if (!pg_tz_acceptable(zone))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid time_zone \"%s\": time zones with leap seconds are not supported", zone_name)));
}

// Every column of the pruned table must land in a same-named column of the
// archive that accepts its type; the archive's other columns must fill
// themselves (NULL, a default, identity).
void check_archive(Oid relid, Oid archive_relid) {
	if (archive_relid == relid)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid archive_to: a table cannot be archived into itself")));
	Relation source = table_open(relid, AccessShareLock);
	Relation archive = table_open(archive_relid, AccessShareLock);
	TupleDesc source_desc = RelationGetDescr(source);
	TupleDesc archive_desc = RelationGetDescr(archive);
	const char *source_name = RelationGetRelationName(source);
	const char *archive_name = RelationGetRelationName(archive);

	for (int i = 0; i < source_desc->natts; i++) {
		Form_pg_attribute from = TupleDescAttr(source_desc, i);
		if (from->attisdropped)
			continue;
		AttrNumber target_number = InvalidAttrNumber;
		for (int j = 0; j < archive_desc->natts; j++) {
			Form_pg_attribute candidate = TupleDescAttr(archive_desc, j);
			if (!candidate->attisdropped && namestrcmp(&candidate->attname, NameStr(from->attname)) == 0)
				target_number = j + 1;
		}
		if (target_number == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
			                errmsg("invalid archive_to: table \"%s\" has no column \"%s\" of table \"%s\"",
			                       archive_name, NameStr(from->attname), source_name)));
		Form_pg_attribute to = TupleDescAttr(archive_desc, target_number - 1);
		if (to->attgenerated)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("invalid archive_to: column \"%s\" of table \"%s\" is generated and cannot be "
			                       "archived into",
			                       NameStr(to->attname), archive_name)));
		if (!can_coerce_type(1, &from->atttypid, &to->atttypid, COERCION_ASSIGNMENT))
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
			                errmsg("invalid archive_to: column \"%s\" has type %s in table \"%s\" but %s in table \"%s\"",
			                       NameStr(from->attname), format_type_be(from->atttypid), source_name,
			                       format_type_be(to->atttypid), archive_name)));
	}
	for (int j = 0; j < archive_desc->natts; j++) {
		Form_pg_attribute extra = TupleDescAttr(archive_desc, j);
		if (extra->attisdropped || !extra->attnotnull || extra->atthasdef || extra->attidentity)
			continue;
		if (get_attnum(relid, NameStr(extra->attname)) == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
			                errmsg("invalid archive_to: column \"%s\" of table \"%s\" is NOT NULL without a default, "
			                       "and table \"%s\" has no such column",
			                       NameStr(extra->attname), archive_name, source_name)));
	}
	table_close(archive, NoLock);
	table_close(source, NoLock);
}

// Read with the search_path that runs use, so a filter that validates is a
// filter that runs.
void check_filter(Oid relid, const char *filter_text) {
	Relation rel = table_open(relid, AccessShareLock);
	int level = retention::border::push_search_path(retention::prune::policy_search_path(relid));
	(void)analyze_filter(rel, filter_text);
	retention::border::pop_settings(level);
	table_close(rel, NoLock);
}

// Policy names are unique in the database, across roles: row-level
// security hides other roles' policies, so their names would only show as a
// primary-key violation naming the key. Say plainly that the name is taken,
// and nothing else about that policy.
void check_name_free(Relation policies, const char *name, HeapTuple own_old_row) {
	Oid primary_key = compat::primary_key_index(policies);
	if (!OidIsValid(primary_key))
		return;
	ScanKeyData key;
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(name));
	// The latest committed rows: an UPDATE that waited for another one
	// validates the row version that other one wrote, which a snapshot
	// taken before would show as a second row of the same name.
	SysScanDesc scan = systable_beginscan(policies, primary_key, true, GetLatestSnapshot(), 1, &key);
	bool taken = false;
	HeapTuple found;
	while (!taken && HeapTupleIsValid(found = systable_getnext(scan)))
		taken = !own_old_row || !ItemPointerEquals(&found->t_self, &own_old_row->t_self);
	systable_endscan(scan);
	if (taken)
		ereport(ERROR, (errcode(ERRCODE_UNIQUE_VIOLATION),
		                errmsg("retention policy name \"%s\" is already taken", name),
		                errdetail("Policy names are unique in the database, whichever role a policy belongs to."),
		                errhint("Choose another name (the name column defaults to the table's name).")));
}

void check_choice(const char *column, const char *value, const char *const *choices, const char *hint) {
	for (const char *const *choice = choices; *choice; choice++)
		if (strcmp(value, *choice) == 0)
			return;
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid %s \"%s\"", column, value),
	                errhint("%s", hint)));
}

} // namespace

} // namespace retention::catalog

using namespace retention::catalog;

RETENTION_FUNCTION(retention_validate_policy) {
	auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigger->tg_event) ||
	    !TRIGGER_FIRED_FOR_ROW(trigger->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("retention.validate_policy() must be a BEFORE INSERT OR UPDATE OR DELETE row trigger")));

	check_fired_on_policies(trigger->tg_relation);
	TupleDesc desc = RelationGetDescr(trigger->tg_relation);
	PolicyColumns columns = policy_columns(desc);

	if (TRIGGER_FIRED_BY_DELETE(trigger->tg_event)) {
		// Row-level security limits DELETE to members of the policy's owner;
		// like any change, it also needs the table's owner (if the table still exists).
		Field relation = field(trigger->tg_trigtuple, desc, columns.relation);
		Oid relid = relation.null ? InvalidOid : DatumGetObjectId(relation.value);
		if (OidIsValid(relid) && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)) &&
		    !retention::compat::owns_relation(relid, GetUserId()))
			ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			                errmsg("permission denied for retention policy on table \"%s\"", get_rel_name(relid)),
			                errdetail("Only members of the table owner's role may create, change or delete its "
			                          "retention policies.")));
		return PointerGetDatum(trigger->tg_trigtuple);
	}

	bool updating = TRIGGER_FIRED_BY_UPDATE(trigger->tg_event);
	HeapTuple tuple = updating ? trigger->tg_newtuple : trigger->tg_trigtuple;
	Oid own_namespace = RelationGetNamespace(trigger->tg_relation);

	Field relation = field(tuple, desc, columns.relation);
	Field time_column = field(tuple, desc, columns.time_column);
	Field owner = field(tuple, desc, columns.owner);
	if (relation.null)
		return PointerGetDatum(tuple); // the NOT NULL constraint reports it
	Oid relid = DatumGetObjectId(relation.value);
	check_table(relid, "relation", own_namespace);

	// Defaults that depend on other columns, and bookkeeping.
	Field name = field(tuple, desc, columns.name);
	if (!name.null && *text_of(name) == '\0')
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid name: must not be empty")));
	if (!name.null && strlen(text_of(name)) > size_t(retention::run::policy_name_max))
		ereport(ERROR, (errcode(ERRCODE_NAME_TOO_LONG),
		                errmsg("invalid name: at most %d bytes", retention::run::policy_name_max)));
	int replaced_columns[2];
	Datum replaced_values[2];
	bool replaced_nulls[2] = {false, false};
	int replaced = 0;
	if (name.null) {
		replaced_columns[replaced] = columns.name;
		replaced_values[replaced++] = CStringGetTextDatum(get_rel_name(relid));
	}
	if (updating) {
		replaced_columns[replaced] = columns.updated_at;
		replaced_values[replaced++] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	}
	if (replaced > 0)
		tuple = heap_modify_tuple_by_cols(tuple, desc, replaced, replaced_columns, replaced_values, replaced_nulls);
	if (time_column.null || owner.null)
		return PointerGetDatum(tuple); // the NOT NULL constraints report these

	Field archive_to = field(tuple, desc, columns.archive_to);
	Oid archive_relid = archive_to.null ? InvalidOid : DatumGetObjectId(archive_to.value);
	if (OidIsValid(archive_relid))
		check_table(archive_relid, "archive_to", own_namespace);

	check_privileges(relid, DatumGetObjectId(owner.value), archive_relid);
	check_time_column(relid, NameStr(*DatumGetName(time_column.value)), text_of(field(tuple, desc, columns.time_unit)));

	Field retain = field(tuple, desc, columns.retain);
	if (!retain.null)
		check_retain(DatumGetIntervalP(retain.value));

	if (const char *filter_text = text_of(field(tuple, desc, columns.filter)))
		check_filter(relid, filter_text);

	Field schedule = field(tuple, desc, columns.schedule);
	if (!schedule.null)
		check_schedule(text_of(schedule));
	Field time_zone = field(tuple, desc, columns.time_zone);
	if (!time_zone.null)
		check_time_zone(text_of(time_zone));

	Field batch_size = field(tuple, desc, columns.batch_size);
	if (!batch_size.null && DatumGetInt32(batch_size.value) < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid batch_size %d: must be at least 1", DatumGetInt32(batch_size.value))));
	Field batch_delay = field(tuple, desc, columns.batch_delay);
	if (!batch_delay.null && interval_sign(batch_delay.value) < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid batch_delay: must not be negative")));
	Field max_runtime = field(tuple, desc, columns.max_runtime);
	if (!max_runtime.null && interval_sign(max_runtime.value) <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid max_runtime: must be positive"),
		                errhint("Use NULL for runs without a time limit.")));

	if (columns.max_rows_per_second > 0) {
		Field rate = field(tuple, desc, columns.max_rows_per_second);
		if (!rate.null && DatumGetInt32(rate.value) < 1)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("invalid max_rows_per_second %d: must be positive", DatumGetInt32(rate.value)),
			                errhint("Use NULL for runs without a rate limit.")));
	}

	Field partitions = field(tuple, desc, columns.partitions);
	static const char *const partition_modes[] = {"drop", "detach", "rows", nullptr};
	if (!partitions.null)
		check_choice("partitions", text_of(partitions), partition_modes, "Use 'drop', 'detach' or 'rows'.");

	Field max_retries = field(tuple, desc, columns.max_retries);
	if (!max_retries.null && DatumGetInt32(max_retries.value) < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid max_retries %d: must not be negative", DatumGetInt32(max_retries.value))));

	if (OidIsValid(archive_relid))
		check_archive(relid, archive_relid);
	// Citus: a shard, or a Citus table on a node other than the coordinator,
	// and what a run could not prune correctly (docs/citus.md).
	if (retention::citus::present()) {
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "retention: SPI_connect failed");
		retention::citus::check_policy_table(relid, archive_relid, text_of(field(tuple, desc, columns.name)));
		SPI_finish();
	}
	// Last: what is wrong with the row itself is said first.
	check_name_free(trigger->tg_relation, text_of(field(tuple, desc, columns.name)),
	                updating ? trigger->tg_trigtuple : nullptr);
	return PointerGetDatum(tuple);
}
