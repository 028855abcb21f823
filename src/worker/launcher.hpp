// The launcher: one background worker per cluster, registered at preload.
#pragma once

namespace retention::worker {

// Registers the launcher with the postmaster; call from _PG_init only.
void register_launcher();

} // namespace retention::worker
