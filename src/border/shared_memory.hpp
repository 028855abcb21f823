// Named structs in the server's shared memory, for a library in
// shared_preload_libraries: one pair of shmem hooks for all of them.
#pragma once

#include "border/pg.hpp"

namespace retention::border {

struct SharedStruct {
	const char *name;
	Size (*size)();            // asked once the server's settings are final
	void (*initialize)(void *); // once, in the postmaster
	void **address;            // set in every process (nullptr without preloading)
};

// From _PG_init, while shared_preload_libraries is processed.
void request_shared_struct(const SharedStruct &shared);

} // namespace retention::border
