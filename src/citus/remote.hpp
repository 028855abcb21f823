// A connection from a run on the coordinator to a Citus node, through
// libpq, waiting on the process's latch (a cancel or a reload wakes it).
// One query at a time, sent without waiting for its result, so that a run
// keeps a query in flight on every node at once. Plain C types: no
// destructors; close every connection (close_node) on every path.
#pragma once

#include "border/pg.hpp"

typedef struct pg_conn PGconn;

namespace retention::citus {

struct NodeConnection {
	PGconn *conn;
	bool busy;               // a query was sent and its result not read yet
	char error[512];         // the last failure, for messages
};

// Connects to host:port, database, as user, with the options of
// citus.node_conninfo (sslmode and the like, as Citus's own connections
// use); with role (or nullptr), the session takes that role at its start
// (-c role=...), as SET ROLE would. False, with connection->error set, when
// it cannot within timeout_ms.
bool open_node(NodeConnection *connection, const char *host, int port, const char *database, const char *user,
               const char *role, int timeout_ms);

// Sends a query with text parameters (nullptr: NULL). False on failure.
bool send_query(NodeConnection *connection, const char *sql, int nparams, const char *const *values);

// Reads what arrived. True when the query's result is complete (then
// read_result), false while it runs.
bool result_ready(NodeConnection *connection);

// The result of the query sent: one row of text values (palloc'd, nullptr
// for NULL) into values[0..ncolumns), or false with error set (and
// sqlstate, 5 characters and a NUL).
bool read_result(NodeConnection *connection, int ncolumns, char **values, char *sqlstate);

// Waits up to ms for connection (nullptr: none) to have something to read,
// or the latch.
void wait_for_node(NodeConnection *connection, long ms);

// Asks the node to cancel the query in flight (the node's run stops after
// its batch).
void cancel_query(NodeConnection *connection);

void close_node(NodeConnection *connection);

} // namespace retention::citus
