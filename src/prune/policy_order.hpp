// Ordering a set of policies children-first by the foreign keys between
// their tables: shared by run_all() and the scheduler.
#pragma once

#include "border/pg.hpp"

namespace retention::prune {

// names: count policy names. Returns an array of count indexes into names,
// children before parents, otherwise by name. Call with SPI connected; the
// array is allocated in the context that was current at SPI_connect.
int *order_children_first(char **names, int count);

} // namespace retention::prune
