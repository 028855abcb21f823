#include "border/shared_memory.hpp"

namespace retention::border {

namespace {

constexpr int max_structs = 8;
SharedStruct structs[max_structs];
int struct_count = 0;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

void request_hook() {
	if (previous_request_hook)
		previous_request_hook();
	for (int i = 0; i < struct_count; i++)
		RequestAddinShmemSpace(MAXALIGN(structs[i].size()));
}

void startup_hook() {
	if (previous_startup_hook)
		previous_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (int i = 0; i < struct_count; i++) {
		bool found;
		void *memory = ShmemInitStruct(structs[i].name, structs[i].size(), &found);
		if (!found)
			structs[i].initialize(memory);
		*structs[i].address = memory;
	}
	LWLockRelease(AddinShmemInitLock);
}

} // namespace

void request_shared_struct(const SharedStruct &shared) {
	if (struct_count == max_structs)
		elog(ERROR, "retention: too many shared memory structs");
	if (struct_count == 0) {
		previous_request_hook = shmem_request_hook;
		shmem_request_hook = request_hook;
		previous_startup_hook = shmem_startup_hook;
		shmem_startup_hook = startup_hook;
	}
	structs[struct_count++] = shared;
}

} // namespace retention::border
