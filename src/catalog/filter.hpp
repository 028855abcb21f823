// A policy's `filter`: checked to be exactly one boolean expression over the
// pruned table, so it can only narrow a run, never widen it.
#pragma once

#include "border/pg.hpp"

namespace retention::catalog {

// Parses and analyzes filter_text against rel with PostgreSQL's own parser.
// Raises a PostgreSQL error (naming the filter) unless the text is exactly
// one boolean, non-volatile expression without aggregates, window or
// set-returning functions. Returns the analyzed expression.
// Call with no C++ objects alive in the calling frames.
Node *analyze_filter(Relation rel, const char *filter_text);

} // namespace retention::catalog
