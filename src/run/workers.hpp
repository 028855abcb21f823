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

// Starting a worker. A slot for a new worker in database, with the request
// it is to serve first (0: a scheduling pass); -1 when retention.max_workers
// slots are taken. *reservation names this reservation of the slot:
// unreserve_slot gives it back when the worker could not be started or
// stopped before adopting it (and leaves a later reservation alone).
int reserve_slot(Oid database, dsm_handle request, uint64 *reservation);
void unreserve_slot(int slot, uint64 reservation);
// Registers a retention worker for database with the postmaster: for slot
// (-1 without the table: a worker outside any budget that serves request
// and exits). The caller (bgw_notify_pid) is told of its start and stop.
// False when the postmaster has no free background worker slot. *handle is
// allocated in the current memory context.
bool start_worker(Oid database, int slot, uint64 reservation, dsm_handle request, BackgroundWorkerHandle **handle);

// A claim names the idle worker serving one request.
struct Claim {
	int slot;
	int pid;
	int procno;
	uint64 claims;
};
// Hands the request to the idle worker of the current database that ended
// a run last. wait: with may_wait, a worker that is passing would be the
// better one (it is idle in a moment, unless it found a due policy): ask
// again shortly.
enum class ClaimResult { claimed, wait, none };
ClaimResult claim_idle_worker(dsm_handle request, bool may_wait, Claim *claim);
// Whether a worker of the current database is passing (it will be idle in
// a moment, unless it found a due policy).
bool passing_worker_here();
// Whether the claimed worker still serves the request (false once it went
// back to passing or idle, or exited).
bool claim_served(const Claim &claim);
void wake_claimed(const Claim &claim);

// The launcher announces itself: workers that exit and requesters that
// wait for a slot wake it.
void register_launcher(int procno);
void wake_launcher();
// Asks an idle worker of database for a pass (or, if none is idle, a
// passing one for another pass); false if there is neither.
bool request_pass(Oid database);
// Asks the longest-idle worker (of another database than except, if
// valid) to leave, freeing its slot soon; false if no worker is idle.
bool evict_idle_worker(Oid except);
// Frees slots reserved long ago and never adopted, and slots of workers
// that died without freeing theirs.
void sweep_slots();
// What the workers of database are doing.
struct DatabaseWorkers {
	int looking;  // reserved, passing, idle or claimed: one of them will see what is due
	int running;
};
DatabaseWorkers workers_of(Oid database);
// Slots not free, cluster-wide.
int slots_in_use();

// Someone waits for a slot: a backend for a manual run, or the launcher for
// a due database. A worker that ends a run then leaves rather than pass
// again, and the launcher starts no scheduled worker while a manual run
// waits: the budget goes round.
void note_manual_waiter(bool waiting);
bool manual_waiters();
void note_database_waiting(bool waiting);
bool slot_wanted();

// The worker. What its starter handed it.
void read_start_arguments(int *slot, uint64 *reservation, dsm_handle *request);
// Takes its slot (reserved for it); false if it was given up.
// Returns the request to serve first (0: none).
bool adopt_slot(int slot, uint64 reservation, Oid database, dsm_handle *request);
bool have_slot();
// More slots are taken than retention.max_workers allows (it was lowered):
// a worker that ends a run leaves.
bool over_budget();
void set_passing();
void set_running();
// Waits idle for work until leave_at (then leaves) or pass_at (then passes).
enum class Work { serve, pass, leave };
Work wait_for_work(TimestampTz leave_at, TimestampTz pass_at, dsm_handle *request);
// Gives the slot up (also registered as an on_shmem_exit callback by
// adopt_slot). After this the worker takes no more work.
void release_slot();

} // namespace retention::run
