// retention.explain(): see explain.hpp. No C++ object lives here: every
// call may raise a PostgreSQL error, caught by border::run_in_transaction.
#include "prune/explain.hpp"
#include "citus/metadata.hpp"
#include "prune/brakes.hpp"
#include "prune/identity.hpp"
#include "prune/run_lock.hpp"
#include "border/spi.hpp"
#include "border/transaction.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::prune {

namespace {

// Above this many expired rows (by the planner's estimate) explain says the
// estimate instead of counting: a count reads every expired row.
constexpr int64 count_limit = 1000000;

// The planner's estimate of the rows the first child of a count's
// aggregate returns. -1 when the plan does not say.
int64 planned_rows(const char *count_sql, Oid cutoff_type, Datum cutoff) {
	Oid types[1] = {cutoff_type};
	Datum values[1] = {cutoff};
	// Not read-only for SPI: it counts every utility statement as a write.
	border::spi_run(psprintf("EXPLAIN (FORMAT JSON) %s", count_sql), 1, types, values, nullptr, SPI_OK_UTILITY);
	if (SPI_processed < 1)
		return -1;
	const char *plan = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	// The first "Plan Rows" is the aggregate's (1 row); the second its input.
	const char *key = "\"Plan Rows\": ";
	const char *first = plan ? strstr(plan, key) : nullptr;
	const char *second = first ? strstr(first + strlen(key), key) : nullptr;
	return second ? int64(strtod(second + strlen(key), nullptr)) : -1;
}

int64 run_count(const char *sql, const PolicyTarget *target) {
	Oid types[1] = {target->cutoff_type};
	Datum values[1] = {target->cutoff_value};
	border::spi_run(sql, 1, types, values, nullptr, SPI_OK_SELECT, true);
	bool isnull;
	Datum count = border::spi_first_value(&isnull);
	return isnull ? 0 : DatumGetInt64(count);
}

const char *interval_text(const Interval *value) {
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(value)));
}

const char *duration_text(int64 usecs) {
	if (usecs % USECS_PER_SEC == 0)
		return psprintf("%lld s", (long long)(usecs / USECS_PER_SEC));
	return psprintf("%lld ms", (long long)(usecs / 1000));
}

struct Explain {
	run::RunRequest *request;
	MemoryContext context;
	StringInfoData out;
};

void line(Explain *explain, const char *format, ...) pg_attribute_printf(2, 3);
void line(Explain *explain, const char *format, ...) {
	for (;;) {
		va_list args;
		va_start(args, format);
		int needed = appendStringInfoVA(&explain->out, format, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&explain->out, needed);
	}
	appendStringInfoChar(&explain->out, '\n');
}

// What would make a run wait, or be refused, now.
void explain_waits(Explain *explain, const PolicyTarget *target) {
	if (int holder = run_lock_holder(target->name); holder != 0)
		line(explain, "a run of this policy is in flight now (pid %d): another run is refused until it ends", holder);
	Oid types[2] = {OIDOID, OIDOID};
	Datum values[2] = {ObjectIdGetDatum(MyDatabaseId), ObjectIdGetDatum(target->relid)};
	border::spi_run("SELECT pg_catalog.count(*) FILTER (WHERE NOT l.granted), "
	                "pg_catalog.count(*) FILTER (WHERE l.granted AND l.mode OPERATOR(pg_catalog.=) ANY "
	                "  (ARRAY['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'])) "
	                "FROM pg_catalog.pg_locks l WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' "
	                "AND l.database OPERATOR(pg_catalog.=) $1 AND (l.relation OPERATOR(pg_catalog.=) $2 "
	                "  OR l.relation OPERATOR(pg_catalog.=) ANY (SELECT i.inhrelid FROM pg_catalog.pg_inherits i "
	                "  WHERE i.inhparent OPERATOR(pg_catalog.=) $2))",
	                2, types, values, nullptr, SPI_OK_SELECT, true);
	bool isnull;
	int64 waiting = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	int64 blocking = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (waiting > 0 || blocking > 0)
		line(explain,
		     "locks on the table now: %lld held that block deletes, %lld requests waiting; a batch waits at most "
		     "1 s for its table lock, then tries again, up to a few times",
		     (long long)blocking, (long long)waiting);
	else
		line(explain, "locks on the table now: none that would hold up a batch");
	line(explain, "rows another session has locked are skipped by the batch that meets them (SKIP LOCKED) and left "
	              "for the next run");
}

void explain_body(void *argument) {
	auto *explain = static_cast<Explain *>(argument);
	PolicyTarget *target = load_policy(explain->request->policy, explain->context);
	if (!target)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
		                errmsg("retention policy \"%s\" does not exist", explain->request->policy)));
	line(explain, "policy %s: table %s, time column %s%s", target->name, target->relation_name,
	     quote_identifier(target->time_column),
	     target->time_unit ? psprintf(" (an epoch in '%s')", target->time_unit) : "");
	line(explain, "runs act as role %s%s", GetUserNameFromId(target->run_role, false),
	     target->run_role == target->owner ? " (the policy's owner)"
	                                       : " (the table's owner: the policy's owner is a superuser)");
	if (!target->enabled)
		line(explain, "the policy is disabled: never scheduled; a manual run still prunes");
	if (target->keep_forever) {
		line(explain, "retain is NULL: the table is kept forever; a run prunes nothing");
		return;
	}
	TimestampTz cutoff;
	if (const char *problem = cutoff_for(&target->retain, GetCurrentTimestamp(), &cutoff)) {
		line(explain, "retain %s: the cutoff cannot be computed (%s); a run would fail and prune nothing",
		     interval_text(&target->retain), problem);
		return;
	}
	line(explain, "cutoff: %s (now minus retain %s): a row is expired when its %s is before it",
	     timestamptz_to_str(cutoff), interval_text(&target->retain), quote_identifier(target->time_column));

	RunIdentity identity = enter_run_identity(target->run_role);
	plan_policy(target, true, cutoff, explain->context);
	bool distributed = target->citus_kind == citus::TableKind::Distributed;
	if (distributed) {
		int count = 0;
		citus::Placement *placements = citus::placements(target->relid, &count);
		int nodes = 0;
		for (int i = 0; i < count; i++)
			nodes += i == 0 || placements[i].port != placements[i - 1].port ||
			                 strcmp(placements[i].node, placements[i - 1].node) != 0
			             ? 1
			             : 0;
		line(explain,
		     "Citus: each of its %d shards is pruned on the node that holds it (%d nodes now), one shard at a time "
		     "per node, the nodes at once, by that node's engine: through an index on %s where the shard has one, "
		     "else its blocks, skipping locked rows; each node applies its own brakes (docs/citus.md)",
		     count, nodes, quote_identifier(target->time_column));
	}
	int64 estimate = estimate_expired(target);
	bool counting = estimate >= 0 && estimate <= count_limit;
	int64 expired = 0;
	int64 kept = 0;
	int whole = 0;
	int64 whole_rows = 0;
	for (int i = 0; i < target->nleaves; i++) {
		const LeafTarget &leaf = target->leaves[i];
		int64 leaf_expired = counting && leaf.count_expired ? run_count(leaf.count_expired, target) : -1;
		int64 leaf_kept =
		    counting && leaf.count_kept_referenced && !leaf.whole_partition_expired
		        ? run_count(leaf.count_kept_referenced, target)
		        : -1;
		kept += Max(leaf_kept, int64(0));
		const char *what = leaf.relid == target->relid ? "table" : "partition";
		if (leaf.whole_partition_expired) {
			whole++;
			whole_rows += Max(leaf_expired, int64(0));
			line(explain, "%s %s: wholly before the cutoff: %s whole%s", what, leaf.name,
			     strcmp(target->partitions_mode, "detach") == 0 ? "detached" : "dropped",
			     leaf_expired >= 0 ? psprintf(" (%lld rows)", (long long)leaf_expired) : "");
			continue;
		}
		expired += Max(leaf_expired, int64(0));
		if (distributed)
			line(explain, "%s %s: a Citus distributed table%s", what, leaf.name,
			     leaf_expired >= 0 ? psprintf(" (%lld rows to prune)", (long long)leaf_expired) : "");
		else if (leaf.by_key && !OidIsValid(leaf.key_index))
			line(explain,
			     "%s %s: a Citus %s: through the coordinator, in slices of %s oldest first (no index leads with "
			     "it: each slice is found by a scan)%s",
			     what, leaf.name, citus::kind_name(target->citus_kind), quote_identifier(target->time_column),
			     leaf_expired >= 0 ? psprintf(" (%lld rows to prune)", (long long)leaf_expired) : "");
		else if (leaf.by_key)
			line(explain,
			     "%s %s: through the index %s, oldest first, each batch starting where the last one ended%s", what,
			     leaf.name, get_rel_name(leaf.key_index),
			     leaf_expired >= 0 ? psprintf(" (%lld rows to prune)", (long long)leaf_expired) : "");
		else
			line(explain,
			     "%s %s: no valid btree index leads with %s: walks its %u blocks once, in ranges sized to hold "
			     "about a batch of expired rows each%s",
			     what, leaf.name, quote_identifier(target->time_column), leaf.blocks,
			     leaf_expired >= 0 ? psprintf(" (%lld rows to prune)", (long long)leaf_expired) : "");
		if (leaf.guard_tables)
			line(explain, "  expired rows still referenced from %s are kept (foreign keys without ON DELETE CASCADE)%s",
			     leaf.guard_tables, leaf_kept >= 0 ? psprintf(": %lld now", (long long)leaf_kept) : "");
	}
	if (counting)
		line(explain, "a run would prune %lld rows now (counted)%s%s", (long long)expired,
		     whole > 0 ? psprintf(" and %s %d whole partitions (%lld rows)",
		                          strcmp(target->partitions_mode, "detach") == 0 ? "detach" : "drop", whole,
		                          (long long)whole_rows)
		               : "",
		     kept > 0 ? psprintf("; %lld more expired rows are kept for references", (long long)kept) : "");
	else if (estimate >= 0)
		line(explain, "a run would prune about %lld rows now (the planner's estimate: counting would read them all)",
		     (long long)estimate);
	else
		line(explain, "how many rows a run would prune now: unknown (the planner gives no estimate)");
	if (target->leaves[0].filter)
		line(explain, "filter, as PostgreSQL reads it: %s", target->leaves[0].filter);
	leave_run_identity(identity);

	if (target->archive_relid != InvalidOid)
		line(explain, "each pruned row is first inserted into %s, in the same transaction",
		     quote_qualified_identifier(get_namespace_name(get_rel_namespace(target->archive_relid)),
		                                get_rel_name(target->archive_relid)));
	line(explain, "batches: up to %d rows each, fewer when a batch would take longer than %d ms "
	              "(retention.batch_time_target); %s between batches (batch_delay)",
	     target->batch_size, setting_batch_time_target_ms,
	     target->batch_delay_usecs > 0 ? duration_text(target->batch_delay_usecs) : "no pause");
	if (target->max_rows_per_second > 0)
		line(explain, "rate limit: at most %d rows a second (max_rows_per_second): pruning these rows takes at least "
		              "%.1f s",
		     target->max_rows_per_second,
		     counting ? double(expired) / target->max_rows_per_second
		              : double(Max(estimate, int64(0))) / target->max_rows_per_second);
	if (setting_max_wal_per_second_kb > 0)
		line(explain, "WAL pace: the runs in flight write at most %s of WAL a second together "
		              "(retention.max_wal_per_second), in batches of at most a hundredth of a second of it",
		     GetConfigOptionByName("retention.max_wal_per_second", nullptr, false));
	else
		line(explain, "no WAL pace: retention.max_wal_per_second = 0, runs write as fast as they can");
	if (setting_pause)
		line(explain, "retention.pause is on: a run would wait before its first batch until it is off");
	if (setting_max_replica_lag_ms > 0) {
		WalHistory history{};
		const char *behind = standby_behind(&history);
		line(explain, "batches wait while a standby is more than %.1f s behind (retention.max_replica_lag); now: %s",
		     double(setting_max_replica_lag_ms) / 1000, behind ? behind : "no standby is");
	}
	if (target->max_runtime_usecs > 0)
		line(explain, "a run stops after %s (max_runtime), recorded 'partial'; the next run goes on",
		     duration_text(target->max_runtime_usecs));
	explain_waits(explain, target);
}

} // namespace

int64 estimate_expired(const PolicyTarget *target) {
	(void)set_config_option("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
	                        true, 0, false);
	int64 total = 0;
	for (int i = 0; i < target->nleaves; i++) {
		const LeafTarget &leaf = target->leaves[i];
		if (leaf.whole_partition_expired) {
			total += int64(Max(leaf.tuples, 0.0));
			continue;
		}
		if (!leaf.count_expired)
			return -1;
		int64 rows = planned_rows(leaf.count_expired, target->cutoff_type, target->cutoff_value);
		if (rows < 0)
			return -1;
		total += rows;
	}
	return total;
}

void explain_policy(run::RunRequest *request, MemoryContext context) {
	MemoryContextSwitchTo(context);
	Explain explain{request, context, {}};
	initStringInfo(&explain.out);
	ErrorData *error = nullptr;
	if (!border::run_in_transaction(explain_body, &explain, context, &error)) {
		request->outcome = run::RunOutcome::NotStarted;
		strlcpy(request->run.error, error->message ? error->message : "", sizeof(request->run.error));
		strlcpy(request->run.sqlstate, unpack_sql_state(error->sqlerrcode), sizeof(request->run.sqlstate));
		return;
	}
	if (size_t(explain.out.len) >= sizeof(request->explained)) {
		// Cut at the last whole line that fits, and say so.
		const char more[] = "(more lines: the report is cut here)\n";
		int room = int(sizeof(request->explained) - sizeof(more));
		while (room > 0 && explain.out.data[room - 1] != '\n')
			room--;
		memcpy(request->explained, explain.out.data, size_t(room));
		strlcpy(request->explained + room, more, sizeof(request->explained) - size_t(room));
	} else {
		strlcpy(request->explained, explain.out.data, sizeof(request->explained));
	}
	request->run.status = run::RunStatus::Succeeded;
	request->run.pid = MyProcPid;
	pg_write_barrier();
	request->outcome = run::RunOutcome::Finished;
}

} // namespace retention::prune
