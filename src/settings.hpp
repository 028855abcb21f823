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

// retention.warm_worker: the scheduler keeps a connected run worker waiting
// in its database.
extern bool setting_warm_worker;

// Whether retention.databases lets the worker serve this database.
bool worker_serves_database(const char *database);

} // namespace retention
