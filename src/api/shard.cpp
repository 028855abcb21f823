// retention.prune_shard(): on a Citus node, one shard of a distributed
// table pruned for a run of the coordinator (docs/citus.md). The calling
// backend checks, hands the shard run to a worker of this database
// (src/run/), waits for it, and returns what it did as one row. The run
// acts as the caller: the coordinator connects as the policy's run role.
#include "run/request.hpp"
#include "border/guard.hpp"

#include "border/pg.hpp"

namespace retention::api {

namespace {

int64 interval_usecs_or_zero(FunctionCallInfo fcinfo, int argument) {
	if (PG_ARGISNULL(argument))
		return 0;
	const Interval *span = PG_GETARG_INTERVAL_P(argument);
	return span->time + (int64(span->month) * DAYS_PER_MONTH + span->day) * USECS_PER_DAY;
}

void require(FunctionCallInfo fcinfo, int argument, const char *name) {
	if (PG_ARGISNULL(argument))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", name)));
}

} // namespace

} // namespace retention::api

using namespace retention;
using namespace retention::api;

RETENTION_FUNCTION(retention_prune_shard) {
	const char *names[] = {"policy", "run_id", "relation", "shard", "time_column", "cutoff"};
	for (int i = 0; i < 6; i++)
		require(fcinfo, i, names[i]);
	require(fcinfo, 8, "batch_size");
	require(fcinfo, 9, "batch_delay");
	if (IsTransactionBlock())
		ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
		                errmsg("retention.prune_shard() cannot run inside a transaction block"),
		                errdetail("A shard run commits every batch on its own.")));

	run::ShardWork work{};
	work.active = true;
	char policy[run::policy_name_max + 1];
	text_to_cstring_buffer(PG_GETARG_TEXT_PP(0), policy, sizeof(policy));
	work.coordinator_run_id = PG_GETARG_INT64(1);
	work.relid = PG_GETARG_OID(2);
	work.shard = PG_GETARG_INT64(3);
	strlcpy(work.time_column, NameStr(*PG_GETARG_NAME(4)), sizeof(work.time_column));
	work.cutoff = PG_GETARG_TIMESTAMPTZ(5);
	if (!PG_ARGISNULL(6))
		text_to_cstring_buffer(PG_GETARG_TEXT_PP(6), work.time_unit, sizeof(work.time_unit));
	if (!PG_ARGISNULL(7)) {
		text *filter = PG_GETARG_TEXT_PP(7);
		if (VARSIZE_ANY_EXHDR(filter) >= sizeof(work.filter))
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			                errmsg("the filter of retention policy \"%s\" is too long for a shard run", policy),
			                errdetail("A shard run takes filters of up to %d bytes.", int(sizeof(work.filter) - 1))));
		text_to_cstring_buffer(filter, work.filter, sizeof(work.filter));
		work.has_filter = true;
	}
	work.batch_size = PG_GETARG_INT32(8);
	if (work.batch_size <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("batch_size must be positive")));
	work.batch_delay_usecs = interval_usecs_or_zero(fcinfo, 9);
	work.max_runtime_usecs = interval_usecs_or_zero(fcinfo, 10);
	work.max_rows_per_second = PG_ARGISNULL(11) ? 0 : Max(0, PG_GETARG_INT32(11));

	TupleDesc desc;
	if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("function returning a record called in a context that cannot accept it")));
	desc = BlessTupleDesc(desc);

	auto *result = static_cast<run::RunRequest *>(palloc(sizeof(run::RunRequest)));
	run::run_and_wait(policy, false, false, result, false, &work);
	const run::RunReport &report = result->run;
	if (result->outcome == run::RunOutcome::NotStarted)
		ereport(ERROR, (errcode(MAKE_SQLSTATE(report.sqlstate[0], report.sqlstate[1], report.sqlstate[2],
		                                      report.sqlstate[3], report.sqlstate[4])),
		                errmsg("%s", report.error)));
	Datum values[6];
	bool nulls[6] = {false, false, false, false, report.error[0] == '\0', report.sqlstate[0] == '\0'};
	values[0] = BoolGetDatum(!result->shard.absent);
	values[1] = Int64GetDatum(report.rows_pruned);
	values[2] = Int64GetDatum(report.batches);
	values[3] = CStringGetTextDatum(run::status_name(report.status));
	values[4] = nulls[4] ? Datum(0) : CStringGetTextDatum(report.error);
	values[5] = nulls[5] ? Datum(0) : CStringGetTextDatum(report.sqlstate);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
