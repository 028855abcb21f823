// The SQL-callable run functions: retention.run(), retention.run_all() and
// the procedure retention.prune().
// The calling backend only checks, hands the run to a worker (src/run/),
// waits for it and reports; the run itself (and its transactions) happens
// in the worker.
#include "prune/policy_order.hpp"
#include "prune/run_lock.hpp"
#include "run/request.hpp"
#include "run/in_flight.hpp"
#include "border/guard.hpp"
#include "border/settings.hpp"
#include "border/spi.hpp"

#include "border/pg.hpp"

namespace retention::api {

using run::RunOutcome;
using run::RunRequest;

namespace {

// A real run commits batch by batch, which an open transaction block would
// contradict, like VACUUM.
void refuse_in_transaction_block(const char *function) {
	if (IsTransactionBlock())
		ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
		                errmsg("%s cannot run inside a transaction block", function),
		                errdetail("A real run commits every batch on its own."),
		                errhint("Call it outside BEGIN ... COMMIT, or pass dry_run => true.")));
}

// The caller must see the policy (row-level security) and be a member of
// its owner role; a run then acts with the owner's privileges.
void check_may_run(const char *policy) {
	int level = border::push_internal_search_path();
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(policy)};
	border::spi_run("SELECT owner::oid FROM retention.policies WHERE name OPERATOR(pg_catalog.=) $1", 1, types, values,
	                nullptr, SPI_OK_SELECT, true);
	bool isnull;
	Datum owner = border::spi_first_value(&isnull);
	if (isnull)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("retention policy \"%s\" does not exist", policy)));
	if (!is_member_of_role(GetUserId(), DatumGetObjectId(owner)))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		                errmsg("permission denied to run retention policy \"%s\"", policy),
		                errdetail("Only members of role \"%s\" may run it.",
		                          GetUserNameFromId(DatumGetObjectId(owner), false))));
	border::pop_settings(level);
}

void raise_refusal(const RunRequest &request) {
	const run::RunReport &result = request.run;
	ereport(ERROR, (errcode(MAKE_SQLSTATE(result.sqlstate[0], result.sqlstate[1], result.sqlstate[2],
	                                      result.sqlstate[3], result.sqlstate[4])),
	                errmsg("%s", result.error)));
}

// One row of type retention.runs from the run's report, column by column
// (run::report_columns); columns the report does not fill are NULL.
HeapTuple run_row(TupleDesc desc, const run::RunReport &report) {
	Datum *values = static_cast<Datum *>(palloc0(sizeof(Datum) * desc->natts));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
	for (int i = 0; i < desc->natts; i++) {
		nulls[i] = true;
		Form_pg_attribute column = TupleDescAttr(desc, i);
		if (column->attisdropped)
			continue;
		if (const run::ReportColumn *field = run::report_column(NameStr(column->attname))) {
			bool isnull = false;
			values[i] = field->value(report, &isnull);
			nulls[i] = isnull;
		}
	}
	return heap_form_tuple(desc, values, nulls);
}

void notice_outcome(const run::RunReport &result) {
	long long rows = (long long)result.rows_pruned;
	long long batches = (long long)result.batches;
	double seconds = double(result.finished_at - result.started_at) / USECS_PER_SEC;
	if (result.dry_run)
		ereport(NOTICE, (errmsg("retention: %s: %lld rows would be pruned now (dry run)", result.policy, rows)));
	else if (result.status == run::RunStatus::Cancelled)
		ereport(NOTICE, (errmsg("retention: %s: run cancelled after %lld rows in %lld batches (%.1f s)%s%s",
		                        result.policy, rows, batches, seconds, result.error[0] ? ": " : "", result.error)));
	else if (result.status == run::RunStatus::Partial)
		ereport(NOTICE, (errmsg("retention: %s: %lld rows pruned in %lld batches (%.1f s); max_runtime reached, the "
		                        "remaining expired rows wait for the next run",
		                        result.policy, rows, batches, seconds)));
	else
		ereport(NOTICE, (errmsg("retention: %s: %lld rows pruned in %lld batches (%.1f s)", result.policy, rows,
		                        batches, seconds)));
	if (result.partitions_dropped > 0)
		ereport(NOTICE, (errmsg("retention: %s: %d whole partitions past the cutoff %s", result.policy,
		                        result.partitions_dropped,
		                        result.dry_run ? "would go" : "dropped or detached")));
	if (result.rows_kept_referenced > 0)
		ereport(NOTICE, (errmsg("retention: %s: %lld expired rows kept: other rows still reference them",
		                        result.policy, (long long)result.rows_kept_referenced)));
}

// A refused or failed run is an error of the caller; otherwise NOTICEs say
// how it went.
void report_run(const char *policy, RunRequest &request) {
	if (request.outcome == RunOutcome::NotStarted)
		raise_refusal(request);
	const run::RunReport &result = request.run;
	if (result.status == run::RunStatus::Failed)
		ereport(ERROR, (errcode(MAKE_SQLSTATE(result.sqlstate[0], result.sqlstate[1], result.sqlstate[2],
		                                      result.sqlstate[3], result.sqlstate[4])),
		                errmsg("retention run %lld of policy \"%s\" failed: %s", (long long)result.run_id, policy,
		                       result.error),
		                request.error_detail[0] ? errdetail("%s", request.error_detail) : 0,
		                errcontext("%llu rows were pruned in %llu committed batches before the failure; they stay "
		                           "pruned, see retention.runs",
		                           (unsigned long long)result.rows_pruned, (unsigned long long)result.batches)));
	notice_outcome(result);
}

TupleDesc runs_tuple_desc(FunctionCallInfo fcinfo) {
	TupleDesc desc;
	if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function returning a record called in a context "
		                                                               "that cannot accept it")));
	return BlessTupleDesc(desc);
}

} // namespace

} // namespace retention::api

using namespace retention;
using namespace retention::api;

RETENTION_FUNCTION(retention_run) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("policy must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("dry_run must not be NULL")));
	char *policy = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bool dry_run = PG_GETARG_BOOL(1);
	if (!dry_run)
		refuse_in_transaction_block("retention.run()");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "retention: SPI_connect failed");
	check_may_run(policy);
	SPI_finish();

	TupleDesc desc = runs_tuple_desc(fcinfo);
	RunRequest result;
	run::run_and_wait(policy, dry_run, true, &result);
	report_run(policy, result);
	PG_RETURN_DATUM(HeapTupleGetDatum(run_row(desc, result.run)));
}

// CALL retention.prune(policy, dry_run): retention.run() as a procedure. It
// commits the CALL's transaction before the run starts, so the waiting
// session holds no snapshot (and no xmin) while the run prunes: vacuum's
// horizon is not held back by it. Reports with NOTICEs; the run's row is in
// retention.runs.
RETENTION_FUNCTION(retention_prune) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("policy must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("dry_run must not be NULL")));
	// On the stack: the CALL's memory outlives the commit below, but this
	// does not depend on it.
	char policy[run::policy_name_max + 1];
	text_to_cstring_buffer(PG_GETARG_TEXT_PP(0), policy, sizeof(policy));
	bool dry_run = PG_GETARG_BOOL(1);
	bool nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
	                 !reinterpret_cast<CallContext *>(fcinfo->context)->atomic;
	if (!dry_run && !nonatomic)
		ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
		                errmsg("retention.prune() cannot run inside a transaction block"),
		                errdetail("It commits the calling transaction before the run, and the run commits every "
		                          "batch on its own."),
		                errhint("CALL it on its own, outside BEGIN ... COMMIT and functions, or use "
		                        "retention.run().")));

	if (SPI_connect_ext(nonatomic ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT)
		elog(ERROR, "retention: SPI_connect failed");
	check_may_run(policy);
	if (nonatomic)
		SPI_commit(); // ends the CALL's transaction and its snapshot; a new one starts, with none
	SPI_finish();

	RunRequest result;
	run::run_and_wait(policy, dry_run, true, &result);
	report_run(policy, result);
	PG_RETURN_VOID();
}

RETENTION_FUNCTION(retention_run_all) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("dry_run must not be NULL")));
	bool dry_run = PG_GETARG_BOOL(0);
	if (!dry_run)
		refuse_in_transaction_block("retention.run_all()");
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

	// The policies to run, as the caller sees them, and which of their tables
	// reference which.
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "retention: SPI_connect failed");
	int level = retention::border::push_internal_search_path();
	retention::border::spi_run("SELECT name FROM retention.policies "
	                           "WHERE enabled AND pg_catalog.pg_has_role(owner, 'MEMBER') ORDER BY name",
	                           0, nullptr, nullptr, nullptr, SPI_OK_SELECT, true);
	int count = int(SPI_processed);
	MemoryContext outer = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	char **names = static_cast<char **>(palloc0(sizeof(char *) * Max(count, 1)));
	MemoryContextSwitchTo(outer);
	for (int i = 0; i < count; i++)
		names[i] = MemoryContextStrdup(rsinfo->econtext->ecxt_per_query_memory,
		                               SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	int *order = prune::order_children_first(names, count);
	retention::border::pop_settings(level);
	SPI_finish();

	for (int i = 0; i < count; i++) {
		const char *policy = names[order[i]];
		RunRequest result;
		run::run_and_wait(policy, dry_run, false, &result);
		if (result.outcome == RunOutcome::NotStarted) {
			ereport(WARNING, (errmsg("retention: %s: not run: %s", policy, result.run.error)));
			continue;
		}
		if (result.run.status == run::RunStatus::Failed)
			ereport(WARNING, (errmsg("retention: %s: run %lld failed: %s", policy, (long long)result.run.run_id,
			                         result.run.error)));
		else
			notice_outcome(result.run);
		HeapTuple tuple = run_row(rsinfo->setDesc, result.run);
		tuplestore_puttuple(rsinfo->setResult, tuple);
	}
	return Datum(0);
}

// retention.explain(policy): what a run would do now, and why, in lines a
// person reads. Whoever may run the policy may explain it; it is carried out
// by a worker as the policy's owner, like a dry run, and deletes nothing
// (so it may run in a transaction block).
RETENTION_FUNCTION(retention_explain) {
	// STRICT: policy is not NULL.
	char *policy = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "retention: SPI_connect failed");
	check_may_run(policy);
	SPI_finish();

	// SETOF text: the expected one-column descriptor.
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	auto *result = static_cast<RunRequest *>(palloc0(sizeof(RunRequest)));
	run::run_and_wait(policy, true, false, result, true);
	if (result->outcome != RunOutcome::Finished)
		raise_refusal(*result);
	char *lines = result->explained;
	while (*lines) {
		char *end = strchr(lines, '\n');
		if (end)
			*end = '\0';
		Datum value = CStringGetTextDatum(lines);
		bool isnull = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		if (!end)
			break;
		lines = end + 1;
	}
	return Datum(0);
}

// retention.cancel(policy): asks the runs of a policy in flight (manual,
// scheduled or dry) to stop after their batch in flight; they are recorded
// 'cancelled', with who cancelled them. Whoever may run the policy may
// cancel it. True when a run was asked to stop.
RETENTION_FUNCTION(retention_cancel) {
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("policy must not be NULL")));
	char *policy = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "retention: SPI_connect failed");
	check_may_run(policy);
	int asked = run::request_cancel(policy);
	if (asked < 0) {
		// Not preloaded: only run workers started for one run exist, and
		// SIGTERM asks such a worker to stop after its batch. A real run is
		// found by its run lock; a dry run holds none.
		asked = 0;
		int level = retention::border::push_internal_search_path();
		int pid = prune::run_lock_holder(policy);
		retention::border::pop_settings(level);
		const char *type = pid > 0 ? GetBackgroundWorkerTypeByPid(pid) : nullptr;
		if (type && strcmp(type, run::worker_application_name) == 0 && kill(pid, SIGTERM) == 0)
			asked = 1;
	}
	SPI_finish();
	PG_RETURN_BOOL(asked > 0);
}
