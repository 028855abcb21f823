// Transactions of a background worker: each unit of work in a transaction
// of its own, with SPI connected, so an error aborts that unit only.
#pragma once

#include "border/pg.hpp"

namespace retention::border {

// Runs body(argument) in a new transaction with SPI and an active snapshot.
// Commits and returns true; on error, aborts the transaction (which also
// restores the user, settings and locks body changed), copies the error into
// *error (allocated in keep) and returns false. Current memory context on
// return: keep. Call only outside a transaction, with no C++ objects alive.
bool run_in_transaction(void (*body)(void *), void *argument, MemoryContext keep, ErrorData **error);

} // namespace retention::border
