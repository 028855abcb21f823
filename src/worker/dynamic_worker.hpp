// What every dynamic background worker of this library shares: shared
// memory, a database connection, started once recovery has finished and
// never restarted by the postmaster (whoever started it starts another).
#pragma once

#include "border/pg.hpp"

namespace retention::worker {

// The registration of function (exported by this library) as a worker
// named name, of type type (pg_stat_activity.backend_type), with argument;
// the caller is notified of its start and stop.
inline BackgroundWorker dynamic_worker(const char *function, const char *name, const char *type, Datum argument) {
	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "retention", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
	strlcpy(worker.bgw_name, name, BGW_MAXLEN);
	strlcpy(worker.bgw_type, type, BGW_MAXLEN);
	worker.bgw_main_arg = argument;
	worker.bgw_notify_pid = MyProcPid;
	return worker;
}

} // namespace retention::worker
