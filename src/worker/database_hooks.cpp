// Our workers stay connected to their database; DROP DATABASE and the
// ALTER DATABASE forms that need the database to themselves would fail with
// "being accessed by other users". Before those commands, the workers of
// that database are asked to leave (they do at once; PostgreSQL waits up to
// 5 seconds for them) and the launcher leaves the database alone for a minute.
#include "worker/launcher.hpp"

#include "border/pg.hpp"

namespace retention::worker {

namespace {

ProcessUtility_hook_type previous_hook = nullptr;

bool is_retention_worker(pid_t pid) {
	const char *type = GetBackgroundWorkerTypeByPid(pid);
	return type && (strcmp(type, "retention scheduler") == 0 || strcmp(type, "retention run") == 0);
}

const char *database_named_by(Node *statement) {
	if (IsA(statement, DropdbStmt))
		return reinterpret_cast<DropdbStmt *>(statement)->dbname;
	if (IsA(statement, RenameStmt) && reinterpret_cast<RenameStmt *>(statement)->renameType == OBJECT_DATABASE)
		return reinterpret_cast<RenameStmt *>(statement)->subname;
	if (IsA(statement, AlterDatabaseStmt))
		return reinterpret_cast<AlterDatabaseStmt *>(statement)->dbname;
	return nullptr;
}

void utility_hook(PlannedStmt *statement, const char *query, bool read_only_tree, ProcessUtilityContext context,
                  ParamListInfo params, QueryEnvironment *environment, DestReceiver *destination,
                  QueryCompletion *completion) {
	if (const char *name = database_named_by(statement->utilityStmt)) {
		Oid database = get_database_oid(name, true);
		if (OidIsValid(database) && database != MyDatabaseId)
			stop_database_workers(database);
	}
	if (previous_hook)
		previous_hook(statement, query, read_only_tree, context, params, environment, destination, completion);
	else
		standard_ProcessUtility(statement, query, read_only_tree, context, params, environment, destination,
		                        completion);
}

} // namespace

void stop_database_workers(unsigned int database) {
	int backends = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= backends; i++) {
		LocalPgBackendStatus *entry = pgstat_fetch_stat_local_beentry(i);
		if (!entry || entry->backendStatus.st_backendType != B_BG_WORKER ||
		    entry->backendStatus.st_databaseid != database)
			continue;
		pid_t pid = entry->backendStatus.st_procpid;
		if (is_retention_worker(pid))
			(void)kill(pid, SIGTERM);
	}
	pgstat_clear_snapshot();
}

void install_database_hooks() {
	previous_hook = ProcessUtility_hook;
	ProcessUtility_hook = utility_hook;
}

} // namespace retention::worker
