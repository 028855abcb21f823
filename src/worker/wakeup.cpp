#include "worker/wakeup.hpp"
#include "border/guard.hpp"
#include "border/shared_memory.hpp"

#include "border/pg.hpp"

namespace retention::worker {

namespace {

struct LauncherShared {
	pg_atomic_uint32 recheck_requested;
	pg_atomic_uint32 launcher_pid;
};

LauncherShared *shared = nullptr;
bool callback_registered = false;
bool wake_pending = false;

Size shared_size() { return sizeof(LauncherShared); }

void initialize_shared(void *memory) {
	auto *fresh = static_cast<LauncherShared *>(memory);
	pg_atomic_init_u32(&fresh->recheck_requested, 0);
	pg_atomic_init_u32(&fresh->launcher_pid, 0);
}

// At commit the new extension or policy is visible to the scheduler the
// launcher is about to start; before it, it would not be.
void wake_on_commit(XactEvent event, void *) {
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_COMMIT &&
	    event != XACT_EVENT_PARALLEL_ABORT)
		return;
	bool wake = wake_pending && event == XACT_EVENT_COMMIT;
	wake_pending = false;
	if (!wake || !shared)
		return;
	pg_atomic_write_u32(&shared->recheck_requested, 1);
	pid_t launcher = pid_t(pg_atomic_read_u32(&shared->launcher_pid));
	if (launcher != 0)
		(void)kill(launcher, SIGUSR1); // its SIGUSR1 handler sets its latch
}

} // namespace

void request_shared_memory() {
	border::request_shared_struct(
	    {"retention launcher", shared_size, initialize_shared, reinterpret_cast<void **>(&shared)});
}

void register_launcher_process() {
	if (shared)
		pg_atomic_write_u32(&shared->launcher_pid, uint32(MyProcPid));
}

bool take_recheck_request() { return shared && pg_atomic_exchange_u32(&shared->recheck_requested, 0) != 0; }

void wake_launcher_at_commit() {
	if (!shared)
		return;
	if (!callback_registered) {
		RegisterXactCallback(wake_on_commit, nullptr);
		callback_registered = true;
	}
	wake_pending = true;
}

} // namespace retention::worker

RETENTION_FUNCTION(retention_wake_scheduler) {
	// Harmless anywhere (it only asks the launcher to look sooner), but only
	// the extension calls it: EXECUTE is revoked from PUBLIC.
	retention::worker::wake_launcher_at_commit();
	if (CALLED_AS_TRIGGER(fcinfo))
		return PointerGetDatum(nullptr);
	PG_RETURN_VOID();
}
