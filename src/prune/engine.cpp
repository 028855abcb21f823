// The prune engine: carries out a run in a worker, in its own transactions,
// one per batch, so a run commits as it goes whoever asked for it (a plain
// SELECT, pg_cron, the scheduler), and writes the run's audit row.
//
// A run, in order: start (run lock, run row), plan (the statements, fixed
// from then on: RunPlan), walk each table through its index (a key cursor)
// or its blocks (a block cursor), one batch at a time (batch.cpp), holding
// before each batch for the brakes and the pace (hold_before_batch, the one
// place a run waits between batches), then complete the run row from the
// run's report (run/report.hpp).
//
// This file holds no C++ objects with destructors: PostgreSQL errors are
// caught with PG_TRY around each transaction.
#include "prune/plan/cutoff.hpp"
#include "prune/batch.hpp"
#include "prune/identity.hpp"
#include "prune/policy_target.hpp"
#include "prune/run_lock.hpp"
#include "prune/engine.hpp"
#include "prune/explain.hpp"
#include "prune/brakes.hpp"
#include "prune/distributed.hpp"
#include "citus/metadata.hpp"
#include "run/in_flight.hpp"
#include "run/request.hpp"
#include "border/spi.hpp"
#include "border/transaction.hpp"
#include "catalog/runs.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::prune {

using plan::BatchFailure;
using plan::BatchForm;
using run::RunStatus;

namespace {

// A failed batch with one of these errors is retried a few times: each is
// about timing, and the next attempt sees a different moment.
bool is_retryable(int sqlerrcode) {
	return sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE || sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED ||
	       sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE || sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION;
}
constexpr int batch_attempts = 4;

BatchFailure failure_of(int sqlerrcode) {
	if (sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
		return BatchFailure::LockTimeout;
	if (sqlerrcode == ERRCODE_CARDINALITY_VIOLATION)
		return BatchFailure::MoreThanABatch;
	return BatchFailure::Other;
}

// The pace of a run, between batches: max_rows_per_second (the policy's,
// read again by every batch) and its share of retention.max_wal_per_second.
// Each pace counts from when its limit last changed.
struct Pace {
	int32 max_rows_per_second;   // the policy's as the last batch read it (0: none)
	int32 rate;                  // the rate the row pace started with
	TimestampTz rate_since;
	int64 rows_before;           // rows pruned before then
	int64 wal_budget;            // bytes per second the WAL pace started with (0: none)
	TimestampTz wal_since;
	int64 wal_before;            // own_wal_bytes() then
	int64 wal_at_start;          // own_wal_bytes() when the run started
	WalHistory wal_history;      // for the replica lag brake
};

// A run in progress.
struct Run {
	run::RunRequest *request;    // what was asked (policy, dry run, trigger; cancel)
	MemoryContext context;       // everything of the run lives here
	PolicyTarget *target;        // the policy as loaded; planned by plan_run, read only after that
	RunPlan plan;                // fixed once the run planned
	run::RunReport report;       // what the run tells: filled as it goes, handed over at the end
	LOCKTAG lock;
	bool locked;
	run::InFlight *in_flight;    // this run's entry in the table of runs in flight, if there is one
	int64 expired_estimate;      // the planner's estimate of the expired rows when the run planned; -1: unknown
	int64 longest_batch_usecs;
	ErrorData *error;            // what failed the run, or nullptr
	const char *stop_reason;     // why the run stopped early although nothing failed (the error column)
	Pace pace;
};

bool stop_wanted(const Run *run) {
	return run::termination_requested() || pg_atomic_read_u32(&run->request->cancel_requested) != 0 ||
	       OidIsValid(run::cancel_requested_by(run->in_flight));
}

bool going_on(const Run *run) {
	return !run->error && run->report.status == RunStatus::Succeeded && !run->request->shard.absent;
}

bool is_shard_run(const Run *run) { return run->request->shard.active; }

// The run's progress for retention.progress: what is left is the estimate
// made when the run planned, less what it pruned since.
void note_progress(Run *run) {
	int64 rows = run->report.rows_pruned;
	int64 remaining = run->expired_estimate < 0 ? -1 : Max(int64(0), run->expired_estimate - rows);
	run::note_progress(run->in_flight, rows, run->report.batches, remaining);
}

// ---------------------------------------------------------------- transactions

struct RunCall {
	void (*body)(Run *);
	Run *run;
};

void call_run(void *argument) {
	auto *call = static_cast<RunCall *>(argument);
	call->body(call->run);
}

// Runs body in a transaction of its own (see border::run_in_transaction).
bool in_transaction(void (*body)(Run *), Run *run, ErrorData **error) {
	RunCall call{body, run};
	return border::run_in_transaction(call_run, &call, run->context, error);
}

// A statement cancelled by pg_cancel_backend() (or a statement_timeout of
// the server's) cancels the run; any other error fails it.
void take_error(Run *run, ErrorData *error) {
	if (error->sqlerrcode == ERRCODE_QUERY_CANCELED) {
		run->report.status = RunStatus::Cancelled;
		run->stop_reason = error->message;
		return;
	}
	run->error = error;
}

// Waits up to ms (woken by a cancel, a reload or a termination).
void nap(int64 ms) {
	(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, long(Max(int64(1), Min(ms, int64(INT_MAX)))),
	                PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

// Before a retry of a transaction that failed for timing: a growing pause.
void pause_before_retry(Run *run, const char *what, int attempt, const ErrorData *error) {
	ereport(LOG, (errmsg("retention: %s: %s failed (%s), retrying", run->target->name, what, error->message)));
	char waiting[160];
	snprintf(waiting, sizeof(waiting), "a retry of the %s: %s", what, error->message ? error->message : "");
	run::note_waiting(run->in_flight, waiting);
	nap(250L * attempt);
	run::note_waiting(run->in_flight, nullptr);
}

// A transaction of the run that is not a batch (planning, a dry run's
// count), retried like a batch when it fails for timing (a lock held on
// the table by a migration, a deadlock). False, with the error taken: the
// run failed or was cancelled.
bool in_transaction_retrying(void (*body)(Run *), Run *run, const char *what) {
	for (int attempt = 1;; attempt++) {
		ErrorData *error = nullptr;
		if (in_transaction(body, run, &error))
			return true;
		if (!is_retryable(error->sqlerrcode) || attempt >= batch_attempts || stop_wanted(run)) {
			take_error(run, error);
			return false;
		}
		pause_before_retry(run, what, attempt, error);
		FreeErrorData(error);
	}
}

// ------------------------------------------------------------- start and plan

void refuse(Run *run, int sqlerrcode, const char *message) {
	ErrorData *error = static_cast<ErrorData *>(palloc0(sizeof(ErrorData)));
	error->sqlerrcode = sqlerrcode;
	error->message = pstrdup(message);
	run->error = error;
}

void start_run(Run *run) {
	run::RunRequest *request = run->request;
	pgstat_report_activity(STATE_RUNNING, psprintf("retention: starting run of %s", request->policy));
	run->target = load_policy(request->policy, run->context);
	if (!run->target) {
		refuse(run, ERRCODE_UNDEFINED_OBJECT, psprintf("retention policy \"%s\" does not exist", request->policy));
		return;
	}
	PolicyTarget *target = run->target;

	if (!request->dry_run) {
		run_lock_tag(target->name, &run->lock);
		if (LockAcquire(&run->lock, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL) {
			int holder = run_lock_holder(target->name);
			refuse(run, ERRCODE_LOCK_NOT_AVAILABLE,
			       holder == 0 ? psprintf("retention policy \"%s\" is already running", target->name)
			                   : psprintf("retention policy \"%s\" is already running (pid %d)", target->name, holder));
			return;
		}
		run->locked = true;
		(void)catalog::settle_abandoned_runs(target->name);
	}

	run::RunReport &report = run->report;
	report.has_cutoff = !target->keep_forever;
	const char *cutoff_problem =
	    report.has_cutoff ? cutoff_for(&target->retain, GetCurrentTimestamp(), &report.cutoff) : nullptr;
	if (cutoff_problem)
		report.has_cutoff = false;
	report.owner = target->owner;
	strlcpy(report.relation, target->relation_name, sizeof(report.relation));
	catalog::insert_run(&report);
	run->in_flight =
	    run::enter_in_flight(target->name, target->owner, report.run_id, request->dry_run, request->scheduled);
	// A run that cannot have a cutoff fails on record (so the scheduler
	// backs off), and prunes nothing.
	if (cutoff_problem)
		refuse(run, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
		       psprintf("retention policy \"%s\": invalid retain: %s", target->name, cutoff_problem));
}

// A shard run (retention.prune_shard() on a Citus node): no policy row and
// no run row here; the shard relation of this node's active placement, or
// none (work.absent: the coordinator looks for the shard elsewhere). One
// run per shard at once.
void start_shard_run(Run *run) {
	run::RunRequest *request = run->request;
	run::ShardWork &work = request->shard;
	pgstat_report_activity(STATE_RUNNING, psprintf("retention: %s: starting shard %lld", request->policy,
	                                               (long long)work.shard));
	citus::show_shards_in_session();
	Oid shard_relid = citus::shard_here(work.relid, work.shard);
	if (!OidIsValid(shard_relid)) {
		work.absent = true;
		return;
	}
	run->target = shard_policy(request->policy, work, shard_relid, request->requested_by, run->context);
	PolicyTarget *target = run->target;
	const char *lock_name = psprintf("citus shard %lld", (long long)work.shard);
	run_lock_tag(lock_name, &run->lock);
	if (LockAcquire(&run->lock, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL) {
		refuse(run, ERRCODE_LOCK_NOT_AVAILABLE,
		       psprintf("shard %lld (%s) is already being pruned by another run", (long long)work.shard,
		                target->relation_name));
		return;
	}
	run->locked = true;
	run::RunReport &report = run->report;
	report.has_cutoff = true;
	report.cutoff = work.cutoff;
	report.owner = target->owner;
	strlcpy(report.relation, target->relation_name, sizeof(report.relation));
	report.run_id = work.coordinator_run_id;
	report.started_at = GetCurrentTimestamp();
	run->in_flight = run::enter_in_flight(target->name, target->owner, report.run_id, false, false);
}

void plan_run(Run *run) {
	RunIdentity identity = enter_run_identity(run->target->run_role);
	plan_policy(run->target, run->report.has_cutoff, run->report.cutoff, run->context);
	run->expired_estimate = estimate_expired(run->target);
	leave_run_identity(identity);
	run->plan = RunPlan{run->target,         run->report.run_id,       run->report.has_cutoff,
	                    run->report.cutoff,  run->target->cutoff_value, run->target->cutoff_type,
	                    !is_shard_run(run)};
	run->pace.max_rows_per_second = run->target->max_rows_per_second;
}

int64 sum_counts(const Run *run, bool kept_referenced) {
	int64 total = 0;
	for (int i = 0; i < run->target->nleaves; i++) {
		const LeafTarget &leaf = run->target->leaves[i];
		const char *sql = kept_referenced ? leaf.count_kept_referenced : leaf.count_expired;
		if (!sql || leaf.whole_partition_expired)
			continue;
		Oid types[1] = {run->plan.cutoff_type};
		Datum values[1] = {run->plan.cutoff_value};
		border::spi_run(sql, 1, types, values, nullptr, SPI_OK_SELECT, true);
		bool isnull;
		total += DatumGetInt64(border::spi_first_value(&isnull));
	}
	return total;
}

// A dry run: what a real run would prune now.
void count_run(Run *run) {
	RunIdentity identity = enter_run_identity(run->target->run_role);
	run->report.rows_pruned = sum_counts(run, false);
	for (int i = 0; i < run->target->nleaves; i++)
		run->report.partitions_dropped += run->target->leaves[i].whole_partition_expired ? 1 : 0;
	leave_run_identity(identity);
}

void count_kept_referenced(Run *run) {
	RunIdentity identity = enter_run_identity(run->target->run_role);
	run->report.rows_kept_referenced = sum_counts(run, true);
	leave_run_identity(identity);
}

// ---------------------------------------------------------------- between batches

// Why the batch loop stops before the expired rows are gone, if it does.
bool should_stop(Run *run) {
	if (stop_wanted(run)) {
		run->report.status = RunStatus::Cancelled;
		return true;
	}
	if (run->target->max_runtime_usecs > 0 &&
	    GetCurrentTimestamp() - run->report.started_at >= run->target->max_runtime_usecs) {
		run->report.status = RunStatus::Partial;
		return true;
	}
	return false;
}

// A worker's settings are read again when the server's configuration is
// reloaded, between batches: retention.pause, retention.max_replica_lag and
// retention.max_wal_per_second act on runs in flight.
void reload_settings_if_asked() {
	if (ConfigReloadPending) {
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

// How long the pace wants the run to wait before a batch of up to
// `upcoming` rows, and why (into waiting): the rows since the row pace began,
// and these, must fit max_rows_per_second; the WAL the run wrote since the
// WAL pace began must fit its share of retention.max_wal_per_second.
// waiting is written only when there is a delay.
int64 pace_delay(Run *run, int64 upcoming, char *waiting, size_t size) {
	Pace &pace = run->pace;
	bool dry_run = run->request->dry_run;
	TimestampTz now = GetCurrentTimestamp();
	int32 rate = dry_run ? 0 : pace.max_rows_per_second;
	if (rate != pace.rate) { // the policy's rate changed (or the pace starts): pace from now
		pace.rate = rate;
		pace.rate_since = now;
		pace.rows_before = run->report.rows_pruned;
	}
	int64 budget = dry_run ? 0 : wal_budget_bytes_per_second();
	if (budget != pace.wal_budget) { // the setting or the runs sharing it changed: pace from now
		pace.wal_budget = budget;
		pace.wal_since = now;
		pace.wal_before = own_wal_bytes();
	}
	int64 rate_delay = pace_delay_usecs(rate, run->report.rows_pruned - pace.rows_before + upcoming, pace.rate_since, now);
	int64 wal_delay = pace_delay_usecs(budget, own_wal_bytes() - pace.wal_before, pace.wal_since, now);
	if (rate_delay <= 0 && wal_delay <= 0)
		return 0;
	if (rate_delay >= wal_delay)
		snprintf(waiting, size, "rate limit: max_rows_per_second = %d", rate);
	else
		snprintf(waiting, size, "WAL pace: retention.max_wal_per_second = %s%s",
		         GetConfigOptionByName("retention.max_wal_per_second", nullptr, false),
		         run::real_runs_in_flight() > 1 ? ", shared by the runs in flight" : "");
	return Max(rate_delay, wal_delay);
}

// Before every batch of a real run, the brakes and the pace, in one place:
// the run waits while retention.pause is on or a standby is too far behind
// (brake_now), then for its pace (pace_delay). retention.progress says what
// it waits for. Waiting counts against max_runtime, and a cancel ends it.
// False: the run stops (cancelled, or partial).
bool hold_before_batch(Run *run, int64 upcoming) {
	for (;;) {
		reload_settings_if_asked();
		if (should_stop(run))
			return false;
		const char *brake = run->request->dry_run ? nullptr : brake_now(&run->pace.wal_history);
		if (!brake)
			break;
		run::note_waiting(run->in_flight, brake);
		nap(1000);
	}
	for (;;) {
		char waiting[160];
		int64 delay = pace_delay(run, upcoming, waiting, sizeof(waiting));
		if (delay <= 0)
			break;
		run::note_waiting(run->in_flight, waiting);
		nap(Min(delay / 1000, int64(1000)));
		reload_settings_if_asked();
		if (should_stop(run))
			return false;
	}
	run::note_waiting(run->in_flight, nullptr);
	return true;
}

// The policy's batch_delay, after a batch that deleted rows.
void sleep_between_batches(Run *run) {
	int64 delay_ms = run->target->batch_delay_usecs / 1000;
	if (delay_ms <= 0 || stop_wanted(run))
		return;
	char waiting[160];
	snprintf(waiting, sizeof(waiting), "batch_delay (%lld ms between batches)", (long long)delay_ms);
	run::note_waiting(run->in_flight, waiting);
	nap(delay_ms);
	run::note_waiting(run->in_flight, nullptr);
}

// At most a second of the rate limit per batch, so that the pace is even.
// And while the WAL is paced, at most a hundredth of a second of the run's
// WAL budget (by the WAL per row the run wrote so far): a writer's commit
// waits for every WAL byte written before it to be flushed, so the size of
// a batch's burst of WAL, not only the average rate, is what writers notice
// (docs/benchmarks.md, "Impact": at 4 MB/s, 2 800-row batches doubled the
// writers' p99, 500-row ones did not).
constexpr int64 wal_bursts_per_second = 100;

int32 rate_capped(const Run *run, int64 rows) {
	if (run->request->dry_run)
		return int32(rows);
	int32 rate = run->pace.max_rows_per_second;
	if (rate > 0)
		rows = Min(rows, int64(rate));
	int64 budget = wal_budget_bytes_per_second();
	if (budget > 0) {
		int64 pruned = run->report.rows_pruned;
		int64 per_row = pruned > 0 ? Max(int64(1), (own_wal_bytes() - run->pace.wal_at_start) / pruned) : 100;
		rows = Min(rows, Max(int64(100), budget / wal_bursts_per_second / per_row));
	}
	return int32(rows);
}

// ---------------------------------------------------------------- batches

struct BatchCall {
	const RunPlan *plan;
	BatchInput input;
	bool whole_partition;   // drop_partition instead of delete_batch
	bool partition_went;    // out
	BatchResult result;     // out
};

void batch_body(void *argument) {
	auto *call = static_cast<BatchCall *>(argument);
	call->result = call->whole_partition ? drop_partition(*call->plan, call->input.leaf, &call->partition_went)
	                                     : delete_batch(*call->plan, call->input);
}

// Counts what a committed batch did.
void count_batch(Run *run, const BatchCall &call, int64 usecs) {
	run->longest_batch_usecs = Max(run->longest_batch_usecs, usecs);
	run->pace.max_rows_per_second = call.result.max_rows_per_second;
	if (call.partition_went)
		run->report.partitions_dropped++;
	if (call.result.rows <= 0)
		return;
	run->report.rows_pruned += call.result.rows;
	run->report.batches++;
	pg_atomic_write_u64(&run->request->rows_pruned, uint64(run->report.rows_pruned));
	pg_atomic_write_u64(&run->request->batches, uint64(run->report.batches));
	note_progress(run);
}

// Runs one batch in a transaction of its own. A failure redoes it at once
// in the form plan::form_after() names (a locked row: skip locked rows; a
// range denser than a batch: with the row limit), or retries it after a
// pause when it is about timing. *input's form is the one that committed.
// False: the run ends (failed, cancelled, or the policy changed).
bool run_batch(Run *run, BatchInput *input, bool whole_partition, BatchResult *result, int64 *usecs) {
	for (int attempt = 1;; attempt++) {
		// A stack buffer: this runs once per batch, and the run's memory
		// context lives as long as the run.
		char activity[256];
		snprintf(activity, sizeof(activity), "retention: %s: batch %lld of %s", run->target->name,
		         (long long)run->report.batches + 1, input->leaf->name);
		pgstat_report_activity(STATE_RUNNING, activity);
		BatchCall call{&run->plan, *input, whole_partition, false, {}};
		ErrorData *error = nullptr;
		TimestampTz started = GetCurrentTimestamp();
		if (border::run_in_transaction(batch_body, &call, run->context, &error)) {
			*usecs = GetCurrentTimestamp() - started;
			*result = call.result;
			count_batch(run, call, *usecs);
			if (call.result.shard_moved) {
				run->request->shard.absent = true; // the coordinator prunes it where it is now
				return false;
			}
			if (call.result.stop_reason) {
				run->report.status = RunStatus::Cancelled;
				run->stop_reason = call.result.stop_reason;
				return false;
			}
			return true;
		}
		// Rows of a Citus table through the coordinator are not skipped by
		// ctid (each copy of a reference table has its own): a lock timeout
		// is retried after a pause.
		auto next = plan::form_after(input->form, failure_of(error->sqlerrcode));
		if (next && *next == BatchForm::KeyRowsSkipLocked && run->target->citus_kind != citus::TableKind::Plain)
			next.reset();
		if (next && !whole_partition) {
			input->form = *next;
			FreeErrorData(error);
			attempt--;
			continue;
		}
		if (!is_retryable(error->sqlerrcode) || attempt >= batch_attempts || stop_wanted(run)) {
			take_error(run, error);
			return false;
		}
		pause_before_retry(run, "batch", attempt, error);
		FreeErrorData(error);
	}
}

// ---------------------------------------------------------------- the two paths

// Through an index on the time column, oldest first; each batch starts where
// the last one ended (the key cursor), so no batch walks over what earlier
// ones deleted. Batches are sized by time as well as by rows: a batch that
// took longer than retention.batch_time_target shrinks the next one, a
// quick one lets it grow back up to batch_size.
int32 next_row_limit(const Run *run, int32 row_limit, int64 batch_usecs) {
	int64 target_usecs = int64(setting_batch_time_target_ms) * 1000;
	int64 limit = row_limit;
	if (batch_usecs > target_usecs)
		limit = limit * target_usecs / Max(batch_usecs, int64(1));
	else if (batch_usecs < target_usecs / 2)
		limit *= 2;
	int64 smallest = Min(int64(100), int64(run->target->batch_size));
	return rate_capped(run, Min(Max(limit, smallest), int64(run->target->batch_size)));
}

bool prune_by_key(Run *run, const LeafTarget *leaf) {
	BatchInput input{leaf, BatchForm::KeySlice, rate_capped(run, run->target->batch_size), lowest_key(run->target), 0, 0};
	for (;;) {
		if (!hold_before_batch(run, input.row_limit))
			return false;
		input.form = plan::first_form(true, false); // contention is about the rows of one batch
		BatchResult result;
		int64 usecs = 0;
		if (!run_batch(run, &input, false, &result, &usecs))
			return false;
		if (result.reached_cutoff || result.leaf_gone)
			return true;
		input.lower_key = result.next_key;
		input.row_limit = next_row_limit(run, input.row_limit, usecs);
		if (result.rows > 0)
			sleep_between_batches(run);
	}
}

// Without such an index: walk the heap once (the block cursor), in ranges
// of blocks sized to hold about one batch of expired rows and to take about
// retention.batch_time_target each.
struct BlockCursor {
	BlockNumber next;       // the first block of the next range
	uint32 range;           // blocks in the next range
	int64 found_in_range;   // expired rows the batches of the current range found so far
	bool contended;         // a row of the current range was locked: skip locked rows until it is done
};

bool prune_by_blocks(Run *run, const LeafTarget *leaf) {
	constexpr uint32 max_range = 1u << 17;
	// Ranges aim below batch_size, so that a range a little denser than the
	// last one still fits in one batch instead of being redone.
	int64 range_rows = Max(int64(1), int64(rate_capped(run, run->target->batch_size)) * 3 / 4);
	BlockCursor cursor{0, 64, 0, false};
	if (leaf->tuples > 0 && leaf->blocks > 0) {
		double rows_per_block = leaf->tuples / leaf->blocks;
		cursor.range = uint32(Max(1.0, Min(double(max_range), range_rows / Max(rows_per_block, 1.0))));
	}
	int64 target_usecs = int64(setting_batch_time_target_ms) * 1000;
	while (cursor.next < leaf->blocks) {
		int32 row_limit = rate_capped(run, run->target->batch_size);
		if (!hold_before_batch(run, row_limit))
			return false;
		BatchInput input{leaf, plan::first_form(false, cursor.contended), row_limit, 0, cursor.next,
		                 cursor.next + Min(BlockNumber(cursor.range), leaf->blocks - cursor.next)};
		BatchResult result;
		int64 usecs = 0;
		if (!run_batch(run, &input, false, &result, &usecs))
			return false;
		if (result.leaf_gone)
			return true;
		cursor.contended = cursor.contended || plan::skips_locked(input.form);
		cursor.found_in_range += result.rows;
		// A range ends with a whole pass, or a limited batch short of its
		// limit; one that reached it comes back to the same range.
		if (plan::range_done(input.form, result.rows, input.row_limit)) {
			uint32 by_rows = plan::next_block_range(cursor.range, cursor.found_in_range, range_rows, 1, max_range);
			// A range's time grows with its blocks: the next one is sized to
			// take about batch_time_target, however few expired rows the last
			// one held (ranges of young rows only would otherwise keep doubling).
			uint32 by_time =
			    usecs > 0 ? uint32(Min(int64(max_range), Max(int64(1), int64(cursor.range) * target_usecs / usecs)))
			              : by_rows;
			cursor = BlockCursor{input.range_end, Min(by_rows, by_time), 0, false};
		}
		if (result.rows > 0)
			sleep_between_batches(run);
	}
	return true;
}

// A partition wholly before the cutoff goes in one short transaction.
void prune_whole_partition(Run *run, const LeafTarget *leaf) {
	if (!hold_before_batch(run, 0))
		return;
	BatchInput input{leaf, BatchForm::RangeWhole, 0, 0, 0, 0};
	BatchResult result;
	int64 usecs = 0;
	(void)run_batch(run, &input, true, &result, &usecs);
}

// ---------------------------------------------------------------- Citus

bool fan_out_stop_wanted(void *engine) { return stop_wanted(static_cast<Run *>(engine)); }

bool fan_out_hold(void *engine) { return hold_before_batch(static_cast<Run *>(engine), 0); }

void fan_out_counted(void *engine, int64 rows, int64 batches) {
	Run *run = static_cast<Run *>(engine);
	run->report.rows_pruned += rows;
	run->report.batches += batches;
	pg_atomic_write_u64(&run->request->rows_pruned, uint64(run->report.rows_pruned));
	pg_atomic_write_u64(&run->request->batches, uint64(run->report.batches));
	note_progress(run);
}

void fan_out_phase(void *engine, const char *phase) { run::note_phase(static_cast<Run *>(engine)->in_flight, phase); }

// A distributed table: every shard on the node that holds it
// (distributed.cpp), after the whole partitions the coordinator drops for
// every node at once.
void prune_distributed(Run *run) {
	run::note_phase(run->in_flight, "pruning (Citus shards)");
	ShardFanOut lent{&run->plan,  &run->report,    run->context, run, fan_out_stop_wanted,
	                 fan_out_hold, fan_out_counted, fan_out_phase};
	FanOutResult result = prune_shards(&lent);
	switch (result.end) {
	case FanOutEnd::Done:
	case FanOutEnd::Held: // hold_before_batch set the status (cancelled, partial)
		break;
	case FanOutEnd::Partial:
		run->report.status = RunStatus::Partial;
		break;
	case FanOutEnd::Cancelled:
	case FanOutEnd::PolicyChanged:
		run->report.status = RunStatus::Cancelled;
		run->stop_reason = result.reason;
		break;
	case FanOutEnd::Failed:
		refuse(run, MAKE_SQLSTATE(result.sqlstate[0], result.sqlstate[1], result.sqlstate[2], result.sqlstate[3],
		                          result.sqlstate[4]),
		       result.reason);
		break;
	}
}

void prune_tables(Run *run) {
	note_progress(run);
	if (run->target->citus_kind == citus::TableKind::Distributed) {
		for (int i = 0; i < run->target->nleaves && going_on(run); i++)
			if (run->target->leaves[i].whole_partition_expired) {
				run::note_phase(run->in_flight, "dropping partitions");
				prune_whole_partition(run, &run->target->leaves[i]);
			}
		if (going_on(run))
			prune_distributed(run);
		return;
	}
	for (int i = 0; i < run->target->nleaves && going_on(run); i++) {
		const LeafTarget *leaf = &run->target->leaves[i];
		if (leaf->whole_partition_expired) {
			run::note_phase(run->in_flight, "dropping partitions");
			prune_whole_partition(run, leaf);
			continue;
		}
		run::note_phase(run->in_flight, leaf->by_key ? "pruning (index)" : "pruning (blocks)");
		(void)(leaf->by_key ? prune_by_key(run, leaf) : prune_by_blocks(run, leaf));
	}
}

// ---------------------------------------------------------------- the report

// How the run went through its tables: 'index', 'blocks', 'partitions' or
// a combination, for the audit row.
void note_method(Run *run) {
	if (!run->target || !run->target->leaves)
		return;
	bool index = false, blocks = false, partitions = false;
	for (int i = 0; i < run->target->nleaves; i++) {
		const LeafTarget &leaf = run->target->leaves[i];
		partitions = partitions || leaf.whole_partition_expired;
		index = index || (!leaf.whole_partition_expired && leaf.by_key);
		blocks = blocks || (!leaf.whole_partition_expired && !leaf.by_key);
	}
	snprintf(run->report.method, sizeof(run->report.method), "%s%s%s%s%s", index ? "index" : "",
	         index && (blocks || partitions) ? "+" : "", blocks ? "blocks" : "", blocks && partitions ? "+" : "",
	         partitions ? "partitions" : "");
}

// The outcome into the report: status, error or why the run stopped early.
void note_outcome(Run *run) {
	run::RunReport &report = run->report;
	if (run->error)
		report.status = RunStatus::Failed;
	const char *message = run->error ? run->error->message : run->stop_reason;
	strlcpy(report.error, message ? message : "", sizeof(report.error));
	strlcpy(report.sqlstate, run->error ? unpack_sql_state(run->error->sqlerrcode) : "", sizeof(report.sqlstate));
	report.longest_batch_ms = int32(run->longest_batch_usecs / 1000);
	note_method(run);
}

// A run cancelled with retention.cancel() says by whom (in a transaction:
// the role's name comes from the catalog).
void name_canceller(Run *run) {
	Oid cancelled_by = run::cancel_requested_by(run->in_flight);
	if (run->stop_reason || run->report.status != RunStatus::Cancelled || !OidIsValid(cancelled_by))
		return;
	const char *role = GetUserNameFromId(cancelled_by, true);
	// In the run's context: it outlives this transaction.
	run->stop_reason = MemoryContextStrdup(
	    run->context, psprintf("cancelled by role \"%s\" with retention.cancel()", role ? role : "?"));
	strlcpy(run->report.error, run->stop_reason, sizeof(run->report.error));
}

void finish_record(Run *run) {
	name_canceller(run);
	catalog::finish_run(&run->report);
}

void fold_record(Run *run) { catalog::fold_run(run->report); }

// Hands the report to the request (the requester reads it once outcome is set).
void hand_over(Run *run, run::RunOutcome outcome) {
	run::RunRequest *request = run->request;
	request->run = run->report;
	if (run->error) {
		strlcpy(request->run.error, run->error->message ? run->error->message : "", sizeof(request->run.error));
		strlcpy(request->run.sqlstate, unpack_sql_state(run->error->sqlerrcode), sizeof(request->run.sqlstate));
		strlcpy(request->error_detail, run->error->detail ? run->error->detail : "", sizeof(request->error_detail));
		strlcpy(request->error_hint, run->error->hint ? run->error->hint : "", sizeof(request->error_hint));
	}
	pg_atomic_write_u64(&request->rows_pruned, uint64(run->report.rows_pruned));
	pg_atomic_write_u64(&request->batches, uint64(run->report.batches));
	pg_write_barrier();
	request->outcome = outcome;
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
	MemoryContextSwitchTo(context);
	Run *run = static_cast<Run *>(palloc0(sizeof(Run)));
	run->request = request;
	run->context = context;
	run->expired_estimate = -1;
	run::RunReport &report = run->report;
	strlcpy(report.policy, request->policy, sizeof(report.policy));
	report.scheduled = request->scheduled;
	report.dry_run = request->dry_run;
	report.status = RunStatus::Succeeded;
	report.pid = MyProcPid;
	run->pace.wal_at_start = own_wal_bytes();

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
	bool shard_run = is_shard_run(run);
	if (!in_transaction(shard_run ? start_shard_run : start_run, run, &error)) {
		run->error = error;
		report.run_id = 0; // its row was rolled back with the transaction
	}
	// By default (retention.batch_synchronous_commit = off) batches commit
	// without waiting for their WAL to reach the disk. A crash can then
	// undo the last few batches of a run: their rows come back together with
	// their audit counts (same transaction) and the next run prunes them
	// again. No row is lost that way, and a batch does not pay a WAL flush.
	// The run's closing commit uses the configured setting, and so makes
	// every batch before it durable before the run reports.
	set_synchronous_commit(GetConfigOption("retention.batch_synchronous_commit", false, false));
	if (report.run_id == 0) {
		// Refused before a run row existed: nothing ran.
		if (run->locked)
			LockRelease(&run->lock, ExclusiveLock, true);
		run::leave_in_flight(run->in_flight);
		set_synchronous_commit(configured_synchronous_commit);
		set_wal_compression(configured_wal_compression);
		// A shard this node does not hold: nothing to do, said in the report.
		hand_over(run, request->shard.absent && !run->error ? run::RunOutcome::Finished : run::RunOutcome::NotStarted);
		return;
	}

	PolicyTarget *target = run->target;
	if (report.has_cutoff && going_on(run)) {
		run::note_phase(run->in_flight, "planning");
		if (!in_transaction_retrying(plan_run, run, "planning")) {
			// failed or cancelled
		} else if (request->dry_run) {
			run::note_phase(run->in_flight, "counting");
			(void)in_transaction_retrying(count_run, run, "counting");
		} else {
			prune_tables(run);
		}
		bool any_guard = false;
		for (int i = 0; run->plan.target && i < target->nleaves; i++)
			any_guard = any_guard || target->leaves[i].count_kept_referenced != nullptr;
		any_guard = any_guard && !shard_run; // the coordinator counts them for the whole table
		if (any_guard && !run->error && !stop_wanted(run))
			run::note_phase(run->in_flight, "counting rows kept");
		if (any_guard && !run->error && !stop_wanted(run) && !in_transaction(count_kept_referenced, run, &error))
			ereport(LOG, (errmsg("retention: %s: could not count rows kept for references: %s", target->name,
			                     error->message)));
	}
	note_outcome(run);

	// The closing commit waits for its WAL flush (and synchronous standbys)
	// as configured, and with it for every batch before it.
	set_synchronous_commit(configured_synchronous_commit);
	run::note_phase(run->in_flight, "finishing");
	if (shard_run)
		report.finished_at = GetCurrentTimestamp(); // no run row here: the coordinator's has the shard's counts
	else if (!in_transaction(finish_record, run, &error))
		ereport(WARNING, (errmsg("retention: could not complete run %lld of policy \"%s\": %s",
		                         (long long)report.run_id, target->name, error->message)));
	else if (!in_transaction(fold_record, run, &error))
		ereport(LOG, (errmsg("retention: could not fold run %lld of policy \"%s\" into the one before: %s",
		                     (long long)report.run_id, target->name, error->message)));
	if (run->locked)
		LockRelease(&run->lock, ExclusiveLock, true);
	run::leave_in_flight(run->in_flight);
	// A warm worker serves the next run with the settings as configured then.
	set_wal_compression(configured_wal_compression);

	ereport(LOG, (errmsg("retention: %s: run %lld %s: %lld rows %s in %lld batches", target->name,
	                     (long long)report.run_id, run::status_name(report.status), (long long)report.rows_pruned,
	                     request->dry_run ? "would be pruned" : "pruned", (long long)report.batches)));
	hand_over(run, run::RunOutcome::Finished);
}

} // namespace retention::prune
