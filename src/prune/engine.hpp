// The prune engine: carries out one run (its transactions, its batches, its
// audit row) in the current process, a worker connected to the policy's
// database, and fills the request's report. src/run/ hands requests to it.
#pragma once

#include "run/request.hpp"

#include "border/pg.hpp"

namespace retention::prune {

// Carries out request; everything it allocates lives in context. Call
// outside a transaction. Fills the report fields of request and sets its
// outcome (not reported, see run::serve_request).
void execute_run(run::RunRequest *request, MemoryContext context);

} // namespace retention::prune
