// The scheduler: one dynamic background worker per database with the
// extension. It runs what retention.status says is due, one run at a time,
// children before parents, through the same run worker as retention.run().
#pragma once

#include "border/pg.hpp"

namespace retention::worker {

// From _PG_init, when preloaded: the table of databases that have a scheduler.
void request_scheduler_memory();

// Starts a scheduler for database; nullptr when no worker slot is free.
// The launcher's latch is set when it stops.
BackgroundWorkerHandle *start_scheduler(Oid database);

} // namespace retention::worker
