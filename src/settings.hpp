// Settings of the extension, defined in _PG_init (src/module.cpp).
#pragma once

namespace retention {

// retention.enabled: off makes the background worker schedule nothing.
extern bool setting_enabled;
// retention.databases: comma-separated database names the worker serves; empty = all.
extern char *setting_databases;
// retention.history_retention: minutes of run history kept; 0 keeps it forever.
extern int setting_history_minutes;
// retention.history_runs_per_policy: rows of retention.runs kept per policy; 0: no limit.
extern int setting_history_runs_per_policy;

// retention.batch_time_target: batches are sized to take at most about this long (ms).
extern int setting_batch_time_target_ms;

// retention.compress_wal: run workers compress full-page images in their WAL
// when the server's wal_compression is off.
extern bool setting_compress_wal;

// retention.max_workers: the most background worker slots retention's
// workers hold at once, cluster-wide (the launcher is not counted).
extern int setting_max_workers;
// retention.max_databases: how many databases the launcher can serve (the
// size of its table in shared memory; server start).
extern int setting_max_databases;
// retention.worker_idle_timeout: how long (s) a worker with nothing to do
// stays connected in its database, waiting for the next due policy or run.
extern int setting_worker_idle_timeout_s;
// retention.warm_worker: off makes workers leave as soon as they have
// nothing to do (as retention.worker_idle_timeout = 0).
extern bool setting_warm_worker;

// retention.pause: on holds every run between batches and starts none.
extern bool setting_pause;
// retention.max_replica_lag (ms): before each batch a run waits while a
// streaming standby is further behind; 0: no check.
extern int setting_max_replica_lag_ms;

// retention.max_wal_per_second (kB): the WAL all real runs in flight may
// write per second together, paced between batches; 0: as fast as they can.
extern int setting_max_wal_per_second_kb;
// Its default, chosen from the foreground-impact benchmark (docs/benchmarks.md).
constexpr int default_max_wal_per_second_kb = 4 * 1024;

// Whether retention.databases lets the worker serve this database.
bool worker_serves_database(const char *database);

} // namespace retention
