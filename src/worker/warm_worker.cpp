// Warm run workers (see warm_worker.hpp). A table in shared memory, one
// entry per warm worker that is connected:
//
//   idle ──claim (requester)──▶ claimed ──taken (worker)──▶ busy
//     ▲                                                      │
//     └──────────── report final (worker) ◀──────────────────┘
//
// Only the worker frees its entry, and only while idle (or when it exits),
// so a claimed request is always served. A warm worker leaves when its
// scheduler is gone, retention.warm_worker is turned off, or on SIGTERM
// (server shutdown, DROP DATABASE); a run it is serving when SIGTERM
// arrives stops after its batch, as any run worker's does.
//
// No C++ object lives in this file: PostgreSQL may longjmp out of any call.
#include "settings.hpp"
#include "run/request.hpp"
#include "worker/dynamic_worker.hpp"
#include "worker/session.hpp"
#include "worker/warm_worker.hpp"
#include "border/shared_memory.hpp"
#include "border/transaction.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_warm_main(Datum);

namespace retention::worker {

namespace {

// How often an idle warm worker looks whether its scheduler is still there.
constexpr long idle_check_ms = 1000;

enum class WarmState : int { free = 0, idle, claimed, busy };

struct WarmEntry {
	WarmState state;
	Oid database;
	int pid;
	int procno;
	uint64 claims;       // requests handed to this entry so far
	dsm_handle request;  // the claimed request's segment
};

struct WarmTable {
	slock_t mutex;
	int size;
	WarmEntry entries[FLEXIBLE_ARRAY_MEMBER];
};

WarmTable *table = nullptr;

// In the warm worker: its entry.
int my_entry = -1;

// A warm worker is a background worker: there are never more.
Size table_size() {
	return add_size(offsetof(WarmTable, entries), mul_size(max_worker_processes, sizeof(WarmEntry)));
}

void initialize_table(void *memory) {
	auto *fresh = static_cast<WarmTable *>(memory);
	SpinLockInit(&fresh->mutex);
	fresh->size = max_worker_processes;
	for (int i = 0; i < fresh->size; i++)
		fresh->entries[i] = WarmEntry{WarmState::free, InvalidOid, 0, 0, 0, 0};
}

bool take_entry() {
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size && my_entry < 0; i++) {
		WarmEntry &entry = table->entries[i];
		if (entry.state != WarmState::free)
			continue;
		entry = WarmEntry{WarmState::idle, MyDatabaseId, MyProcPid, compat::my_proc_number(), entry.claims, 0};
		my_entry = i;
	}
	SpinLockRelease(&table->mutex);
	return my_entry >= 0;
}

void release_entry(int, Datum) {
	if (my_entry < 0)
		return;
	SpinLockAcquire(&table->mutex);
	table->entries[my_entry].state = WarmState::free;
	table->entries[my_entry].pid = 0;
	SpinLockRelease(&table->mutex);
	my_entry = -1;
}

// A claimed request, now taken (busy); false when none is claimed.
bool take_request(dsm_handle *request) {
	SpinLockAcquire(&table->mutex);
	WarmEntry &entry = table->entries[my_entry];
	bool claimed = entry.state == WarmState::claimed;
	if (claimed) {
		entry.state = WarmState::busy;
		*request = entry.request;
	}
	SpinLockRelease(&table->mutex);
	return claimed;
}

// Leaves the table if no request was claimed meanwhile; false if one was.
bool leave_if_idle() {
	SpinLockAcquire(&table->mutex);
	WarmEntry &entry = table->entries[my_entry];
	bool idle = entry.state == WarmState::idle;
	if (idle) {
		entry.state = WarmState::free;
		entry.pid = 0;
	}
	SpinLockRelease(&table->mutex);
	if (idle)
		my_entry = -1;
	return idle;
}

// Called once the run's report is final, before its requester is woken:
// the next request may be handed over as soon as that one returns. After
// SIGTERM the worker takes no more requests.
void back_to_idle() {
	SpinLockAcquire(&table->mutex);
	WarmEntry &entry = table->entries[my_entry];
	entry.state = prune::termination_requested() ? WarmState::free : WarmState::idle;
	if (entry.state == WarmState::free)
		entry.pid = 0;
	SpinLockRelease(&table->mutex);
	if (prune::termination_requested())
		my_entry = -1;
}

// What a run's code could leave in the session for the next run, possibly
// of another owner (a filter's function calling set_config(..., false),
// creating a temporary table, taking an advisory lock): discarded after
// every run, as DISCARD ALL would.
void discard_session_state(void *) {
	ResetAllOptions();
	pin_worker_search_path();
	DropAllPreparedStatements();
	Async_UnlistenAll();
	LockReleaseAll(USER_LOCKMETHOD, true);
	ResetPlanCache();
	ResetTempTableNamespace();
	ResetSequenceCaches();
}

// Why an idle warm worker should go: nullptr to stay.
const char *reason_to_leave(pid_t scheduler) {
	if (prune::termination_requested())
		return "terminated";
	if (!setting_warm_worker)
		return "retention.warm_worker is off";
	if (!BackendPidGetProc(scheduler))
		return "its scheduler stopped";
	return nullptr;
}

} // namespace

void request_warm_worker_memory() {
	border::request_shared_struct(
	    {"retention warm workers", table_size, initialize_table, reinterpret_cast<void **>(&table)});
}

void keep_warm_worker(BackgroundWorkerHandle **handle) {
	if (*handle) {
		pid_t pid;
		if (GetBackgroundWorkerPid(*handle, &pid) != BGWH_STOPPED)
			return;
		pfree(*handle);
		*handle = nullptr;
	}
	// Turned off, the worker leaves by itself once idle.
	if (!table || !setting_warm_worker)
		return;
	// The same type as every run worker: what pg_stat_activity, DROP
	// DATABASE and the settling of dead runs know runs by.
	BackgroundWorker worker =
	    dynamic_worker("retention_warm_main", "retention run (warm)", "retention run", ObjectIdGetDatum(MyDatabaseId));
	pid_t scheduler = MyProcPid;
	static_assert(sizeof(scheduler) <= BGW_EXTRALEN);
	memcpy(worker.bgw_extra, &scheduler, sizeof(scheduler));
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	if (!RegisterDynamicBackgroundWorker(&worker, handle))
		*handle = nullptr; // no free slot: runs start their own workers; tried again next tick
	MemoryContextSwitchTo(caller);
}

bool claim_warm_worker(dsm_handle request, WarmClaim *claim) {
	if (!table)
		return false;
	bool claimed = false;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size && !claimed; i++) {
		WarmEntry &entry = table->entries[i];
		if (entry.state != WarmState::idle || entry.database != MyDatabaseId)
			continue;
		entry.state = WarmState::claimed;
		entry.request = request;
		entry.claims++;
		*claim = WarmClaim{i, entry.pid, entry.procno, entry.claims};
		claimed = true;
	}
	SpinLockRelease(&table->mutex);
	if (claimed)
		wake_warm_worker(*claim);
	return claimed;
}

bool warm_worker_serving(const WarmClaim &claim) {
	SpinLockAcquire(&table->mutex);
	const WarmEntry &entry = table->entries[claim.entry];
	bool serving = entry.pid == claim.pid && entry.claims == claim.claims &&
	               (entry.state == WarmState::claimed || entry.state == WarmState::busy);
	SpinLockRelease(&table->mutex);
	return serving;
}

void wake_warm_worker(const WarmClaim &claim) { SetLatch(compat::proc_latch(claim.procno)); }

} // namespace retention::worker

void retention_warm_main(Datum argument) {
	using namespace retention::worker;
	retention::prune::become_run_process();
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	pid_t scheduler;
	memcpy(&scheduler, MyBgworkerEntry->bgw_extra, sizeof(scheduler));
	connect_worker_session(DatumGetObjectId(argument));
	pgstat_report_appname("retention run");
	if (!table || !take_entry())
		proc_exit(0);
	before_shmem_exit(release_entry, 0);

	for (;;) {
		// "": the text of the last run's last statement goes with it.
		pgstat_report_activity(STATE_IDLE, "");
		dsm_handle request;
		// A claimed request is served even when the worker is about to
		// leave: its requester waits for it.
		while (!take_request(&request)) {
			if (ConfigReloadPending) {
				ConfigReloadPending = false;
				ProcessConfigFile(PGC_SIGHUP);
			}
			if (const char *reason = reason_to_leave(scheduler)) {
				if (leave_if_idle()) {
					ereport(DEBUG1, (errmsg("retention warm run worker leaving: %s", reason)));
					proc_exit(0);
				}
				continue;
			}
			(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, idle_check_ms,
			                PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			// Absorbs procsignal barriers, which DROP DATABASE of any
			// database waits for from every backend.
			CHECK_FOR_INTERRUPTS();
		}
		dsm_segment *segment = dsm_attach(request);
		if (segment) {
			retention::prune::serve_request(static_cast<retention::prune::RunRequest *>(dsm_segment_address(segment)),
			                                back_to_idle);
			dsm_detach(segment);
		} else {
			back_to_idle(); // its requester is gone already
		}
		if (retention::prune::termination_requested())
			proc_exit(0);
		ErrorData *error = nullptr;
		if (!retention::border::run_in_transaction(discard_session_state, nullptr, TopMemoryContext, &error)) {
			ereport(LOG, (errmsg("retention warm run worker leaving: could not reset its session: %s",
			                     error->message)));
			proc_exit(0); // rather than serve a run in a session it could not reset
		}
		pgstat_report_appname("retention run"); // application_name was reset with the rest
		// A worker that exits reports its statistics then; this one reports
		// them after every run, so that pg_stat_user_tables (and autovacuum)
		// see the rows it deleted.
		pgstat_report_stat(true);
	}
}
