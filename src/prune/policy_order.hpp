// Ordering a set of policies children-first by the foreign keys between
// their tables: shared by run_all() and the scheduler.
#pragma once

#include "border/pg.hpp"

namespace retention::prune {

// names: count policy names. Returns an array of count indexes into names,
// children before parents, otherwise by name. Call with SPI connected; the
// array is allocated in the context that was current at SPI_connect.
int *order_children_first(char **names, int count);

// The foreign keys between the tables of names: *edges holds pairs (child
// index, parent index) into names, two ints per edge; returns how many.
// Call with SPI connected; allocated in the current memory context.
int policy_edges(char **names, int count, int **edges);

} // namespace retention::prune
