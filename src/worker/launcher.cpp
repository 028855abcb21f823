// The launcher: one background worker per cluster, connected to no
// database. It starts retention workers in the databases that are due,
// within retention.max_workers, most overdue first, and sleeps until the
// next due time. See docs/architecture.md ("The launcher").
//
// No C++ object lives in this file: PostgreSQL may longjmp out of any call.
#include <cstring>

#include "settings.hpp"
#include "run/workers.hpp"
#include "worker/databases.hpp"
#include "worker/launcher.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_launcher_main(Datum);

namespace retention::worker {

namespace {

// How often the launcher reads pg_database (new databases, dropped ones)
// when nothing wakes it for one.
constexpr int64 rescan_every_usecs = 60 * USECS_PER_SEC;
// While a due database waits for a slot, the launcher looks again at least
// this often (a worker that exits wakes it sooner).
constexpr int64 waiting_nap_usecs = USECS_PER_SEC;

// A database whose worker stopped before its first pass is not given
// another for this long.
constexpr int64 failed_start_delay_usecs = 10 * USECS_PER_SEC;

// Workers it started, until they stop: one that stops before adopting its
// slot (the database went, the connection failed) gives the slot back.
struct Started {
	int slot;
	uint64 reservation;
	Oid database;
	TimestampTz started_at;
	BackgroundWorkerHandle *handle;
};
// In TopMemoryContext; at most one per slot.
List *started = NIL;
bool warned_table_full = false;

// The databases the scheduler serves now: those that accept connections,
// are not templates, and retention.databases allows; none when
// retention.enabled is off.
void read_databases() {
	int count = 0;
	int size = 64;
	Oid *served = static_cast<Oid *>(palloc(sizeof(Oid) * size));
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void)GetTransactionSnapshot();
	Relation databases = table_open(DatabaseRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(databases, 0, nullptr);
	HeapTuple tuple;
	while (setting_enabled && (tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
		auto *database = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
		if (!database->datallowconn || database->datistemplate || !worker_serves_database(NameStr(database->datname)))
			continue;
		if (count == size) {
			size *= 2;
			served = static_cast<Oid *>(repalloc(served, sizeof(Oid) * size));
		}
		served[count++] = database->oid;
	}
	table_endscan(scan);
	table_close(databases, AccessShareLock);
	CommitTransactionCommand();
	bool all_fit = sync_databases(served, count);
	if (!all_fit && !warned_table_full)
		ereport(WARNING, (errmsg("retention launcher: %d databases to serve, more than retention.max_databases (%d); "
		                         "the others are not scheduled",
		                         count, setting_max_databases),
		                  errhint("Raise retention.max_databases (server start), or list the databases to serve in "
		                          "retention.databases.")));
	warned_table_full = !all_fit;
}

// Forgets workers that stopped; gives back the slot of one that never took it.
void settle_started() {
	List *still = NIL;
	ListCell *cell;
	foreach (cell, started) {
		auto *entry = static_cast<Started *>(lfirst(cell));
		pid_t pid;
		if (GetBackgroundWorkerPid(entry->handle, &pid) == BGWH_STOPPED) {
			run::unreserve_slot(entry->slot, entry->reservation);
			postpone_if_unseen(entry->database, entry->started_at, GetCurrentTimestamp() + failed_start_delay_usecs);
			pfree(entry->handle);
			pfree(entry);
		} else {
			still = lappend(still, entry);
		}
	}
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	List *copy = list_copy(still);
	MemoryContextSwitchTo(caller);
	list_free(started);
	started = copy;
}

bool start_pass_worker(Oid database) {
	uint64 reservation = 0;
	int slot = run::reserve_slot(database, 0, &reservation);
	if (slot < 0)
		return false;
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	auto *entry = static_cast<Started *>(palloc0(sizeof(Started)));
	entry->slot = slot;
	entry->reservation = reservation;
	entry->database = database;
	entry->started_at = GetCurrentTimestamp();
	bool registered = run::start_worker(database, slot, reservation, 0, &entry->handle);
	if (registered)
		started = lappend(started, entry);
	MemoryContextSwitchTo(caller);
	if (!registered) {
		run::unreserve_slot(slot, reservation);
		pfree(entry);
	}
	return registered;
}

// Each due database, most overdue first, gets a worker that looks at it.
// Returns whether one waits for a slot.
bool dispatch() {
	// A manual run waits for a slot: it goes first.
	if (run::manual_waiters())
		return true;
	// retention.pause: no scheduled run starts; the reload that turns it
	// off makes every database due.
	if (setting_pause)
		return false;
	int count = 0;
	DatabaseDue *due = due_databases(GetCurrentTimestamp(), &count);
	bool waiting = false;
	for (int i = 0; i < count && !waiting; i++) {
		Oid database = due[i].database;
		if (run::workers_of(database).looking > 0) {
			(void)run::request_pass(database); // an idle one looks now; a passing one will see it
			continue;
		}
		// Its own workers pass again when a run of theirs ends.
		if (fair_share_reached(database))
			continue;
		if (start_pass_worker(database))
			continue;
		// No slot (or the postmaster has none): an idle worker elsewhere
		// makes room, and workers that end a run leave rather than pass
		// again, so that the slot goes to the most overdue database.
		(void)run::evict_idle_worker(database);
		waiting = true;
	}
	return waiting;
}

// Whether a worker of database will see what is due there without the
// launcher: one looks, or its running ones will when their runs end.
bool has_looking_worker(Oid database) {
	return run::workers_of(database).looking > 0 || fair_share_reached(database);
}

} // namespace

void register_launcher() {
	BackgroundWorker worker;
	std::memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	// Not on a hot standby: after a promotion the postmaster starts it.
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	std::strncpy(worker.bgw_library_name, "retention", BGW_MAXLEN - 1);
	std::strncpy(worker.bgw_function_name, "retention_launcher_main", BGW_MAXLEN - 1);
	std::strncpy(worker.bgw_name, "retention launcher", BGW_MAXLEN - 1);
	std::strncpy(worker.bgw_type, "retention launcher", BGW_MAXLEN - 1);
	RegisterBackgroundWorker(&worker);
}

} // namespace retention::worker

void retention_launcher_main(Datum) {
	using namespace retention;
	using namespace retention::worker;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	// Shared catalogs only (pg_database), and a row in pg_stat_activity.
	BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);

	run::register_launcher(compat::my_proc_number());
	ereport(LOG, (errmsg("retention launcher started")));
	// What a pass allocates lives here and goes before the next pass; the
	// list of started workers lives in TopMemoryContext.
	MemoryContext pass = AllocSetContextCreate(TopMemoryContext, "retention launcher pass", ALLOCSET_DEFAULT_SIZES);
	TimestampTz next_scan = 0;
	while (!ShutdownRequestPending) {
		MemoryContextReset(pass);
		MemoryContextSwitchTo(pass);
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			// retention.enabled, retention.databases, the history limits:
			// every database is looked at again.
			next_scan = 0;
			all_due_now();
		}
		if (take_unknown_wakeup() || GetCurrentTimestamp() >= next_scan) {
			read_databases();
			next_scan = GetCurrentTimestamp() + rescan_every_usecs;
		}
		run::sweep_slots();
		settle_started();
		bool waiting = dispatch();
		run::note_database_waiting(waiting);

		TimestampTz now = GetCurrentTimestamp();
		// Paused, nothing is started until a reload (the latch) turns it off.
		TimestampTz wake = setting_pause ? next_scan : Min(earliest_due(has_looking_worker), next_scan);
		if (waiting)
			wake = Min(wake, now + waiting_nap_usecs);
		long nap_ms = long(Max(wake - now, int64(0)) / 1000) + 1;
		pgstat_report_activity(STATE_IDLE, "");
		MemoryContextSwitchTo(TopMemoryContext);
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, nap_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	// Its workers go on; a restarted launcher finds them in the table of workers.
	ereport(LOG, (errmsg("retention launcher shutting down")));
	// Exit code 1: the postmaster starts the launcher again after
	// bgw_restart_time (never during a server shutdown), whereas 0 would
	// unregister it for good after a pg_terminate_backend().
	proc_exit(1);
}
