// Warm run workers: one run worker per database the scheduler serves that
// is already connected and waits for its next run, so a run starts without
// the postmaster forking a worker and the worker connecting (about 20 ms of
// every run, docs/benchmarks.md). The scheduler keeps it going
// (retention.warm_worker); a requester hands it its run request when it is
// idle and starts a run worker of its own otherwise.
#pragma once

#include "border/pg.hpp"

namespace retention::worker {

// From _PG_init, when preloaded: the table of warm workers in shared memory.
void request_warm_worker_memory();

// The scheduler's side, every tick: starts its database's warm worker if
// it has none and retention.warm_worker is on. *handle is the worker,
// nullptr while there is none (it lives in TopMemoryContext). The worker
// leaves by itself, once idle, when the setting is off or the scheduler
// that started it is gone.
void keep_warm_worker(BackgroundWorkerHandle **handle);

// The requester's side. A claim names the warm worker serving one request.
struct WarmClaim {
	int entry;
	int pid;
	int procno;
	uint64 claims;
};

// Hands the request (its dynamic shared memory segment) to an idle warm
// worker of this database; false when there is none.
bool claim_warm_worker(dsm_handle request, WarmClaim *claim);
// Whether the warm worker still serves the claimed request (false once it
// went back to waiting, or exited).
bool warm_worker_serving(const WarmClaim &claim);
// Wakes it (to see a cancel at once).
void wake_warm_worker(const WarmClaim &claim);

} // namespace retention::worker
