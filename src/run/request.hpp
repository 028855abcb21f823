// The run protocol: what a backend that asks for a run (retention.run(),
// run_all(), prune()) and the worker that carries it out share (one dynamic
// shared memory segment per run), handing a run to a worker and waiting for
// it, and serving it. A worker's own scheduled runs use the same request,
// in its own memory.
#pragma once

#include "run/report.hpp"

#include "border/pg.hpp"

namespace retention::run {

enum class RunOutcome : uint32 {
	NotStarted = 0,  // the worker has not reached the run yet, or refused it
	Finished = 1,    // the run row was completed; the fields below are final
};

// A shard run (retention.prune_shard(), on a Citus node): one shard of a
// distributed table, pruned with the plain engine for a run of the
// coordinator, which passes the policy's definition and its cutoff. There
// is no policy row and no run row on the node; the caller's role is the
// run's role.
struct ShardWork {
	bool active;
	Oid relid;                            // the distributed table, on this node
	int64 shard;
	int64 coordinator_run_id;
	TimestampTz cutoff;
	char time_column[NAMEDATALEN];
	char time_unit[8];                    // empty: none
	bool has_filter;
	char filter[8192];
	int32 batch_size;
	int64 batch_delay_usecs;
	int64 max_runtime_usecs;              // 0: none
	int32 max_rows_per_second;            // 0: none
	bool absent;                          // out: this node holds no active placement of the shard now
};

struct RunRequest {
	// Set by the requester before the worker starts.
	Oid database;
	Oid requested_by;                     // the role that asked (logged in the run's application_name)
	int requester_procno;                 // whose latch the worker sets when its report is final
	bool dry_run;
	bool explain;                         // retention.explain(): no run; report says what a run would do
	bool scheduled;                       // triggered_by = 'schedule'
	char policy[policy_name_max + 1];
	ShardWork shard;                      // a shard run, when shard.active

	// Set by the requester at any time: stop after the batch in flight.
	pg_atomic_uint32 cancel_requested;

	// Progress, written by the worker as batches commit.
	pg_atomic_uint64 rows_pruned;
	pg_atomic_uint64 batches;

	// Set by the worker once the fields below are final (the run row is
	// completed, or the run was refused): the requester need not wait for
	// the worker to exit.
	pg_atomic_uint32 reported;

	// Written by the worker; read by the requester once reported is set or
	// the worker has exited.
	RunOutcome outcome;
	RunReport run;                        // the run's report (explain: status and pid only)
	char error_detail[1024];
	char error_hint[256];
	char explained[8192];                 // explain: lines, each ending with a newline
};

// Initializes a request (in shared memory, or the worker's own for a
// scheduled run).
void init_request(RunRequest *request, const char *policy, bool dry_run, bool scheduled);

// application_name and backend type of retention's workers.
constexpr char worker_application_name[] = "retention worker";

// The worker's side (src/run/serve.cpp): carries out the request
// (prune::execute_run) and reports to its requester, leaving the process
// ready for another request (memory and session state as before: what the
// run's code left in the session is discarded). before_report, when given,
// runs after the report is final and before the requester is woken. False
// when the session could not be reset: the worker must not serve another
// run.
bool serve_request(RunRequest *request, void (*before_report)());

// Called first by a process that serves runs (retention's workers).
// SIGTERM: the run in flight stops after its batch; termination_requested()
// then tells the process to exit. And no run can be started from this
// process (by a trigger or filter function a run executes, calling
// retention.run()): run_and_wait refuses.
void become_run_process();
bool termination_requested();
bool is_run_process();

// The requester's side (src/run/dispatch.cpp): hands the request to an idle
// worker of this database, or starts a worker for it within
// retention.max_workers (waiting, with a NOTICE, while every slot is taken),
// and waits for it, relaying progress as NOTICEs when notices is true. A
// cancel or termination of the waiting backend asks the worker to stop
// after the batch in flight. Fills *result with the worker's final report.
// shard, when given, makes it a shard run (ShardWork).
void run_and_wait(const char *policy, bool dry_run, bool notices, RunRequest *result, bool explain = false,
                  const ShardWork *shard = nullptr);

} // namespace retention::run
