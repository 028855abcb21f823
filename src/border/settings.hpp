// Settings that the extension's own SQL depends on, held fixed around it.
//
// Internal SQL qualifies every function and operator, and is also parsed
// with search_path = 'pg_catalog, pg_temp': no schema a role can create
// objects in is ever searched, and temporary objects are never found by an
// unqualified name (functions and operators are never looked up in pg_temp).
// A level pushed here is popped with every setting changed inside it
// restored, whether it was changed with SET, SET LOCAL or set_config(): an
// error in between restores them too (the transaction or subtransaction
// aborts).
#pragma once

#include "border/pg.hpp"

namespace retention::border {

constexpr char internal_search_path[] = "pg_catalog, pg_temp";

// A new GUC nest level with search_path set to path; returns the level.
int push_search_path(const char *path);
inline int push_internal_search_path() { return push_search_path(internal_search_path); }

// Restores every setting changed since push_*() returned level.
void pop_settings(int level);

} // namespace retention::border
