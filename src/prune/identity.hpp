// The identity a run's statements act with, and the containment of the user
// code they execute (triggers on the pruned and archive tables, functions in
// the filter, domain checks, foreign-key actions).
//
// Inside enter_run_identity ... leave_run_identity:
//  - the current user is the run role (the policy's owner, see
//    run_role_for), in a security-restricted operation: user code cannot
//    SET ROLE, SET SESSION AUTHORIZATION, create temporary objects or
//    hold cursors past the transaction;
//  - search_path is 'pg_catalog, pg_temp' (as PostgreSQL 17 sets it for
//    VACUUM, ANALYZE and REFRESH MATERIALIZED VIEW): the statements' own
//    text, the filter as PostgreSQL deparsed it, is fully qualified;
//  - lock_timeout is short, and constraints are checked immediately.
// Leaving fires every deferred trigger that user code queued (it may have
// said SET CONSTRAINTS ALL DEFERRED) while still the run role, then restores
// every setting changed since entering, however it was changed (SET, SET
// LOCAL, set_config(..., false)), then the worker's own identity. Nothing
// user code did inside reaches the extension's own statements after it.
// An error in between aborts the transaction, which restores all of it too.
#pragma once

#include "border/pg.hpp"

namespace retention::prune {

struct RunIdentity {
	Oid saved_user;
	int saved_context;
	int guc_level;
};

RunIdentity enter_run_identity(Oid run_role, const char *lock_timeout = "1s");
void leave_run_identity(const RunIdentity &identity);

} // namespace retention::prune
