// The per-database scheduler. Its state is the catalog itself: the
// retention.status view derives each policy's next run from its schedule
// and its runs (retention.next_run_time), so the scheduler, the view and a
// restarted server always agree. Each tick it runs the due policies, one at
// a time, children before parents.
//
// No C++ object lives in this file: PostgreSQL may longjmp out of any call.
#include "settings.hpp"
#include "prune/policy_order.hpp"
#include "run/request.hpp"
#include "worker/dynamic_worker.hpp"
#include "worker/scheduler.hpp"
#include "worker/session.hpp"
#include "worker/warm_worker.hpp"
#include "border/shared_memory.hpp"
#include "border/spi.hpp"
#include "border/transaction.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_scheduler_main(Datum);

namespace retention::worker {

namespace {

// How often the scheduler looks for due policies; policy edits take effect
// within this time.
constexpr long scheduler_tick_ms = 1000;
constexpr int64 history_prune_every_usecs = 3600 * int64(USECS_PER_SEC);

// One scheduler per database, whoever starts it: a table in shared memory
// of the databases that have one. (A launcher restarted after an error has
// forgotten the schedulers it started; the ones it starts again leave.)
struct SchedulerSlot {
	Oid database;
	int pid;
};
struct SchedulerTable {
	slock_t mutex;
	int size;
	SchedulerSlot slots[FLEXIBLE_ARRAY_MEMBER];
};
SchedulerTable *schedulers = nullptr;
int my_slot = -1;

Size scheduler_table_size() {
	return add_size(offsetof(SchedulerTable, slots), mul_size(max_worker_processes, sizeof(SchedulerSlot)));
}

void initialize_scheduler_table(void *memory) {
	auto *fresh = static_cast<SchedulerTable *>(memory);
	SpinLockInit(&fresh->mutex);
	fresh->size = max_worker_processes;
	for (int i = 0; i < fresh->size; i++)
		fresh->slots[i] = SchedulerSlot{InvalidOid, 0};
}

void release_slot(int, Datum) {
	if (my_slot < 0)
		return;
	SpinLockAcquire(&schedulers->mutex);
	schedulers->slots[my_slot] = SchedulerSlot{InvalidOid, 0};
	SpinLockRelease(&schedulers->mutex);
	my_slot = -1;
}

// False when another live scheduler serves this database. Whether a pid is
// alive is asked outside the spinlock (it takes an LWLock); a scheduler that
// claimed the database meanwhile is seen under the lock.
bool claim_database() {
	if (!schedulers)
		return true;
	int *dead = static_cast<int *>(palloc0(sizeof(int) * schedulers->size));
	int dead_count = 0;
	SpinLockAcquire(&schedulers->mutex);
	for (int i = 0; i < schedulers->size; i++)
		if (schedulers->slots[i].database == MyDatabaseId)
			dead[dead_count++] = schedulers->slots[i].pid;
	SpinLockRelease(&schedulers->mutex);
	for (int i = 0; i < dead_count; i++)
		if (dead[i] != 0 && BackendPidGetProc(dead[i]))
			return false;

	bool taken = false;
	int chosen = -1;
	SpinLockAcquire(&schedulers->mutex);
	for (int i = 0; i < schedulers->size && !taken; i++) {
		const SchedulerSlot &slot = schedulers->slots[i];
		bool known_dead = false;
		for (int d = 0; d < dead_count; d++)
			known_dead = known_dead || dead[d] == slot.pid;
		if (slot.database == MyDatabaseId && !known_dead)
			taken = true; // claimed since the look above
		else if (chosen < 0 && (slot.pid == 0 || slot.database == MyDatabaseId))
			chosen = i;
	}
	if (!taken && chosen >= 0) {
		schedulers->slots[chosen] = SchedulerSlot{MyDatabaseId, MyProcPid};
		my_slot = chosen;
	}
	SpinLockRelease(&schedulers->mutex);
	pfree(dead);
	if (my_slot >= 0)
		before_shmem_exit(release_slot, 0);
	return !taken;
}

struct DuePolicies {
	MemoryContext context;  // where names live: outlives the transaction
	bool extension_missing;
	int count;
	char **names;  // in run order
};

// Runs body in a transaction of its own; false (and the error logged) if it failed.
bool in_transaction(void (*body)(void *), void *argument, MemoryContext keep) {
	ErrorData *error = nullptr;
	if (border::run_in_transaction(body, argument, keep, &error))
		return true;
	ereport(LOG, (errmsg("retention scheduler: %s", error->message)));
	FreeErrorData(error);
	return false;
}

struct Startup {
	MemoryContext context;
	bool installed;
	char *database_name;
};

void check_extension(void *argument) {
	auto *startup = static_cast<Startup *>(argument);
	startup->installed = OidIsValid(get_extension_oid("retention", true));
	startup->database_name = MemoryContextStrdup(startup->context, get_database_name(MyDatabaseId));
}

// Runs left 'running' by a crash or an immediate shutdown: no run worker is
// alive with their pid any more.
void settle_dead_runs(void *) {
	uint64 settled = border::spi_run(
	    "UPDATE retention.runs r SET status = 'failed', finished_at = pg_catalog.clock_timestamp(), "
	    "error = 'the server stopped during the run (crash or immediate shutdown); its committed batches are counted' "
	    "WHERE r.status OPERATOR(pg_catalog.=) 'running' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a "
	    "WHERE a.pid OPERATOR(pg_catalog.=) r.pid AND a.backend_type OPERATOR(pg_catalog.=) 'retention run')",
	    0, nullptr, nullptr, nullptr, SPI_OK_UPDATE);
	if (settled > 0)
		ereport(LOG, (errmsg("retention scheduler: settled %llu runs left running by a stopped server as failed",
		                     (unsigned long long)settled)));
}

void find_due_policies(void *argument) {
	auto *due = static_cast<DuePolicies *>(argument);
	due->extension_missing = !OidIsValid(get_extension_oid("retention", true));
	if (due->extension_missing)
		return;
	border::spi_run("SELECT policy FROM retention.status WHERE next_run_at OPERATOR(pg_catalog.<=) pg_catalog.now() "
	                "AND NOT running ORDER BY policy", 0,
	                nullptr, nullptr, nullptr, SPI_OK_SELECT, true);
	int count = int(SPI_processed);
	char **names = static_cast<char **>(SPI_palloc(sizeof(char *) * Max(count, 1)));
	for (int i = 0; i < count; i++) {
		char *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		names[i] = static_cast<char *>(SPI_palloc(strlen(name) + 1));
		strcpy(names[i], name);
	}
	int *order = prune::order_children_first(names, count);
	due->names = static_cast<char **>(MemoryContextAlloc(due->context, sizeof(char *) * Max(count, 1)));
	for (int i = 0; i < count; i++)
		due->names[i] = MemoryContextStrdup(due->context, names[order[i]]);
	due->count = count;
}

struct StillDue {
	const char *policy;
	bool due;
};

// The list of due policies is made once per look; a policy edited or
// disabled while an earlier one of the list ran must not run on that list.
void check_still_due(void *argument) {
	auto *check = static_cast<StillDue *>(argument);
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(check->policy)};
	border::spi_run("SELECT 1 FROM retention.status WHERE policy OPERATOR(pg_catalog.=) $1 "
	                "AND next_run_at OPERATOR(pg_catalog.<=) pg_catalog.now() AND NOT running", 1,
	                types, values, nullptr, SPI_OK_SELECT, true);
	check->due = SPI_processed > 0;
}

// Deletes what sql (with $1 = limit) selects from the history; logs how many.
void delete_history(const char *sql, int32 limit, const char *why) {
	Oid types[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(limit)};
	uint64 deleted = border::spi_run(sql, 1, types, values, nullptr, SPI_OK_DELETE);
	if (deleted > 0)
		ereport(LOG, (errmsg("retention scheduler: removed %llu runs %s", (unsigned long long)deleted, why)));
}

// The history stays bounded: finished runs older than
// retention.history_retention go, and each policy keeps at most its newest
// retention.history_runs_per_policy rows.
void prune_history(void *) {
	if (setting_history_minutes > 0)
		delete_history("DELETE FROM retention.runs WHERE status OPERATOR(pg_catalog.<>) 'running' "
		               "AND coalesce(finished_at, started_at) OPERATOR(pg_catalog.<) "
		               // Parenthesized: every OPERATOR() shares one precedence, left to right.
		               "(pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(mins => $1))",
		               setting_history_minutes, "older than retention.history_retention");
	if (setting_history_runs_per_policy > 0)
		delete_history("DELETE FROM retention.runs r USING ("
		               "  SELECT p.policy, (SELECT k.id FROM retention.runs k WHERE k.policy OPERATOR(pg_catalog.=) p.policy "
		               "                    ORDER BY k.id DESC OFFSET $1 LIMIT 1) AS newest_dropped "
		               "  FROM (SELECT DISTINCT policy FROM retention.runs) p"
		               ") o WHERE r.policy OPERATOR(pg_catalog.=) o.policy AND r.id OPERATOR(pg_catalog.<=) o.newest_dropped "
		               "AND r.status OPERATOR(pg_catalog.<>) 'running'",
		               setting_history_runs_per_policy, "beyond retention.history_runs_per_policy");
}

// One scheduled run; a failure to start it (no worker slot) is logged and
// the policy stays due.
void run_scheduled(const char *policy, MemoryContext keep) {
	PG_TRY();
	{
		prune::RunRequest result;
		prune::run_and_wait(policy, false, true, false, &result);
		if (result.outcome == prune::RunOutcome::NotStarted)
			ereport(LOG, (errmsg("retention scheduler: %s not run: %s", policy, result.error)));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(keep);
		ErrorData *error = CopyErrorData();
		FlushErrorState();
		ereport(LOG, (errmsg("retention scheduler: could not run %s: %s", policy, error->message)));
		FreeErrorData(error);
	}
	PG_END_TRY();
}

} // namespace

void request_scheduler_memory() {
	border::request_shared_struct({"retention schedulers", scheduler_table_size, initialize_scheduler_table,
	                               reinterpret_cast<void **>(&schedulers)});
}

BackgroundWorkerHandle *start_scheduler(Oid database) {
	// The launcher restarts it.
	BackgroundWorker worker = dynamic_worker("retention_scheduler_main", "retention scheduler", "retention scheduler",
	                                         ObjectIdGetDatum(database));
	BackgroundWorkerHandle *handle = nullptr;
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	bool started = RegisterDynamicBackgroundWorker(&worker, &handle);
	MemoryContextSwitchTo(caller);
	return started ? handle : nullptr;
}

} // namespace retention::worker

void retention_scheduler_main(Datum argument) {
	using namespace retention::worker;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die); // a run in flight is asked to stop after its batch
	BackgroundWorkerUnblockSignals();
	connect_worker_session(DatumGetObjectId(argument));
	pgstat_report_appname("retention scheduler");

	MemoryContext keep = AllocSetContextCreate(TopMemoryContext, "retention scheduler", ALLOCSET_DEFAULT_SIZES);
	MemoryContext tick = AllocSetContextCreate(keep, "retention scheduler tick", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(keep);

	Startup startup{keep, false, nullptr};
	if (!in_transaction(check_extension, &startup, keep) || !startup.installed)
		proc_exit(0); // nothing to schedule here; the launcher looks again later
	if (!claim_database()) {
		ereport(LOG, (errmsg("retention scheduler: another scheduler serves database \"%s\" already",
		                     startup.database_name)));
		proc_exit(0);
	}
	(void)in_transaction(settle_dead_runs, nullptr, keep);
	ereport(LOG, (errmsg("retention scheduler started for database \"%s\"", startup.database_name)));

	TimestampTz next_history_prune = 0;
	BackgroundWorkerHandle *warm_worker = nullptr; // leaves by itself when this scheduler is gone
	for (;;) {
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			next_history_prune = 0; // new history limits apply at once
		}
		keep_warm_worker(&warm_worker);
		MemoryContextReset(tick);
		MemoryContextSwitchTo(tick);
		if (retention::setting_enabled) {
			DuePolicies due{};
			due.context = tick;
			pgstat_report_activity(STATE_RUNNING, "retention: looking for due policies");
			if (in_transaction(find_due_policies, &due, tick)) {
				if (due.extension_missing) {
					ereport(LOG, (errmsg("retention scheduler: the extension is gone from database \"%s\"",
					                     startup.database_name)));
					proc_exit(0);
				}
				for (int i = 0; i < due.count; i++) {
					CHECK_FOR_INTERRUPTS();
					if (ConfigReloadPending) {
						ConfigReloadPending = false;
						ProcessConfigFile(PGC_SIGHUP);
					}
					StillDue check{due.names[i], false};
					if (!retention::setting_enabled || (i > 0 && (!in_transaction(check_still_due, &check, tick) ||
					                                               !check.due)))
						continue;
					pgstat_report_activity(STATE_RUNNING, psprintf("retention: scheduled run of %s", due.names[i]));
					run_scheduled(due.names[i], tick);
				}
			}
			if (GetCurrentTimestamp() >= next_history_prune) {
				(void)in_transaction(prune_history, nullptr, tick);
				next_history_prune = GetCurrentTimestamp() + history_prune_every_usecs;
			}
		}
		pgstat_report_activity(STATE_IDLE, ""); // not the text of its last statement
		pgstat_report_stat(false); // what its own statements did (the history it pruned), at most once a second
		MemoryContextSwitchTo(keep);
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, scheduler_tick_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
