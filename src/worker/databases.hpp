// The databases the launcher serves, in shared memory (when preloaded):
// for each, when its next policy is due, as its workers last saw it. The
// launcher sleeps until the earliest of these; workers and committed policy
// edits update them. See docs/architecture.md.
#pragma once

#include "border/pg.hpp"

namespace retention::worker {

// From _PG_init, when preloaded.
void request_database_table_memory();

// "Never": nothing is due (no policy, or no extension) until a wake-up.
constexpr TimestampTz never_due = DT_NOEND;

// A worker's view of its database: next_due (never_due when nothing is),
// as seen in a snapshot taken at view_time. A view older than the one
// stored does not replace it.
void publish_next_due(TimestampTz next_due, TimestampTz view_time);

// Whether the current database's run history is to be pruned now (at most
// once per every_usecs across its workers, and after a reload); if so,
// counts it as done.
bool take_history_prune(int64 every_usecs);

// A committed policy edit or CREATE EXTENSION: the current database is due
// now, and the launcher is woken. Nothing without preloading.
void wake_database_at_commit();

// CREATE DATABASE, ALTER DATABASE, or a rename: the launcher reads
// pg_database again when the current transaction commits (a database
// created from a template that has policies is served at once).
void rescan_databases_at_commit();

// The fair share: while another database has policies, one database never
// holds every slot of the budget with runs, so that long runs there (four
// two-hour prunes) cannot keep the others waiting. True when database has
// retention.max_workers - 1 workers running (at least one) and another
// database has something scheduled: it starts no further run meanwhile.
bool fair_share_reached(Oid database);

// The launcher's side.
struct DatabaseDue {
	Oid database;
	TimestampTz next_due;
};
// Brings the table in line with the databases served now (new ones are
// due at once, gone ones forgotten). False when a database did not fit.
bool sync_databases(const Oid *served, int count);
// Databases due at or before now, most overdue first (palloc'd); *count.
DatabaseDue *due_databases(TimestampTz now, int *count);
// The earliest next_due of the databases for which has_worker is false.
TimestampTz earliest_due(bool (*has_worker)(Oid database));
// A worker started in database at started_at stopped: if it never said what
// is due there (it could not connect, or failed before its first pass),
// the database is not due again before until, so that a database whose
// workers fail at once does not make the launcher start one after another.
void postpone_if_unseen(Oid database, TimestampTz started_at, TimestampTz until);
// Woken databases that the table did not hold: the launcher reads
// pg_database again.
bool take_unknown_wakeup();
// Every database due now (after a reload: new settings apply at once).
void all_due_now();

} // namespace retention::worker
