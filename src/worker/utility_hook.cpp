// The ProcessUtility hook, for these commands:
//  - DROP DATABASE, ALTER DATABASE ... RENAME and ... SET TABLESPACE need
//    the database to themselves and would fail with "being accessed by other
//    users" while our workers stay connected to it: its workers are asked to
//    leave first (they do at once; PostgreSQL waits up to 5 seconds);
//  - DROP EXTENSION retention would wait for every run in flight in its
//    database (their requesters hold a lock on retention.policies): the
//    runs are asked to stop after their batch, and the workers to leave;
//  - LOCK TABLE on the extension's tables in a mode that would hold up
//    runs or their workers (anything above ROW EXCLUSIVE) is refused to all
//    but their owner: the privileges every role has on retention.policies
//    would otherwise let any role stop every run of the database;
//  - CREATE DATABASE, ALTER DATABASE, a rename: the launcher reads
//    pg_database again when the command commits.
// Workers are only disturbed when the command would go ahead: the checks
// PostgreSQL makes before it (ownership, privileges, the database not being
// the current one or a template) are made first, so a command the role may
// not run disturbs nothing.
#include "run/request.hpp"
#include "worker/databases.hpp"
#include "worker/launcher.hpp"

#include "border/pg.hpp"

namespace retention::worker {

namespace {

ProcessUtility_hook_type previous_hook = nullptr;

bool is_retention_worker(pid_t pid) {
	const char *type = GetBackgroundWorkerTypeByPid(pid);
	return type && strcmp(type, run::worker_application_name) == 0;
}

struct DatabaseRow {
	bool exists;
	bool is_template;
	Oid tablespace;
};

DatabaseRow database_row(Oid database) {
	DatabaseRow row{false, false, InvalidOid};
	HeapTuple tuple = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(database));
	if (!HeapTupleIsValid(tuple))
		return row;
	auto *form = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
	row = DatabaseRow{true, form->datistemplate, form->dattablespace};
	ReleaseSysCache(tuple);
	return row;
}

// The database a command that needs it to itself would act on, if the
// current user may run it there and PostgreSQL would go ahead; InvalidOid
// otherwise.
Oid database_needed_alone(Node *statement) {
	const char *name = nullptr;
	if (IsA(statement, DropdbStmt)) {
		name = reinterpret_cast<DropdbStmt *>(statement)->dbname;
	} else if (IsA(statement, RenameStmt) && reinterpret_cast<RenameStmt *>(statement)->renameType == OBJECT_DATABASE) {
		auto *rename = reinterpret_cast<RenameStmt *>(statement);
		if (!have_createdb_privilege() || OidIsValid(get_database_oid(rename->newname, true)))
			return InvalidOid;
		name = rename->subname;
	} else if (IsA(statement, AlterDatabaseStmt)) {
		// Only SET TABLESPACE needs the database alone; the other options do not.
		auto *alter = reinterpret_cast<AlterDatabaseStmt *>(statement);
		ListCell *cell;
		foreach (cell, alter->options) {
			auto *option = static_cast<DefElem *>(lfirst(cell));
			if (strcmp(option->defname, "tablespace") != 0)
				continue;
			Oid tablespace = get_tablespace_oid(defGetString(option), true);
			Oid database = get_database_oid(alter->dbname, true);
			if (!OidIsValid(tablespace) || !OidIsValid(database) || database_row(database).tablespace == tablespace ||
			    !compat::may_create_in_tablespace(tablespace, GetUserId()))
				return InvalidOid;
			name = alter->dbname;
		}
	}
	if (!name)
		return InvalidOid;
	Oid database = get_database_oid(name, true);
	if (!OidIsValid(database) || database == MyDatabaseId)
		return InvalidOid;
	DatabaseRow row = database_row(database);
	if (!row.exists || (row.is_template && IsA(statement, DropdbStmt)) || !compat::owns_database(database, GetUserId()))
		return InvalidOid;
	return database;
}

// DROP EXTENSION retention, by a role that may drop it, in a database that has it.
bool drops_this_extension(Node *statement) {
	if (!IsA(statement, DropStmt) || reinterpret_cast<DropStmt *>(statement)->removeType != OBJECT_EXTENSION)
		return false;
	ListCell *cell;
	foreach (cell, reinterpret_cast<DropStmt *>(statement)->objects) {
		if (strcmp(strVal(lfirst(cell)), "retention") != 0)
			continue;
		Oid extension = get_extension_oid("retention", true);
		return OidIsValid(extension) && compat::owns_extension(extension, GetUserId());
	}
	return false;
}

void refuse_strong_locks_on_catalog(LockStmt *lock) {
	if (lock->mode <= RowExclusiveLock)
		return;
	// The extension is not relocatable: its schema is always "retention".
	Oid schema = OidIsValid(get_extension_oid("retention", true)) ? get_namespace_oid("retention", true) : InvalidOid;
	if (!OidIsValid(schema))
		return;
	ListCell *cell;
	foreach (cell, lock->relations) {
		Oid relid = RangeVarGetRelid(static_cast<RangeVar *>(lfirst(cell)), NoLock, true);
		if (OidIsValid(relid) && get_rel_namespace(relid) == schema && !compat::owns_relation(relid, GetUserId()))
			ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			                errmsg("permission denied to lock table %s in this mode", get_rel_name(relid)),
			                errdetail("A lock stronger than ROW EXCLUSIVE on retention's tables would hold up every "
			                          "retention run of the database; only their owner may take one.")));
	}
}

void utility_hook(PlannedStmt *statement, const char *query, bool read_only_tree, ProcessUtilityContext context,
                  ParamListInfo params, QueryEnvironment *environment, DestReceiver *destination,
                  QueryCompletion *completion) {
	Node *command = statement->utilityStmt;
	if (IsA(command, LockStmt))
		refuse_strong_locks_on_catalog(reinterpret_cast<LockStmt *>(command));
	else if (Oid database = database_needed_alone(command); OidIsValid(database))
		stop_database_workers(database);
	else if (drops_this_extension(command))
		stop_database_workers(MyDatabaseId);
	// Which databases the launcher serves may change: it looks again at commit.
	if (IsA(command, CreatedbStmt) || IsA(command, AlterDatabaseStmt) ||
	    (IsA(command, RenameStmt) && reinterpret_cast<RenameStmt *>(command)->renameType == OBJECT_DATABASE))
		rescan_databases_at_commit();
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
		LocalPgBackendStatus *entry = compat::backend_status(i);
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
