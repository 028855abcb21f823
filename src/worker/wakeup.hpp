// Waking the launcher: a small piece of shared memory (only when the library
// is preloaded) through which a committed CREATE EXTENSION or policy edit
// asks the launcher to look for databases that need a scheduler now, rather
// than at its next minutely look.
#pragma once

namespace retention::worker {

// From _PG_init, when preloaded.
void request_shared_memory();

// The launcher announces itself, and takes pending requests.
void register_launcher_process();
bool take_recheck_request();

// Asks for a recheck when the current transaction commits; nothing without
// preloading.
void wake_launcher_at_commit();

} // namespace retention::worker
