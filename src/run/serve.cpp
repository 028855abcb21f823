// The worker's side of the run protocol: a process that serves runs, and
// serving one request.
#include "prune/engine.hpp"
#include "run/request.hpp"
#include "border/settings.hpp"
#include "border/transaction.hpp"

#include "border/pg.hpp"

namespace retention::run {

namespace {

volatile sig_atomic_t stop_requested = false;
bool run_process = false;

// SIGTERM (a requester cancelled, the server shuts down, DROP DATABASE):
// finish the batch in flight, then stop.
void handle_sigterm(SIGNAL_ARGS) {
	int saved_errno = errno;
	stop_requested = true;
	SetLatch(MyLatch);
	errno = saved_errno;
}

// What a run's code could leave in the session for the next run, possibly
// of another owner (settings, prepared statements, advisory locks, LISTEN,
// temporary tables, sequence caches): discarded after every run, as DISCARD
// ALL would. The settings go back to the server's (the worker's reset
// values, src/worker/session.cpp), search_path to the worker's own.
void discard_session_state(void *) {
	ResetAllOptions();
	(void)set_config_option("search_path", border::internal_search_path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
	                        true, 0, false);
	DropAllPreparedStatements();
	Async_UnlistenAll();
	LockReleaseAll(USER_LOCKMETHOD, true);
	ResetPlanCache();
	ResetTempTableNamespace();
	ResetSequenceCaches();
}

// The report is final: wake the requester now rather than when this worker
// has exited.
void report_to_requester(RunRequest *request) {
	pg_write_barrier();
	pg_atomic_write_u32(&request->reported, 1);
	SetLatch(compat::proc_latch(request->requester_procno));
}

} // namespace

void become_run_process() {
	run_process = true;
	pqsignal(SIGTERM, handle_sigterm);
}

bool is_run_process() { return run_process; }

bool termination_requested() { return stop_requested; }

bool serve_request(RunRequest *request, void (*before_report)()) {
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext context = AllocSetContextCreate(TopMemoryContext, "retention run", ALLOCSET_DEFAULT_SIZES);
	prune::execute_run(request, context);
	MemoryContextSwitchTo(caller);
	ErrorData *error = nullptr;
	bool clean = border::run_in_transaction(discard_session_state, nullptr, context, &error);
	if (!clean)
		ereport(LOG, (errmsg("retention worker: could not reset its session after a run: %s", error->message)));
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(context);
	pgstat_report_appname(worker_application_name); // application_name was reset with the rest
	// A worker that exits reports its statistics then; one that stays
	// reports them after every run, so that pg_stat_user_tables (and
	// autovacuum) see the rows it deleted.
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, ""); // not the text of the run's last statement
	if (before_report)
		before_report();
	report_to_requester(request);
	return clean;
}

void init_request(RunRequest *request, const char *policy, bool dry_run, bool scheduled) {
	memset(request, 0, sizeof(RunRequest));
	request->database = MyDatabaseId;
	request->requested_by = GetUserId();
	request->requester_procno = compat::my_proc_number();
	request->dry_run = dry_run;
	request->scheduled = scheduled;
	strlcpy(request->policy, policy, sizeof(request->policy));
	pg_atomic_init_u32(&request->cancel_requested, 0);
	pg_atomic_init_u64(&request->rows_pruned, 0);
	pg_atomic_init_u64(&request->batches, 0);
	pg_atomic_init_u32(&request->reported, 0);
	request->outcome = RunOutcome::NotStarted;
}

} // namespace retention::run
