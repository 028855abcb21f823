// Module entry: settings, and the launcher worker when preloaded.
#include "settings.hpp"
#include "run/in_flight.hpp"
#include "run/workers.hpp"
#include "worker/databases.hpp"
#include "worker/launcher.hpp"

#include "border/pg.hpp"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

namespace retention {

bool setting_enabled = true;
char *setting_databases = nullptr;
int setting_history_minutes = 90 * 24 * 60;
int setting_history_runs_per_policy = 1000;
int setting_batch_time_target_ms = 200;
bool setting_compress_wal = true;
bool setting_warm_worker = true;
int setting_max_workers = 4;
int setting_max_databases = 1000;
int setting_worker_idle_timeout_s = 60;
bool setting_pause = false;
int setting_max_replica_lag_ms = 0;
int setting_max_wal_per_second_kb = default_max_wal_per_second_kb;

bool worker_serves_database(const char *database) {
	if (!database)
		return false;
	if (!setting_databases || setting_databases[0] == '\0')
		return true;
	char *copy = pstrdup(setting_databases);
	List *names = NIL;
	bool serves = false;
	if (SplitIdentifierString(copy, ',', &names)) {
		ListCell *cell;
		foreach (cell, names)
			serves = serves || strcmp(static_cast<const char *>(lfirst(cell)), database) == 0;
	}
	list_free(names);
	pfree(copy);
	return serves;
}

namespace {

// retention.databases must be a list of identifiers, like search_path.
bool check_databases(char **newval, void **, GucSource) {
	char *copy = pstrdup(*newval);
	List *names = NIL;
	bool ok = SplitIdentifierString(copy, ',', &names);
	list_free(names);
	pfree(copy);
	if (!ok)
		GUC_check_errdetail("retention.databases must be a comma-separated list of database names.");
	return ok;
}

// retention.batch_synchronous_commit: the synchronous_commit of a run's batch
// transactions. Run workers read it by name (it is handed on to
// synchronous_commit as text), so its value lives here only.
int setting_batch_synchronous_commit = SYNCHRONOUS_COMMIT_OFF;

// The values of synchronous_commit, for retention.batch_synchronous_commit.
const struct config_enum_entry synchronous_commit_values[] = {
    {"off", SYNCHRONOUS_COMMIT_OFF, false},
    {"local", SYNCHRONOUS_COMMIT_LOCAL_FLUSH, false},
    {"remote_write", SYNCHRONOUS_COMMIT_REMOTE_WRITE, false},
    {"remote_apply", SYNCHRONOUS_COMMIT_REMOTE_APPLY, false},
    {"on", SYNCHRONOUS_COMMIT_ON, false},
    {nullptr, 0, false},
};

} // namespace
} // namespace retention

void _PG_init(void) {
	DefineCustomBoolVariable("retention.enabled", "Lets the background worker schedule retention policies.",
	                         "Off: no policy runs on schedule; manual runs still work.", &retention::setting_enabled, true,
	                         PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomStringVariable("retention.databases", "Databases the retention worker serves.",
	                           "Comma-separated database names; empty means every database with the extension.",
	                           &retention::setting_databases, "", PGC_SIGHUP, GUC_LIST_INPUT,
	                           retention::check_databases, nullptr, nullptr);
	DefineCustomIntVariable("retention.history_retention", "How long retention.runs keeps the history of runs.",
	                        "Older finished runs are deleted by the scheduler, hourly; 0 keeps the history forever.",
	                        &retention::setting_history_minutes, 90 * 24 * 60, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MIN,
	                        nullptr, nullptr, nullptr);
	DefineCustomIntVariable("retention.history_runs_per_policy", "How many rows of retention.runs are kept per policy.",
	                        "The scheduler deletes a policy's oldest finished runs beyond this many, hourly; 0 keeps "
	                        "them all (retention.history_retention still applies).",
	                        &retention::setting_history_runs_per_policy, 1000, 0, INT_MAX, PGC_SIGHUP, 0, nullptr,
	                        nullptr, nullptr);
	DefineCustomIntVariable("retention.batch_time_target", "How long one batch transaction of a run should take at most.",
	                        "Batches that take longer shrink the next ones (down to 100 rows); quick ones grow back up "
	                        "to the policy's batch_size.",
	                        &retention::setting_batch_time_target_ms, 200, 10, 60 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
	                        nullptr, nullptr);
	DefineCustomEnumVariable(
	    "retention.batch_synchronous_commit", "synchronous_commit of a run's batch transactions.",
	    "off (the default): a batch does not wait for its WAL flush; a crash may undo the last batches of a run, whose "
	    "rows the next run prunes again. The run's closing commit always uses the server's synchronous_commit. on "
	    "(or remote_write, remote_apply) makes every batch wait, which paces a run to a synchronous standby.",
	    &retention::setting_batch_synchronous_commit, SYNCHRONOUS_COMMIT_OFF, retention::synchronous_commit_values,
	    PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomBoolVariable("retention.compress_wal", "Compresses full-page images in the WAL of runs.",
	                         "When the server's wal_compression is off, run workers use lz4 (pglz without lz4) for "
	                         "their own WAL; off leaves the server's setting.",
	                         &retention::setting_compress_wal, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("retention.max_workers", "The most background worker slots retention holds at once.",
	                        "Cluster-wide, for scheduled and manual runs alike; the launcher is not counted. A manual "
	                        "run that finds every one taken waits for one.",
	                        &retention::setting_max_workers, 4, 1, MAX_BACKENDS, PGC_SIGHUP, 0, nullptr, nullptr,
	                        nullptr);
	DefineCustomIntVariable("retention.worker_idle_timeout",
	                        "How long a retention worker with nothing to do stays connected in its database.",
	                        "It serves the next due policy or manual run of its database without a worker being "
	                        "started (about 20 ms each); it leaves sooner when another database needs its slot. 0: "
	                        "workers leave as soon as they have nothing to do.",
	                        &retention::setting_worker_idle_timeout_s, 60, 0, 24 * 3600, PGC_SIGHUP, GUC_UNIT_S,
	                        nullptr, nullptr, nullptr);
	DefineCustomBoolVariable("retention.warm_worker", "Lets idle retention workers wait for the next run.",
	                         "Off: as retention.worker_idle_timeout = 0, every worker leaves as soon as it has "
	                         "nothing to do.",
	                         &retention::setting_warm_worker, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomBoolVariable("retention.pause", "Holds every retention run between batches, and starts none.",
	                         "On: runs in flight wait before their next batch, scheduled runs are not started, a "
	                         "manual run waits before its first batch (dry runs go on). Off: they go on. A reload "
	                         "applies it at once.",
	                         &retention::setting_pause, false, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
	DefineCustomIntVariable("retention.max_replica_lag",
	                        "Before each batch, a run waits while a streaming standby is further behind than this.",
	                        "Behind: its replay_lag, or the age of the oldest WAL the primary wrote that it has not "
	                        "replayed (so a standby whose replay is paused counts). Standbys that are not connected "
	                        "do not count. 0 turns the check off.",
	                        &retention::setting_max_replica_lag_ms, 0, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
	                        nullptr, nullptr);
	DefineCustomIntVariable("retention.max_wal_per_second",
	                        "The WAL all retention runs in flight may write per second, together.",
	                        "Paced between batches and shared evenly by the runs in flight, so that concurrent "
	                        "writers, whose commits wait for the WAL before theirs to be flushed, and standbys keep "
	                        "up. 0: runs write as fast as they can (a maintenance window).",
	                        &retention::setting_max_wal_per_second_kb, retention::default_max_wal_per_second_kb, 0,
	                        INT_MAX, PGC_SIGHUP, GUC_UNIT_KB, nullptr, nullptr, nullptr);
	if (process_shared_preload_libraries_in_progress) {
		// Sizes shared memory: only at server start (defining it later is an error).
		DefineCustomIntVariable("retention.max_databases", "How many databases the retention launcher can serve.",
		                        "The size of its table in shared memory; databases beyond it are not scheduled (a WARNING "
		                        "in the server log says which).",
		                        &retention::setting_max_databases, 1000, 1, 1000000, PGC_POSTMASTER, 0, nullptr, nullptr,
		                        nullptr);
		retention::worker::register_launcher();
		retention::worker::install_database_hooks();
		retention::run::request_worker_table_memory();
		retention::run::request_runs_in_flight_memory();
		retention::worker::request_database_table_memory();
	}
	MarkGUCPrefixReserved("retention");
}
