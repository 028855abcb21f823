// The prune engine: carries out a run in a worker, in its own transactions,
// one per batch, so a run commits as it goes whoever asked for it (a plain
// SELECT, pg_cron, the scheduler), and writes the run's audit row.
//
// This file holds no C++ objects with destructors: PostgreSQL errors are
// caught with PG_TRY around each transaction.
#include "prune/plan/cutoff.hpp"
#include "prune/identity.hpp"
#include "prune/policy_target.hpp"
#include "prune/run_lock.hpp"
#include "prune/engine.hpp"
#include "prune/explain.hpp"
#include "prune/brakes.hpp"
#include "run/in_flight.hpp"
#include "run/request.hpp"
#include "border/spi.hpp"
#include "border/transaction.hpp"
#include "catalog/runs.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::prune {

namespace {

// A failed batch with one of these errors is retried a few times: each is
// about timing, and the next attempt sees a different moment.
bool is_retryable(int sqlerrcode) {
	return sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE || sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED ||
	       sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE || sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION;
}
constexpr int batch_attempts = 4;

// A batch first deletes directly, waiting at most this long for a row
// another session has locked; if it times out, the batch is redone with the
// skip-locked statement (which waits for no row).
constexpr char direct_lock_timeout[] = "100ms";

struct RunState {
	run::RunRequest *request;
	MemoryContext context;
	PolicyTarget *target;
	LOCKTAG lock;
	bool locked;
	int64 run_id;
	TimestampTz started_at;
	bool has_cutoff;
	TimestampTz cutoff;
	Datum cutoff_value;
	Oid cutoff_type;
	int64 rows;
	int64 batches;
	int64 kept_referenced;
	int32 partitions_dropped;
	const char *status;
	ErrorData *error;
	run::InFlight *in_flight;       // this run's entry in the table of runs in flight, if there is one
	int64 expired_estimate;    // the planner's estimate of the expired rows when the run planned; -1: unknown
	WalHistory wal_history;    // for the replica lag brake
	int32 pace_rate;           // max_rows_per_second the pace started with (0: none)
	TimestampTz pace_since;    // when the pace started
	int64 pace_rows;           // rows pruned before it started
	const char *stop_reason;   // why the run stopped early although nothing failed (the error column)

	// The batch being run.
	LeafTarget *leaf;
	bool direct;               // the fast statement; false: the skip-locked one
	bool whole_range;          // block batches: the whole range in one pass (no row limit)
	bool range_contended;      // a row of this block range is locked: skip-locked batches until it is done
	int32 row_limit;           // rows per batch, shrunk to keep batches short
	int64 longest_batch_usecs;
	int64 batch_usecs;
	bool last_slice;           // index slices: this slice ran to the cutoff
	Datum lower_key;
	BlockNumber range_start, range_end;
	int64 batch_rows;
	bool partition_went;       // drop_partition: it was dropped or detached (else left alone)
	bool leaf_gone;            // the partition is no longer the policy's table's: the run leaves it
	bool batch_has_max;
	Datum batch_max;
};

bool stop_wanted(RunState *state) {
	return run::termination_requested() || pg_atomic_read_u32(&state->request->cancel_requested) != 0 ||
	       OidIsValid(run::cancel_requested_by(state->in_flight));
}

// The run's progress for retention.progress: what is left is the estimate
// made when the run planned, less what it pruned since.
void note_progress(RunState *state) {
	int64 remaining = state->expired_estimate < 0 ? -1 : Max(int64(0), state->expired_estimate - state->rows);
	run::note_progress(state->in_flight, state->rows, state->batches, remaining);
}

// Before the batch's work, in its transaction: the policy as it stands now
// must still cover what the batch deletes (see policy_change). If it does
// not, the batch does nothing and the run stops.
bool policy_still_covers(RunState *state) {
	state->stop_reason = policy_change(state->target, state->has_cutoff, state->cutoff);
	if (state->stop_reason)
		state->batch_rows = 0;
	return state->stop_reason == nullptr;
}

// Before a batch deletes from a partition: it must still be one of the
// policy's table (see leaf_still_in_policy); if not, the run leaves it.
bool leaf_still_covered(RunState *state) {
	state->leaf_gone = !leaf_still_in_policy(state->target, state->leaf);
	if (state->leaf_gone) {
		state->batch_rows = 0;
		ereport(LOG, (errmsg("retention: %s: %s is no longer a partition of the policy's table: left alone",
		                     state->target->name, state->leaf->name)));
	}
	return !state->leaf_gone;
}

struct StateCall {
	void (*body)(RunState *);
	RunState *state;
};

void call_with_state(void *argument) {
	auto *call = static_cast<StateCall *>(argument);
	call->body(call->state);
}

// Runs body in a transaction of its own (see border::run_in_transaction).
bool in_transaction(void (*body)(RunState *), RunState *state, ErrorData **error) {
	StateCall call{body, state};
	return border::run_in_transaction(call_with_state, &call, state->context, error);
}

// A statement cancelled by pg_cancel_backend() (or a statement_timeout of
// the server's) cancels the run; any other error fails it.
void take_error(RunState *state, ErrorData *error) {
	if (error->sqlerrcode == ERRCODE_QUERY_CANCELED) {
		state->status = "cancelled";
		state->stop_reason = error->message;
		return;
	}
	state->error = error;
}

// Before a retry of a transaction that failed for timing: a growing pause.
void pause_before_retry(RunState *state, const char *what, int attempt, const ErrorData *error) {
	ereport(LOG, (errmsg("retention: %s: %s failed (%s), retrying", state->target->name, what, error->message)));
	char waiting[160];
	snprintf(waiting, sizeof(waiting), "a retry of the %s: %s", what, error->message ? error->message : "");
	run::note_waiting(state->in_flight, waiting);
	(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 250L * attempt, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	run::note_waiting(state->in_flight, nullptr);
}

// A transaction of the run that is not a batch (planning, a dry run's
// count), retried like a batch when it fails for timing (a lock held on
// the table by a migration, a deadlock). False, with the error taken: the
// run failed or was cancelled.
bool in_transaction_retrying(void (*body)(RunState *), RunState *state, const char *what) {
	for (int attempt = 1;; attempt++) {
		ErrorData *error = nullptr;
		if (in_transaction(body, state, &error))
			return true;
		if (!is_retryable(error->sqlerrcode) || attempt >= batch_attempts || stop_wanted(state)) {
			take_error(state, error);
			return false;
		}
		pause_before_retry(state, what, attempt, error);
		FreeErrorData(error);
	}
}

void refuse(RunState *state, int sqlerrcode, const char *message) {
	ErrorData *error = static_cast<ErrorData *>(palloc0(sizeof(ErrorData)));
	error->sqlerrcode = sqlerrcode;
	error->message = pstrdup(message);
	state->error = error;
}

void start_run(RunState *state) {
	run::RunRequest *request = state->request;
	pgstat_report_activity(STATE_RUNNING, psprintf("retention: starting run of %s", request->policy));
	state->target = load_policy(request->policy, state->context);
	if (!state->target) {
		refuse(state, ERRCODE_UNDEFINED_OBJECT, psprintf("retention policy \"%s\" does not exist", request->policy));
		return;
	}
	PolicyTarget *target = state->target;

	if (!request->dry_run) {
		run_lock_tag(target->name, &state->lock);
		if (LockAcquire(&state->lock, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL) {
			int holder = run_lock_holder(target->name);
			refuse(state, ERRCODE_LOCK_NOT_AVAILABLE,
			       holder == 0 ? psprintf("retention policy \"%s\" is already running", target->name)
			                   : psprintf("retention policy \"%s\" is already running (pid %d)", target->name, holder));
			return;
		}
		state->locked = true;
		(void)catalog::settle_abandoned_runs(target->name);
	}

	state->has_cutoff = !target->keep_forever;
	const char *cutoff_problem =
	    state->has_cutoff ? cutoff_for(&target->retain, GetCurrentTimestamp(), &state->cutoff) : nullptr;
	if (cutoff_problem)
		state->has_cutoff = false;

	catalog::RunStart start{target->name,  request->scheduled, request->dry_run, target->owner,
	                        target->relation_name, state->has_cutoff, state->cutoff};
	state->run_id = catalog::insert_run(start, &state->started_at);
	state->in_flight =
	    run::enter_in_flight(target->name, target->owner, state->run_id, request->dry_run, request->scheduled);
	// A run that cannot have a cutoff fails on record (so the scheduler
	// backs off), and prunes nothing.
	if (cutoff_problem)
		refuse(state, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
		       psprintf("retention policy \"%s\": invalid retain: %s", target->name, cutoff_problem));
}

void plan_run(RunState *state) {
	RunIdentity identity = enter_run_identity(state->target->run_role);
	plan_policy(state->target, state->has_cutoff, state->cutoff, state->context);
	state->cutoff_value = state->target->cutoff_value;
	state->cutoff_type = state->target->cutoff_type;
	state->expired_estimate = estimate_expired(state->target);
	leave_run_identity(identity);
}

int64 sum_counts(RunState *state, bool kept_referenced) {
	int64 total = 0;
	for (int i = 0; i < state->target->nleaves; i++) {
		const char *sql = kept_referenced ? state->target->leaves[i].count_kept_referenced
		                                  : state->target->leaves[i].count_expired;
		if (!sql || state->target->leaves[i].whole_partition_expired)
			continue;
		Oid types[1] = {state->cutoff_type};
		Datum values[1] = {state->cutoff_value};
		border::spi_run(sql, 1, types, values, nullptr, SPI_OK_SELECT, true);
		bool isnull;
		total += DatumGetInt64(border::spi_first_value(&isnull));
	}
	return total;
}

void count_run(RunState *state) {
	RunIdentity identity = enter_run_identity(state->target->run_role);
	state->rows = sum_counts(state, false);
	for (int i = 0; i < state->target->nleaves; i++)
		state->partitions_dropped += state->target->leaves[i].whole_partition_expired ? 1 : 0;
	leave_run_identity(identity);
}

// A whole partition past the cutoff goes in one short transaction.
void drop_partition(RunState *state) {
	if (!policy_still_covers(state))
		return;
	RunIdentity identity = enter_run_identity(state->target->run_role);
	const char *statement = lock_whole_partition(state->target, state->leaf);
	if (statement)
		border::spi_run(statement, 0, nullptr, nullptr, nullptr, SPI_OK_UTILITY);
	leave_run_identity(identity);
	state->batch_rows = 0;
	state->partition_went = statement != nullptr;
	if (!statement) {
		ereport(LOG, (errmsg("retention: %s: partition %s left alone: it no longer lies wholly before the cutoff in "
		                     "the policy's table",
		                     state->target->name, state->leaf->name)));
		return;
	}
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(state->run_id)};
	border::spi_run("UPDATE retention.runs SET partitions_dropped = partitions_dropped OPERATOR(pg_catalog.+) 1 "
	                "WHERE id OPERATOR(pg_catalog.=) $1",
	                1, types, values, nullptr, SPI_OK_UPDATE);
}

void count_kept_referenced(RunState *state) {
	RunIdentity identity = enter_run_identity(state->target->run_role);
	state->kept_referenced = sum_counts(state, true);
	leave_run_identity(identity);
}

// Reads (count, max key) of a batch statement.
void read_batch_result(RunState *state) {
	bool isnull;
	state->batch_rows = DatumGetInt64(border::spi_first_value(&isnull));
	Datum max_key = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	state->batch_has_max = !isnull;
	if (isnull)
		return;
	switch (SPI_gettypeid(SPI_tuptable->tupdesc, 2)) {
	case INT2OID:
		state->batch_max = Int64GetDatum(DatumGetInt16(max_key));
		break;
	case INT4OID:
		state->batch_max = Int64GetDatum(DatumGetInt32(max_key));
		break;
	default: // int8, timestamp, timestamptz, date: passed by value
		state->batch_max = max_key;
	}
}

void count_batch(RunState *state) {
	if (state->batch_rows > 0)
		catalog::add_batch(state->run_id, state->batch_rows,
		                   int32((GetCurrentTimestamp() - GetCurrentTransactionStartTimestamp()) / 1000));
}

const char *batch_lock_timeout(RunState *state) { return state->direct ? direct_lock_timeout : "1s"; }

// What every batch of rows does first: check its policy, enter the run's
// identity, and check that its partition is still the policy's table's
// (under the batch's lock_timeout). False: nothing to delete, and the
// identity already left.
bool begin_batch(RunState *state, RunIdentity *identity) {
	if (!policy_still_covers(state))
		return false;
	*identity = enter_run_identity(state->target->run_role, batch_lock_timeout(state));
	if (leaf_still_covered(state))
		return true;
	leave_run_identity(*identity);
	return false;
}

// A key of the time column as a parameter: epochs widened to bigint.
Datum key_value(Datum value, Oid type) {
	switch (type) {
	case INT2OID:
		return Int64GetDatum(DatumGetInt16(value));
	case INT4OID:
		return Int64GetDatum(DatumGetInt32(value));
	default: // int8, timestamp, timestamptz, date: passed by value
		return value;
	}
}

// One batch through the index. Fast form: find where a slice of row_limit
// index entries from lower_key ends, delete the slice's expired rows with a
// plain DELETE through the index. When more than a batch of rows share one
// time value, or a row of the slice is locked by another session, the batch
// takes at most row_limit rows by ctid from lower_key instead (skipping
// locked rows in the second case).
void delete_batch_by_key(RunState *state) {
	RunIdentity identity;
	if (!begin_batch(state, &identity))
		return;
	Oid types[3] = {state->cutoff_type, state->target->key_type, INT4OID};
	Datum values[3] = {state->cutoff_value, state->lower_key, Int32GetDatum(state->row_limit)};
	bool by_ctid = !state->direct;
	Datum slice_end = highest_key(state->target);
	bool found_end = false;
	if (state->direct) {
		border::spi_run(state->leaf->time_slice_end, 3, types, values, nullptr, SPI_OK_SELECT, true);
		if (SPI_processed > 0) {
			bool isnull;
			Datum end = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			slice_end = key_value(end, SPI_gettypeid(SPI_tuptable->tupdesc, 1));
			found_end = true;
			by_ctid = slice_end == state->lower_key; // a batch of rows with one time value
		}
	}
	if (by_ctid) {
		border::spi_run(state->direct ? state->leaf->delete_by_key_directly : state->leaf->delete_by_key, 3, types,
		                values, nullptr, SPI_OK_SELECT);
		read_batch_result(state);
		state->last_slice = state->batch_rows < state->row_limit || !state->batch_has_max;
		if (state->batch_has_max)
			state->lower_key = state->batch_max;
	} else {
		Oid slice_types[3] = {state->cutoff_type, state->target->key_type, state->target->key_type};
		Datum slice_values[3] = {state->cutoff_value, state->lower_key, slice_end};
		int result = SPI_execute_with_args(state->leaf->delete_time_slice, 3, slice_types, slice_values, nullptr,
		                                   false, 0);
		if (result == SPI_OK_DELETE)
			state->batch_rows = int64(SPI_processed); // a plain DELETE (no archive)
		else if (result == SPI_OK_SELECT)
			read_batch_result(state);
		else
			elog(ERROR, "retention: SPI returned %s for a time slice", SPI_result_code_string(result));
		state->last_slice = !found_end;
		state->lower_key = slice_end;
	}
	leave_run_identity(identity);
	count_batch(state);
}

void delete_batch_by_blocks(RunState *state) {
	RunIdentity identity;
	if (!begin_batch(state, &identity))
		return;
	ItemPointerData first, end;
	ItemPointerSet(&first, state->range_start, 0);
	ItemPointerSet(&end, state->range_end, 0);
	Oid types[4] = {state->cutoff_type, TIDOID, TIDOID, INT4OID};
	Datum values[4] = {state->cutoff_value, PointerGetDatum(&first), PointerGetDatum(&end),
	                   Int32GetDatum(state->row_limit)};
	if (state->direct && state->whole_range) {
		int result = SPI_execute_with_args(state->leaf->delete_block_range, 3, types, values, nullptr, false, 0);
		if (result == SPI_OK_DELETE)
			state->batch_rows = int64(SPI_processed); // a plain DELETE (no archive)
		else if (result == SPI_OK_SELECT)
			read_batch_result(state);
		else
			elog(ERROR, "retention: SPI returned %s for a block range", SPI_result_code_string(result));

		// More than a batch may delete: roll back and redo this range with a limit.
		if (state->batch_rows > state->row_limit)
			ereport(ERROR, (errcode(ERRCODE_CARDINALITY_VIOLATION),
			                errmsg("retention: block range held %lld expired rows, more than a batch",
			                       (long long)state->batch_rows)));
	} else {
		border::spi_run(state->direct ? state->leaf->delete_by_blocks_directly : state->leaf->delete_by_blocks, 4,
		                types, values, nullptr, SPI_OK_SELECT);
		read_batch_result(state);
	}
	leave_run_identity(identity);
	count_batch(state);
}

// How the run went through its tables: 'index', 'blocks', 'partitions' or
// a combination, for the audit row.
const char *run_method(RunState *state) {
	if (!state->target || !state->target->leaves)
		return nullptr;
	bool index = false, blocks = false, partitions = false;
	for (int i = 0; i < state->target->nleaves; i++) {
		const LeafTarget &leaf = state->target->leaves[i];
		partitions = partitions || leaf.whole_partition_expired;
		index = index || (!leaf.whole_partition_expired && leaf.by_key);
		blocks = blocks || (!leaf.whole_partition_expired && !leaf.by_key);
	}
	return psprintf("%s%s%s%s%s", index ? "index" : "", index && (blocks || partitions) ? "+" : "", blocks ? "blocks" : "",
	                blocks && partitions ? "+" : "", partitions ? "partitions" : "");
}

catalog::RunEnd run_end(RunState *state) {
	Oid cancelled_by = run::cancel_requested_by(state->in_flight);
	if (!state->stop_reason && strcmp(state->status, "cancelled") == 0 && OidIsValid(cancelled_by)) {
		const char *role = GetUserNameFromId(cancelled_by, true);
		// In the run's context: it outlives this transaction (the report, the fold).
		state->stop_reason = MemoryContextStrdup(
		    state->context, psprintf("cancelled by role \"%s\" with retention.cancel()", role ? role : "?"));
	}
	catalog::RunEnd end{state->target->name,
	                    state->request->dry_run,
	                    state->request->scheduled,
	                    state->status,
	                    state->rows,
	                    state->batches,
	                    state->partitions_dropped,
	                    state->kept_referenced,
	                    state->error ? state->error->message : state->stop_reason,
	                    state->error ? unpack_sql_state(state->error->sqlerrcode) : nullptr,
	                    run_method(state)};
	return end;
}

void finish_record(RunState *state) {
	state->request->finished_at = catalog::finish_run(state->run_id, run_end(state));
}

void fold_record(RunState *state) { catalog::fold_run(state->run_id, run_end(state)); }

void sleep_between_batches(RunState *state) {
	int64 delay_ms = state->target->batch_delay_usecs / 1000;
	if (delay_ms <= 0 || stop_wanted(state))
		return;
	char waiting[160];
	snprintf(waiting, sizeof(waiting), "batch_delay (%lld ms between batches)", (long long)delay_ms);
	run::note_waiting(state->in_flight, waiting);
	(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, long(Min(delay_ms, int64(INT_MAX))),
	                PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	run::note_waiting(state->in_flight, nullptr);
}

// Runs one batch (body), retrying timing errors. False: the run failed.
// Each batch is tried with the direct statement first; a row lock held by
// another session makes it time out quickly, and the batch is redone with
// the skip-locked statement.
bool run_batch(RunState *state, void (*body)(RunState *)) {
	state->direct = !state->range_contended;
	for (int attempt = 1;; attempt++) {
		ErrorData *error = nullptr;
		// A stack buffer: this runs once per batch, and the run's memory
		// context lives as long as the run.
		char activity[256];
		snprintf(activity, sizeof(activity), "retention: %s: batch %lld of %s", state->target->name,
		         (long long)state->batches + 1, state->leaf->name);
		pgstat_report_activity(STATE_RUNNING, activity);
		TimestampTz started = GetCurrentTimestamp();
		if (in_transaction(body, state, &error)) {
			state->batch_usecs = GetCurrentTimestamp() - started;
			state->longest_batch_usecs = Max(state->longest_batch_usecs, state->batch_usecs);
			if (state->batch_rows > 0) {
				state->rows += state->batch_rows;
				state->batches++;
				pg_atomic_write_u64(&state->request->rows_pruned, uint64(state->rows));
				pg_atomic_write_u64(&state->request->batches, uint64(state->batches));
				note_progress(state);
			}
			if (state->stop_reason) {
				state->status = "cancelled";
				return false;
			}
			return true;
		}
		if (error->sqlerrcode == ERRCODE_CARDINALITY_VIOLATION && state->whole_range) {
			state->whole_range = false; // the range was denser than estimated: use the row limit
			FreeErrorData(error);
			attempt--;
			continue;
		}
		if (error->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE && state->direct) {
			state->direct = false; // someone holds rows of this batch: skip them instead
			state->range_contended = true;
			FreeErrorData(error);
			attempt--;
			continue;
		}
		if (!is_retryable(error->sqlerrcode) || attempt >= batch_attempts || stop_wanted(state)) {
			take_error(state, error);
			return false;
		}
		pause_before_retry(state, "batch", attempt, error);
		FreeErrorData(error);
	}
}

// Why the batch loop stops before the expired rows are gone, if it does.
bool should_stop(RunState *state) {
	if (stop_wanted(state)) {
		state->status = "cancelled";
		return true;
	}
	if (state->target->max_runtime_usecs > 0 &&
	    GetCurrentTimestamp() - state->started_at >= state->target->max_runtime_usecs) {
		state->status = "partial";
		return true;
	}
	return false;
}

// A worker's settings are read again when the server's configuration is
// reloaded, between batches: retention.pause and retention.max_replica_lag
// act on runs in flight.
void reload_settings_if_asked() {
	if (ConfigReloadPending) {
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

// Waits up to ms (woken by a cancel, a reload or a termination).
void nap(int64 ms) {
	(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, long(Max(int64(1), Min(ms, int64(1000)))),
	                PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

// Before every batch of a real run, the brakes, in one place: the run
// waits while retention.pause is on or a standby is too far behind, then
// for its max_rows_per_second pace: a batch of up to `upcoming` rows starts
// only once the rows pruned since the pace began, and these, fit the rate
// (so a run of R rows takes R / max_rows_per_second seconds).
// retention.progress says what it waits for. Waiting counts against
// max_runtime, and a cancel ends it. False: the run stops (cancelled, or
// partial).
bool hold_before_batch(RunState *state, int64 upcoming) {
	for (;;) {
		reload_settings_if_asked();
		if (should_stop(state))
			return false;
		const char *brake = state->request->dry_run ? nullptr : brake_now(&state->wal_history);
		if (!brake)
			break;
		run::note_waiting(state->in_flight, brake);
		nap(1000);
	}
	int32 rate = state->request->dry_run ? 0 : state->target->max_rows_per_second;
	if (rate != state->pace_rate) { // the policy's rate changed (or the pace starts): pace from now
		state->pace_rate = rate;
		state->pace_since = GetCurrentTimestamp();
		state->pace_rows = state->rows;
	}
	for (;;) {
		int64 delay = pace_delay_usecs(rate, state->rows - state->pace_rows + upcoming, state->pace_since,
		                               GetCurrentTimestamp());
		if (delay <= 0)
			break;
		char waiting[160];
		snprintf(waiting, sizeof(waiting), "rate limit: max_rows_per_second = %d", rate);
		run::note_waiting(state->in_flight, waiting);
		nap(delay / 1000);
		reload_settings_if_asked();
		if (should_stop(state))
			return false;
	}
	run::note_waiting(state->in_flight, nullptr);
	return true;
}

// At most a second of the rate limit per batch, so that the pace is even.
int32 rate_capped(const RunState *state, int64 rows) {
	int32 rate = state->request->dry_run ? 0 : state->target->max_rows_per_second;
	return int32(rate > 0 ? Min(rows, int64(rate)) : rows);
}

// Through an index on the time column, oldest first; each batch starts where
// the last one ended, so no batch walks over what earlier ones deleted.
// Batches are sized by time as well as by rows: a batch that took longer
// than retention.batch_time_target shrinks the next one, a quick one lets
// it grow back up to batch_size.
int32 next_row_limit(RunState *state) {
	int64 target_usecs = int64(setting_batch_time_target_ms) * 1000;
	int64 limit = state->row_limit;
	if (state->batch_usecs > target_usecs)
		limit = limit * target_usecs / Max(state->batch_usecs, int64(1));
	else if (state->batch_usecs < target_usecs / 2)
		limit *= 2;
	int64 smallest = Min(int64(100), int64(state->target->batch_size));
	return rate_capped(state, Min(Max(limit, smallest), int64(state->target->batch_size)));
}

bool prune_by_key(RunState *state) {
	state->lower_key = lowest_key(state->target);
	state->row_limit = rate_capped(state, state->target->batch_size);
	for (;;) {
		if (!hold_before_batch(state, state->row_limit))
			return false;
		state->range_contended = false; // contention is about the rows of one batch
		if (!run_batch(state, delete_batch_by_key))
			return false;
		if (state->last_slice || state->leaf_gone)
			return true;
		state->row_limit = next_row_limit(state);
		if (state->batch_rows > 0)
			sleep_between_batches(state);
	}
}

// Without such an index: walk the heap once, in ranges of blocks sized to
// hold about one batch of expired rows each.
bool prune_by_blocks(RunState *state) {
	LeafTarget *leaf = state->leaf;
	constexpr uint32 max_range = 1u << 17;
	// Ranges aim below batch_size, so that a range a little denser than the
	// last one still fits in one batch instead of being redone.
	int64 range_rows = Max(int64(1), int64(rate_capped(state, state->target->batch_size)) * 3 / 4);
	uint32 range = 64;
	if (leaf->tuples > 0 && leaf->blocks > 0) {
		double rows_per_block = leaf->tuples / leaf->blocks;
		range = uint32(Max(1.0, Min(double(max_range), range_rows / Max(rows_per_block, 1.0))));
	}
	int64 found_in_range = 0;
	int64 target_usecs = int64(setting_batch_time_target_ms) * 1000;
	BlockNumber next = 0;
	state->row_limit = rate_capped(state, state->target->batch_size);
	state->range_contended = false;
	while (next < leaf->blocks) {
		if (!hold_before_batch(state, state->row_limit))
			return false;
		state->range_start = next;
		state->range_end = next + Min(BlockNumber(range), leaf->blocks - next);
		state->whole_range = true;
		if (!run_batch(state, delete_batch_by_blocks))
			return false;
		if (state->leaf_gone)
			return true;
		found_in_range += state->batch_rows;
		// Only the one-pass statement finishes a range whatever it held; a
		// batch with a row limit (after a dense range or a locked row) that
		// reached it comes back to the same range.
		bool range_done = (state->direct && state->whole_range) || state->batch_rows < state->row_limit;
		if (range_done) {
			state->range_contended = false;
			uint32 by_rows = plan::next_block_range(range, found_in_range, range_rows, 1, max_range);
			// A range's time grows with its blocks: the next one is sized to
			// take about batch_time_target, however few expired rows the last
			// one held (ranges of young rows only would otherwise keep doubling).
			uint32 by_time = state->batch_usecs > 0
			                     ? uint32(Min(int64(max_range),
			                                  Max(int64(1), int64(range) * target_usecs / state->batch_usecs)))
			                     : by_rows;
			range = Min(by_rows, by_time);
			next = state->range_end;
			found_in_range = 0;
		}
		if (state->batch_rows > 0)
			sleep_between_batches(state);
	}
	return true;
}

#ifdef USE_LZ4
constexpr char preferred_wal_compression[] = "lz4";
#else
constexpr char preferred_wal_compression[] = "pglz";
#endif

void set_synchronous_commit(const char *value) {
	(void)set_config_option("synchronous_commit", value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
}

void set_wal_compression(const char *value) {
	(void)set_config_option("wal_compression", value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
}

} // namespace

void execute_run(run::RunRequest *request, MemoryContext context) {
	if (request->explain) {
		explain_policy(request, context);
		return;
	}
	RunState state{};
	state.request = request;
	state.context = context;
	state.expired_estimate = -1;
	MemoryContextSwitchTo(state.context);
	state.status = "succeeded";

	char *configured_synchronous_commit = pstrdup(GetConfigOption("synchronous_commit", false, false));
	char *configured_wal_compression = pstrdup(GetConfigOption("wal_compression", false, false));
	// Deleting rows after a checkpoint writes a full-page image of every
	// page it touches first: most of a run's WAL. Compressed, the benchmark's
	// runs write 81 bytes per pruned row instead of 205 (docs/benchmarks.md).
	if (setting_compress_wal && strcmp(configured_wal_compression, "off") == 0)
		set_wal_compression(preferred_wal_compression);

	// The run row commits as configured (durably by default): a run that
	// began is on record whatever happens to it later.
	ErrorData *error = nullptr;
	if (!in_transaction(start_run, &state, &error)) {
		state.error = error;
		state.run_id = 0; // its row was rolled back with the transaction
	}
	// By default (retention.batch_synchronous_commit = off) batches commit
	// without waiting for their WAL to reach the disk. A crash can then
	// undo the last few batches of a run: their rows come back together with
	// their audit counts (same transaction) and the next run prunes them
	// again. No row is lost that way, and a batch does not pay a WAL flush.
	// The run's closing commit uses the configured setting, and so makes
	// every batch before it durable before the run reports.
	set_synchronous_commit(GetConfigOption("retention.batch_synchronous_commit", false, false));
	if (state.run_id == 0) {
		// Refused before a run row existed: nothing ran.
		request->outcome = run::RunOutcome::NotStarted;
		if (state.error) {
			strlcpy(request->error, state.error->message ? state.error->message : "", sizeof(request->error));
			strlcpy(request->sqlstate, unpack_sql_state(state.error->sqlerrcode), sizeof(request->sqlstate));
		}
		if (state.locked)
			LockRelease(&state.lock, ExclusiveLock, true);
		run::leave_in_flight(state.in_flight);
		set_synchronous_commit(configured_synchronous_commit);
		set_wal_compression(configured_wal_compression);
		return;
	}

	PolicyTarget *target = state.target;
	if (state.has_cutoff) {
		run::note_phase(state.in_flight, "planning");
		if (!in_transaction_retrying(plan_run, &state, "planning")) {
			// failed or cancelled
		} else if (request->dry_run) {
			run::note_phase(state.in_flight, "counting");
			(void)in_transaction_retrying(count_run, &state, "counting");
		} else {
			note_progress(&state);
			for (int i = 0; i < target->nleaves && !state.error && strcmp(state.status, "succeeded") == 0; i++) {
				state.leaf = &target->leaves[i];
				if (state.leaf->whole_partition_expired) {
					run::note_phase(state.in_flight, "dropping partitions");
					if (hold_before_batch(&state, 0) && run_batch(&state, drop_partition) && state.partition_went)
						state.partitions_dropped++;
					continue;
				}
				run::note_phase(state.in_flight, state.leaf->by_key ? "pruning (index)" : "pruning (blocks)");
				(void)(state.leaf->by_key ? prune_by_key(&state) : prune_by_blocks(&state));
			}
		}
		bool any_guard = false;
		for (int i = 0; i < target->nleaves; i++)
			any_guard = any_guard || target->leaves[i].count_kept_referenced != nullptr;
		if (any_guard && !state.error && !stop_wanted(&state))
			run::note_phase(state.in_flight, "counting rows kept");
		if (any_guard && !state.error && !stop_wanted(&state) && !in_transaction(count_kept_referenced, &state, &error))
			ereport(LOG, (errmsg("retention: %s: could not count rows kept for references: %s", target->name,
			                     error->message)));
	}
	if (state.error)
		state.status = "failed";

	// The closing commit waits for its WAL flush (and synchronous standbys)
	// as configured, and with it for every batch before it.
	set_synchronous_commit(configured_synchronous_commit);
	run::note_phase(state.in_flight, "finishing");
	if (!in_transaction(finish_record, &state, &error))
		ereport(WARNING, (errmsg("retention: could not complete run %lld of policy \"%s\": %s",
		                         (long long)state.run_id, target->name, error->message)));
	else if (!in_transaction(fold_record, &state, &error))
		ereport(LOG, (errmsg("retention: could not fold run %lld of policy \"%s\" into the one before: %s",
		                     (long long)state.run_id, target->name, error->message)));
	if (state.locked)
		LockRelease(&state.lock, ExclusiveLock, true);
	run::leave_in_flight(state.in_flight);
	// A warm worker serves the next run with the settings as configured then.
	set_wal_compression(configured_wal_compression);

	ereport(LOG, (errmsg("retention: %s: run %lld %s: %lld rows %s in %lld batches", target->name,
	                     (long long)state.run_id, state.status, (long long)state.rows,
	                     request->dry_run ? "would be pruned" : "pruned", (long long)state.batches)));

	request->run_id = state.run_id;
	request->started_at = state.started_at;
	request->has_cutoff = state.has_cutoff;
	request->cutoff = state.cutoff;
	request->rows_kept_referenced = state.kept_referenced;
	request->partitions_dropped = state.partitions_dropped;
	request->longest_batch_ms = int32(state.longest_batch_usecs / 1000);
	if (const char *method = run_method(&state))
		strlcpy(request->method, method, sizeof(request->method));
	request->owner = target->owner;
	request->worker_pid = MyProcPid;
	strlcpy(request->relation, target->relation_name, sizeof(request->relation));
	strlcpy(request->status, state.status, sizeof(request->status));
	pg_atomic_write_u64(&request->rows_pruned, uint64(state.rows));
	pg_atomic_write_u64(&request->batches, uint64(state.batches));
	if (state.error) {
		strlcpy(request->error, state.error->message ? state.error->message : "", sizeof(request->error));
		strlcpy(request->error_detail, state.error->detail ? state.error->detail : "", sizeof(request->error_detail));
		strlcpy(request->error_hint, state.error->hint ? state.error->hint : "", sizeof(request->error_hint));
		strlcpy(request->sqlstate, unpack_sql_state(state.error->sqlerrcode), sizeof(request->sqlstate));
	} else if (state.stop_reason) {
		strlcpy(request->error, state.stop_reason, sizeof(request->error));
	}
	pg_write_barrier();
	request->outcome = run::RunOutcome::Finished;
}

} // namespace retention::prune
