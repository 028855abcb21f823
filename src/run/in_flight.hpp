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

// Asks every run in flight of policy in this database to stop after its
// batch, on behalf of the current user. Returns how many were asked, or -1
// when there is no table (the library is not preloaded).
int request_cancel(const char *policy);

} // namespace retention::run
