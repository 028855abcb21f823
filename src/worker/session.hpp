// The session of every worker of this extension that connects to a
// database (scheduler, run workers, warm run workers).
//
// Such a worker connects as the bootstrap superuser, so the settings that
// ALTER DATABASE ... SET (which a database's owner, an ordinary role, may
// run) and ALTER ROLE ... SET attach to that database would otherwise apply
// to it: a search_path through the owner's schema, a role, a time zone. The
// worker takes the server's configuration only (postgresql.conf, ALTER
// SYSTEM, the command line): every setting that a database or role setting
// changed while connecting is put back to the value the worker had before
// it connected. Then search_path is set to 'pg_catalog, pg_temp' for the
// worker's own statements.
#pragma once

#include "border/pg.hpp"

namespace retention::worker {

// Connects this background worker to database, as above. Call instead of
// BackgroundWorkerInitializeConnectionByOid, outside any transaction.
void connect_worker_session(Oid database);

// After a reset of every setting (the warm worker's, between runs): the
// search_path of the worker's own statements again.
void pin_worker_search_path();

} // namespace retention::worker
