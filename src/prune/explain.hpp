// retention.explain(): what a run of a policy would do now, and why, in
// lines a person reads. Carried out in a worker like a dry run (as the
// policy's owner, its settings contained); it writes no run row, takes no
// run lock and deletes nothing. And the planner's estimate of a run's
// expired rows, which retention.progress also uses.
#pragma once

#include "prune/policy_target.hpp"
#include "run/request.hpp"

#include "border/pg.hpp"

namespace retention::prune {

// Fills request->report (or its error, outcome NotStarted). Call outside a
// transaction.
void explain_policy(run::RunRequest *request, MemoryContext context);

// The planner's estimate of the expired rows of a planned target (whole
// partitions by their size), as EXPLAIN says it without parallel plans; -1
// when it does not say. In the run's identity, inside a transaction.
int64 estimate_expired(const PolicyTarget *target);

} // namespace retention::prune
