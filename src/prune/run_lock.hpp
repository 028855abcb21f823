// The run lock: one real run per policy at a time. A session-level lock of
// the advisory lock method, shown in pg_locks as locktype 'advisory' with
// classid run_lock_class, objid a hash of the policy's name, and objsubid
// run_lock_objsubid, which no SQL function can take (pg_advisory_lock and
// its kin use objsubid 1 or 2): no role can hold a policy's run lock to
// keep its runs from starting.
#pragma once

#include "border/pg.hpp"

namespace retention::prune {

constexpr uint32 run_lock_class = 0x52455445; // "RETE"
constexpr uint16 run_lock_objsubid = 3;

void run_lock_tag(const char *policy, LOCKTAG *tag);

// The pid of the process holding policy's run lock, or 0. Needs SPI.
int run_lock_holder(const char *policy);

} // namespace retention::prune
