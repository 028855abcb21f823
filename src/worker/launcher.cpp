// The launcher's life cycle. It starts with the server, reloads settings on
// SIGHUP, exits on SIGTERM and with the postmaster. Starting per-database
// schedulers is the scheduler's part of the worker.
#include <cstring>

#include "module.hpp"
#include "worker/launcher.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_launcher_main(Datum);

namespace retention::worker {

namespace {
// How long the launcher sleeps when nothing wakes it.
constexpr long launcher_nap_ms = 10 * 1000;
} // namespace

void register_launcher() {
	BackgroundWorker worker;
	std::memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	std::strncpy(worker.bgw_library_name, "retention", BGW_MAXLEN - 1);
	std::strncpy(worker.bgw_function_name, "retention_launcher_main", BGW_MAXLEN - 1);
	std::strncpy(worker.bgw_name, "retention launcher", BGW_MAXLEN - 1);
	std::strncpy(worker.bgw_type, "retention launcher", BGW_MAXLEN - 1);
	RegisterBackgroundWorker(&worker);
}

} // namespace retention::worker

// No C++ object lives in this function: PostgreSQL may longjmp out of any call.
void retention_launcher_main(Datum) {
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	// Shared catalogs only (pg_database), and a row in pg_stat_activity.
	BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);

	ereport(LOG, (errmsg("retention launcher started")));
	while (!ShutdownRequestPending) {
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, retention::worker::launcher_nap_ms,
		                PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
	ereport(LOG, (errmsg("retention launcher shutting down")));
	// Exit code 1: the postmaster starts the launcher again after
	// bgw_restart_time (never during a server shutdown), whereas 0 would
	// unregister it for good after a pg_terminate_backend().
	proc_exit(1);
}
