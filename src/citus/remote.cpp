// Connections to Citus nodes: see remote.hpp.
#include "citus/remote.hpp"

#include "border/pg.hpp"

extern "C" {
#include "libpq-fe.h"
}

namespace retention::citus {

namespace {

void set_error(NodeConnection *connection, const char *what) {
	const char *detail = connection->conn ? PQerrorMessage(connection->conn) : "";
	snprintf(connection->error, sizeof(connection->error), "%s%s%s", what, detail[0] ? ": " : "", detail);
	// libpq's messages end with a newline
	size_t length = strlen(connection->error);
	while (length > 0 && (connection->error[length - 1] == '\n' || connection->error[length - 1] == ' '))
		connection->error[--length] = '\0';
}

void wait_socket(pgsocket socket, int events, long ms) {
	(void)WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH | events, socket, ms,
	                        PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

} // namespace

namespace {

// "-c role=name" for libpq's options, which splits on spaces and reads a
// backslash as an escape.
const char *role_option(const char *role) {
	StringInfoData option;
	initStringInfo(&option);
	appendStringInfoString(&option, "-c role=");
	for (const char *c = role; *c; c++) {
		if (*c == ' ' || *c == '\\')
			appendStringInfoChar(&option, '\\');
		appendStringInfoChar(&option, *c);
	}
	return option.data;
}

} // namespace

bool open_node(NodeConnection *connection, const char *host, int port, const char *database, const char *user,
               const char *role, int timeout_ms) {
	memset(connection, 0, sizeof(*connection));
	constexpr int most = 40;
	const char *keywords[most + 1];
	const char *values[most + 1];
	int n = 0;
	// A node that goes away is noticed (TCP keepalives), unless
	// citus.node_conninfo says otherwise; then citus.node_conninfo; what
	// we set last wins.
	keywords[n] = "keepalives", values[n++] = "1";
	keywords[n] = "keepalives_idle", values[n++] = "30";
	keywords[n] = "keepalives_interval", values[n++] = "10";
	keywords[n] = "keepalives_count", values[n++] = "3";
	keywords[n] = "connect_timeout", values[n++] = "30";
	PQconninfoOption *options = nullptr;
	const char *node_conninfo = GetConfigOption("citus.node_conninfo", true, false);
	if (node_conninfo && node_conninfo[0]) {
		char *parse_error = nullptr;
		options = PQconninfoParse(node_conninfo, &parse_error);
		if (parse_error)
			PQfreemem(parse_error);
		for (PQconninfoOption *option = options; option && option->keyword && n < most - 7; option++)
			if (option->val && option->val[0]) {
				keywords[n] = option->keyword;
				values[n++] = option->val;
			}
	}
	char port_text[16];
	snprintf(port_text, sizeof(port_text), "%d", port);
	keywords[n] = "host", values[n++] = host;
	keywords[n] = "port", values[n++] = port_text;
	keywords[n] = "dbname", values[n++] = database;
	keywords[n] = "user", values[n++] = user;
	keywords[n] = "application_name", values[n++] = "retention coordinator";
	if (role)
		keywords[n] = "options", values[n++] = role_option(role);
	keywords[n] = nullptr, values[n] = nullptr;
	connection->conn = PQconnectStartParams(keywords, values, 0);
	if (options)
		PQconninfoFree(options);
	if (!connection->conn || PQstatus(connection->conn) == CONNECTION_BAD) {
		set_error(connection, "could not connect");
		return false;
	}
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	PostgresPollingStatusType status = PGRES_POLLING_WRITING;
	while (status != PGRES_POLLING_OK) {
		if (status == PGRES_POLLING_FAILED) {
			set_error(connection, "could not connect");
			return false;
		}
		if (GetCurrentTimestamp() >= deadline) {
			set_error(connection, "could not connect: timed out");
			return false;
		}
		wait_socket(PQsocket(connection->conn),
		            status == PGRES_POLLING_READING ? WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE, 100);
		status = PQconnectPoll(connection->conn);
	}
	return true;
}

bool send_query(NodeConnection *connection, const char *sql, int nparams, const char *const *values) {
	if (!PQsendQueryParams(connection->conn, sql, nparams, nullptr, values, nullptr, nullptr, 0)) {
		set_error(connection, "could not send a query");
		return false;
	}
	connection->busy = true;
	return true;
}

bool result_ready(NodeConnection *connection) {
	if (!connection->busy)
		return false;
	if (!PQconsumeInput(connection->conn))
		return true; // broken: read_result says so
	return !PQisBusy(connection->conn);
}

bool read_result(NodeConnection *connection, int ncolumns, char **values, char *sqlstate) {
	connection->busy = false;
	strlcpy(sqlstate, "08006", 6);
	bool got = false;
	bool failed = false;
	PGresult *result;
	while ((result = PQgetResult(connection->conn)) != nullptr) {
		if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 && PQnfields(result) >= ncolumns &&
		    !got && !failed) {
			for (int i = 0; i < ncolumns; i++)
				values[i] = PQgetisnull(result, 0, i) ? nullptr : pstrdup(PQgetvalue(result, 0, i));
			got = true;
		} else if (!failed) {
			const char *message = PQresultErrorMessage(result);
			const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
			strlcpy(connection->error, message && message[0] ? message : "an unexpected result",
			        sizeof(connection->error));
			size_t length = strlen(connection->error);
			while (length > 0 && connection->error[length - 1] == '\n')
				connection->error[--length] = '\0';
			if (state)
				strlcpy(sqlstate, state, 6);
			failed = true;
		}
		PQclear(result);
	}
	if (!got && !failed)
		set_error(connection, "the connection was lost");
	return got && !failed;
}

void wait_for_node(NodeConnection *connection, long ms) {
	if (connection && connection->conn && connection->busy) {
		wait_socket(PQsocket(connection->conn), WL_SOCKET_READABLE, ms);
		return;
	}
	(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

void cancel_query(NodeConnection *connection) {
	if (!connection->conn || !connection->busy)
		return;
	PGcancel *cancel = PQgetCancel(connection->conn);
	if (!cancel)
		return;
	char message[256];
	(void)PQcancel(cancel, message, sizeof(message));
	PQfreeCancel(cancel);
}

void close_node(NodeConnection *connection) {
	if (connection->conn)
		PQfinish(connection->conn);
	connection->conn = nullptr;
	connection->busy = false;
}

} // namespace retention::citus
