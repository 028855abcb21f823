// A run of a policy on a Citus distributed table, on the coordinator: every
// shard pruned on the node that holds its active placement, by that node's
// own engine (retention.prune_shard() there), one query in flight per node,
// the nodes at once. See docs/citus.md.
#pragma once

#include "prune/batch.hpp"
#include "run/report.hpp"

#include "border/pg.hpp"

namespace retention::prune {

// What the engine lends the fan-out. Its functions run between shards,
// outside any transaction.
struct ShardFanOut {
	const RunPlan *plan;             // the policy as planned, the run id, the cutoff
	const run::RunReport *report;    // started_at, owner
	MemoryContext context;
	void *engine;
	bool (*stop_wanted)(void *engine);           // a cancel: stop, and cancel the shards in flight
	// Before each shard, as before a batch: the brakes of this node
	// (retention.pause), a cancel, max_runtime. False: send no more shards
	// (the engine has said why in its report).
	bool (*hold)(void *engine);
	void (*counted)(void *engine, int64 rows, int64 batches);  // a shard's rows, after it is recorded
	void (*phase)(void *engine, const char *phase);            // for retention.progress
};

enum class FanOutEnd { Done, Held, Partial, Cancelled, PolicyChanged, Failed };

struct FanOutResult {
	FanOutEnd end;
	const char *reason;     // why it stopped early or failed, or nullptr
	char sqlstate[6];       // Failed: the error's
};

// Prunes every shard of the policy's distributed table. Placements are read
// when the run starts; a shard a node no longer holds (moved meanwhile) is
// looked up again and sent to the node that holds it now. The policy is
// read again before every shard (policy_change). Each shard's outcome is a
// row of retention.run_shards.
FanOutResult prune_shards(ShardFanOut *fan_out);

} // namespace retention::prune
