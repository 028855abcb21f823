// The launcher: one background worker per cluster. It finds the databases
// the worker serves and keeps one scheduler running in each database that
// has the extension (a scheduler started in a database without it exits at
// once; the launcher looks again a minute later). It reloads settings on
// SIGHUP, exits on SIGTERM and with the postmaster.
//
// No C++ object lives in this file: PostgreSQL may longjmp out of any call.
#include <cstring>

#include "settings.hpp"
#include "worker/launcher.hpp"
#include "worker/scheduler.hpp"
#include "worker/wakeup.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_launcher_main(Datum);

namespace retention::worker {

namespace {

// How long the launcher sleeps when nothing wakes it.
constexpr long launcher_nap_ms = 5 * 1000;
// How long after a scheduler stopped (no extension there, an error, a
// DROP DATABASE) the launcher tries that database again.
constexpr int64 recheck_usecs = 60 * USECS_PER_SEC;

struct DatabaseEntry {
	Oid database;
	BackgroundWorkerHandle *scheduler; // nullptr: none running
	TimestampTz next_start;
	bool seen;                         // still listed in this round
};

// Lives in TopMemoryContext for the launcher's lifetime.
List *entries = NIL;

DatabaseEntry *entry_for(Oid database) {
	ListCell *cell;
	foreach (cell, entries) {
		auto *entry = static_cast<DatabaseEntry *>(lfirst(cell));
		if (entry->database == database)
			return entry;
	}
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	auto *entry = static_cast<DatabaseEntry *>(palloc0(sizeof(DatabaseEntry)));
	entry->database = database;
	entries = lappend(entries, entry);
	MemoryContextSwitchTo(caller);
	return entry;
}

void stop_scheduler(DatabaseEntry *entry) {
	if (entry->scheduler)
		TerminateBackgroundWorker(entry->scheduler);
	entry->scheduler = nullptr;
}

// One pass: databases that accept connections and that retention.databases allows.
void supervise_databases(bool settings_reloaded) {
	TimestampTz now = GetCurrentTimestamp();
	// A reload may have turned scheduling on or widened retention.databases.
	bool recheck_now = take_recheck_request() || settings_reloaded;
	ListCell *cell;
	foreach (cell, entries) {
		auto *entry = static_cast<DatabaseEntry *>(lfirst(cell));
		entry->seen = false;
		if (recheck_now)
			entry->next_start = 0;
	}

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void)GetTransactionSnapshot();
	Relation databases = table_open(DatabaseRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(databases, 0, nullptr);
	HeapTuple tuple;
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
		auto *database = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
		if (!database->datallowconn || database->datistemplate || !worker_serves_database(NameStr(database->datname)))
			continue;
		DatabaseEntry *entry = entry_for(database->oid);
		entry->seen = true;
		if (entry->scheduler) {
			pid_t pid;
			if (GetBackgroundWorkerPid(entry->scheduler, &pid) != BGWH_STOPPED)
				continue;
			entry->scheduler = nullptr;
			entry->next_start = now + recheck_usecs;
		}
		if (now < entry->next_start || !setting_enabled)
			continue;
		entry->scheduler = start_scheduler(database->oid);
		// No free worker slot: try again soon rather than in a minute.
		entry->next_start = now + (entry->scheduler ? recheck_usecs : 10 * USECS_PER_SEC);
	}
	table_endscan(scan);
	table_close(databases, AccessShareLock);
	CommitTransactionCommand();

	// Databases dropped, or no longer served. (kept lives in the pass's
	// memory context, reset before the next pass.)
	List *kept = NIL;
	foreach (cell, entries) {
		auto *entry = static_cast<DatabaseEntry *>(lfirst(cell));
		if (entry->seen && setting_enabled) {
			kept = lappend(kept, entry);
		} else {
			stop_scheduler(entry);
			if (entry->seen)
				kept = lappend(kept, entry);
			else
				pfree(entry);
		}
	}
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	List *copy = list_copy(kept);
	MemoryContextSwitchTo(caller);
	list_free(entries);
	entries = copy;
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
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	// Shared catalogs only (pg_database), and a row in pg_stat_activity.
	BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);

	retention::worker::register_launcher_process();
	ereport(LOG, (errmsg("retention launcher started")));
	// What a pass allocates lives here and goes before the next pass; the
	// list of databases lives in TopMemoryContext.
	MemoryContext pass = AllocSetContextCreate(TopMemoryContext, "retention launcher pass", ALLOCSET_DEFAULT_SIZES);
	while (!ShutdownRequestPending) {
		MemoryContextReset(pass);
		MemoryContextSwitchTo(pass);
		bool reloaded = ConfigReloadPending;
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		retention::worker::supervise_databases(reloaded);
		MemoryContextSwitchTo(TopMemoryContext);
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, retention::worker::launcher_nap_ms,
		                PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	ListCell *cell;
	foreach (cell, retention::worker::entries)
		retention::worker::stop_scheduler(static_cast<retention::worker::DatabaseEntry *>(lfirst(cell)));
	ereport(LOG, (errmsg("retention launcher shutting down")));
	// Exit code 1: the postmaster starts the launcher again after
	// bgw_restart_time (never during a server shutdown), whereas 0 would
	// unregister it for good after a pg_terminate_backend().
	proc_exit(1);
}
