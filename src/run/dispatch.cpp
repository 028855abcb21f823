// The requester's side of the run protocol: retention.run(), run_all() and
// prune() hand their run to a worker of the current database and wait for
// its report. See docs/architecture.md ("A manual run").
//
// No C++ object lives in this file: PostgreSQL may longjmp out of any call.
#include "run/in_flight.hpp"
#include "run/request.hpp"
#include "run/workers.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::run {

namespace {

// How often a waiting caller reports progress.
constexpr long progress_notice_ms = 5000;
// How often a caller waiting for a slot looks again (a slot freed wakes the
// launcher, not the callers that wait).
constexpr long slot_poll_ms = 50;

// Who carries out the run: an idle worker (claim), or a worker started for
// it (handle, with its slot).
struct WaitingRun {
	bool claimed;
	Claim claim;
	BackgroundWorkerHandle *handle;
	int slot;                // the started worker's slot; -1 without the table
	uint64 reservation;
	bool waiting_for_slot;   // counted among the manual waiters
	RunRequest *request;
	dsm_segment *segment;
};

void stop_waiting_for_slot(WaitingRun *waiting) {
	if (waiting->waiting_for_slot)
		note_manual_waiter(false);
	waiting->waiting_for_slot = false;
}

// The waiting backend is cancelled, terminated or fails: ask the worker to
// stop after its batch in flight. Runs for ERROR and FATAL alike. A worker
// with a slot stays for the next run; one without (not preloaded) is
// terminated, as it would exit after the run anyway.
void stop_worker(int, Datum argument) {
	auto *waiting = reinterpret_cast<WaitingRun *>(DatumGetPointer(argument));
	stop_waiting_for_slot(waiting);
	pg_atomic_write_u32(&waiting->request->cancel_requested, 1);
	if (waiting->claimed)
		wake_claimed(waiting->claim);
	else if (waiting->handle && waiting->slot < 0)
		TerminateBackgroundWorker(waiting->handle);
	// The worker keeps its own mapping; without one yet, it finds the
	// segment gone and serves nothing.
	dsm_detach(waiting->segment);
}

// Whether the worker may still report (false once it has exited, or
// stopped serving the claimed request).
bool worker_running(WaitingRun *waiting) {
	if (waiting->claimed)
		return claim_served(waiting->claim);
	pid_t pid;
	BgwHandleStatus status = GetBackgroundWorkerPid(waiting->handle, &pid);
	if (status == BGWH_POSTMASTER_DIED)
		ereport(ERROR, (errcode(ERRCODE_ADMIN_SHUTDOWN), errmsg("the server stopped during a retention run")));
	if (status != BGWH_STOPPED)
		return true;
	if (waiting->slot >= 0)
		unreserve_slot(waiting->slot, waiting->reservation); // it stopped before adopting it
	return false;
}

void pause_ms(long ms) {
	(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

void raise_no_postmaster_slot() {
	ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
	                errmsg("could not start a retention run: no background worker slot is free"),
	                errdetail("max_worker_processes (%d) slots are taken by other background workers.",
	                          max_worker_processes),
	                errhint("Each run uses one background worker while it runs; raise max_worker_processes.")));
}

// Without the table (not preloaded): a worker of its own, outside any
// budget. The worker of the run before may still be exiting and holding its
// postmaster slot for a few milliseconds: a full table is only given up on
// after a short wait.
void start_unbudgeted_worker(WaitingRun *waiting) {
	constexpr int attempts = 50;
	for (int attempt = 1;; attempt++) {
		if (start_worker(MyDatabaseId, -1, 0, dsm_segment_handle(waiting->segment), &waiting->handle))
			return;
		if (attempt == attempts)
			raise_no_postmaster_slot();
		pause_ms(20);
	}
}

// An idle worker of this database, or a new worker within the budget. With
// every slot of the budget taken, waits (the launcher starts no scheduled
// worker meanwhile, and an idle worker elsewhere is asked to leave) as long
// as the caller waits: statement_timeout, a cancel.
void hand_over(WaitingRun *waiting) {
	dsm_handle handle = dsm_segment_handle(waiting->segment);
	int postmaster_refusals = 0;
	// A worker of this database that is passing is idle a few milliseconds
	// later (unless it found a due policy): sooner than a new one connects.
	constexpr int pass_waits = 40;
	int passes_waited = 0;
	for (;;) {
		ClaimResult claim = claim_idle_worker(handle, passes_waited < pass_waits, &waiting->claim);
		if (claim == ClaimResult::claimed) {
			waiting->claimed = true;
			break;
		}
		if (claim == ClaimResult::wait) {
			passes_waited++;
			pause_ms(5);
			continue;
		}
		uint64 reservation = 0;
		int slot = reserve_slot(MyDatabaseId, handle, &reservation);
		if (slot >= 0) {
			if (start_worker(MyDatabaseId, slot, reservation, handle, &waiting->handle)) {
				waiting->slot = slot;
				waiting->reservation = reservation;
				break;
			}
			unreserve_slot(slot, reservation);
			// The postmaster's slots are taken. By retention's own workers
			// too: one that is idle can make room. By others only: not
			// retention's to wait for, beyond the moment a worker that just
			// ended needs to exit.
			if (!evict_idle_worker(InvalidOid) && slots_in_use() == 0 && ++postmaster_refusals >= 50)
				raise_no_postmaster_slot();
		} else {
			(void)evict_idle_worker(InvalidOid);
			if (!waiting->waiting_for_slot) {
				note_manual_waiter(true);
				waiting->waiting_for_slot = true;
				wake_launcher();
				ereport(NOTICE, (errmsg("retention: all %d worker slots (retention.max_workers) are taken; waiting "
				                        "for one",
				                        setting_max_workers),
				                 errhint("statement_timeout bounds the wait.")));
			}
		}
		pause_ms(slot == -1 ? slot_poll_ms : 20);
	}
	stop_waiting_for_slot(waiting);
}

double seconds_since(TimestampTz start) { return double(GetCurrentTimestamp() - start) / USECS_PER_SEC; }

} // namespace

void run_and_wait(const char *policy, bool dry_run, bool notices, RunRequest *result, bool explain,
                  const ShardWork *shard) {
	// Each level would start a worker and wait for the next, until no slot
	// is left in the cluster.
	if (is_run_process())
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("a retention run cannot start another run"),
		                errdetail("retention.run(), run_all() and prune() were called by code that a run of a "
		                          "policy executes (a trigger or a function in a filter).")));
	dsm_segment *segment = dsm_create(sizeof(RunRequest), 0);
	auto *request = static_cast<RunRequest *>(dsm_segment_address(segment));
	init_request(request, policy, dry_run, false);
	request->explain = explain;
	if (shard)
		request->shard = *shard;

	WaitingRun waiting{false, {}, nullptr, -1, 0, false, request, segment};
	TimestampTz started = GetCurrentTimestamp();
	TimestampTz last_notice = started;
	uint64 rows_noticed = 0;
	PG_ENSURE_ERROR_CLEANUP(stop_worker, PointerGetDatum(&waiting));
	{
		if (have_worker_table())
			hand_over(&waiting);
		else
			start_unbudgeted_worker(&waiting);
		for (;;) {
			if (pg_atomic_read_u32(&request->reported) != 0)
				break; // the worker's report is final
			if (!worker_running(&waiting))
				break;
			pause_ms(1000);

			uint64 rows = pg_atomic_read_u64(&request->rows_pruned);
			if (notices && !dry_run && GetCurrentTimestamp() - last_notice >= progress_notice_ms * 1000) {
				// What retention.progress says of the run: its estimate of
				// what is left, and what it waits for.
				ProgressRow progress;
				bool tracked = progress_of_policy(policy, &progress);
				bool waiting = tracked && progress.waiting_for[0] != '\0';
				if (rows != rows_noticed || waiting) {
					char left[64] = "";
					if (tracked && progress.remaining_estimate >= 0)
						snprintf(left, sizeof(left), ", about %lld left", (long long)progress.remaining_estimate);
					ereport(NOTICE, (errmsg("retention: %s: %llu rows pruned in %llu batches so far%s (%.1f s)%s%s",
					                        policy, (unsigned long long)rows,
					                        (unsigned long long)pg_atomic_read_u64(&request->batches), left,
					                        seconds_since(started), waiting ? "; waiting for " : "",
					                        waiting ? progress.waiting_for : "")));
					rows_noticed = rows;
					last_notice = GetCurrentTimestamp();
				}
			}
		}
	}
	PG_END_ENSURE_ERROR_CLEANUP(stop_worker, PointerGetDatum(&waiting));

	pg_read_barrier();
	memcpy(result, request, sizeof(RunRequest));
	dsm_detach(segment);
	if (result->outcome == RunOutcome::NotStarted && result->run.error[0] == '\0')
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
		                errmsg("the retention worker for policy \"%s\" ended without a report", policy),
		                errhint("The server log may say why.")));
}

} // namespace retention::run
