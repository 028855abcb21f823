// The table of retention's workers in shared memory (when preloaded): one
// slot per worker, taken before the worker is registered with the
// postmaster, so that retention never holds more than retention.max_workers
// background worker slots, whoever starts them (the launcher for scheduled
// work, a backend for a manual run). The slot also says what its worker is
// doing, so that an idle worker can be handed a run or asked for a pass.
// States and transitions: docs/architecture.md.
#pragma once

#include "border/pg.hpp"

namespace retention::run {

enum class SlotState : uint8 {
	free,      // no worker
	reserved,  // its worker is being started
	passing,   // looking for a due policy of its database
	running,   // carrying out a run
	idle,      // connected, waiting for work in its database
	claimed,   // idle, and a requester handed it a run
	leaving,   // exiting
};

// From _PG_init, when preloaded.
void request_worker_table_memory();
// Whether there is a table (the library is preloaded).
bool have_worker_table();

// Starters. A slot for a new worker in database, with the request it is to
// serve first (0: a scheduling pass); -1 when retention.max_workers slots
// are taken. unreserve_slot gives it back when the worker cannot be started.
int reserve_slot(Oid database, dsm_handle request);
void unreserve_slot(int slot);

// A claim names the idle worker serving one request.
struct Claim {
	int slot;
	int pid;
	int procno;
	uint64 claims;
};
// Hands the request to an idle worker of the current database.
bool claim_idle_worker(dsm_handle request, Claim *claim);
// Whether the claimed worker still serves the request (false once it went
// back to passing or idle, or exited).
bool claim_served(const Claim &claim);
void wake_claimed(const Claim &claim);

// The launcher: asks an idle worker of database for a pass; false if none.
bool request_pass(Oid database);
// Asks the longest-idle worker (of another database than except, if
// valid) to leave, freeing its slot soon; false if no worker is idle.
bool evict_idle_worker(Oid except);
// Frees slots reserved long ago and never adopted, and slots of workers
// that died without freeing theirs.
void sweep_slots();
// What the workers of database are doing.
struct DatabaseWorkers {
	int looking;  // passing, idle or claimed: one of them will see what is due
	int running;
};
DatabaseWorkers workers_of(Oid database);
// Slots not free, cluster-wide.
int slots_in_use();

// A backend waiting for a slot for a manual run: the launcher starts no
// scheduled worker meanwhile.
void note_manual_waiter(bool waiting);
bool manual_waiters();

// The worker. Takes its slot (reserved for it); false if it was given up.
// Returns the request to serve first (0: none).
bool adopt_slot(int slot, dsm_handle *request);
void set_passing();
void set_running();
// Waits idle for work: returns the claimed request, or 0 with *pass set
// when a pass was requested, or 0 with *leave set when the worker should
// exit (asked to, timeout_ms passed, or termination). Latch-driven.
dsm_handle wait_for_work(long timeout_ms, bool *pass, bool *leave);
// At exit (also registered as a before_shmem_exit callback by adopt_slot).
void release_slot();

} // namespace retention::run
