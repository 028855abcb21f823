// The launcher: one background worker per cluster, registered at preload.
#pragma once

namespace retention::worker {

// Registers the launcher with the postmaster; call from _PG_init only.
void register_launcher();

// Stops this extension's workers connected to a database that DROP
// DATABASE, ALTER DATABASE ... RENAME or SET TABLESPACE is about to change
// (they would make it fail with "being accessed by other users").
void install_database_hooks();

// Sends SIGTERM to the retention workers (schedulers, runs) connected to database.
void stop_database_workers(unsigned int database);  // an Oid

} // namespace retention::worker
