// Runs in flight, in shared memory when the library is preloaded: one entry
// per run a worker is carrying out (manual, scheduled or dry). A role that
// may run a policy may ask its runs to stop (retention.cancel()), scheduled
// ones included; the worker sees it between batches.
#pragma once

#include "border/pg.hpp"

namespace retention::run {

// From _PG_init, when preloaded.
void request_runs_in_flight_memory();

struct InFlight;

// The worker's side. nullptr without the table (not preloaded).
InFlight *enter_in_flight(const char *policy, Oid owner, int64 run_id, bool dry_run, bool scheduled);
void leave_in_flight(InFlight *run);
// InvalidOid while no one asked the run to stop; else who asked.
Oid cancel_requested_by(const InFlight *run);

// Progress, for retention.progress; nothing without the table. The phase
// and what the run waits for are short phrases a person reads; waiting_for
// nullptr: working. remaining_estimate < 0: unknown.
void note_phase(InFlight *run, const char *phase);
void note_waiting(InFlight *run, const char *waiting_for);
void note_progress(InFlight *run, int64 rows, int64 batches, int64 remaining_estimate);

struct ProgressRow {
	int64 run_id;
	char policy[256];
	Oid owner;
	int pid;
	bool dry_run;
	bool scheduled;
	TimestampTz started_at;
	TimestampTz waiting_since;   // 0 while working
	char phase[32];
	int64 rows_pruned;
	int64 batches;
	int64 remaining_estimate;    // < 0: unknown
	char waiting_for[160];       // empty while working
};
// The runs in flight in this database (palloc'd); their count. -1 without
// the table.
int progress_of_database(ProgressRow **rows);

// The real run of policy in flight in this database, if any (for the
// NOTICEs of the backend that asked for it).
bool progress_of_policy(const char *policy, ProgressRow *row);

// Asks every run in flight of policy in this database to stop after its
// batch, on behalf of the current user. Returns how many were asked, or -1
// when there is no table (the library is not preloaded).
int request_cancel(const char *policy);

// How many real runs (not dry runs) are in flight in the cluster, at
// least 1: they share retention.max_wal_per_second. 1 without the table.
int real_runs_in_flight();

} // namespace retention::run
