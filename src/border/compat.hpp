// What changed in PostgreSQL's server API between the versions retention
// builds for (15, 16, 17, 18): the only place that tests PG_VERSION_NUM.
// Included by border/pg.hpp after PostgreSQL's own headers.
#pragma once

#ifndef PG_VERSION_NUM
#error "border/compat.hpp comes in with border/pg.hpp, after PostgreSQL's headers"
#endif

extern "C" {
#include "utils/guc_tables.h"
}

namespace retention::compat {

// Ownership and privileges of catalog objects (16 folded the per-kind
// functions into object_ownercheck / object_aclcheck).
inline bool owns_relation(Oid relid, Oid role) {
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, relid, role);
#else
	return pg_class_ownercheck(relid, role);
#endif
}

inline bool owns_database(Oid database, Oid role) {
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(DatabaseRelationId, database, role);
#else
	return pg_database_ownercheck(database, role);
#endif
}

inline bool owns_extension(Oid extension, Oid role) {
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(ExtensionRelationId, extension, role);
#else
	return pg_extension_ownercheck(extension, role);
#endif
}

inline bool may_create_in_tablespace(Oid tablespace, Oid role) {
#if PG_VERSION_NUM >= 160000
	return object_aclcheck(TableSpaceRelationId, tablespace, role, ACL_CREATE) == ACLCHECK_OK;
#else
	return pg_tablespace_aclcheck(tablespace, role, ACL_CREATE) == ACLCHECK_OK;
#endif
}

// A possibly qualified name, as PostgreSQL parses "schema"."name" (16 added
// a soft-error context).
inline List *qualified_name_list(const char *text) {
#if PG_VERSION_NUM >= 160000
	return stringToQualifiedNameList(text, nullptr);
#else
	return stringToQualifiedNameList(text);
#endif
}

// This backend's number among the PGPROCs (17: MyProcNumber), and the latch
// of the backend with a given number.
inline int my_proc_number() {
#if PG_VERSION_NUM >= 170000
	return MyProcNumber;
#else
	return MyProc->pgprocno;
#endif
}

inline Latch *proc_latch(int number) {
#if PG_VERSION_NUM >= 170000
	return &GetPGProcByNumber(number)->procLatch;
#else
	return &ProcGlobal->allProcs[number].procLatch;
#endif
}

// The pid of the process that has the PGPROC with a given number (0 when
// none has). Set from the process's start, before it connects.
inline int proc_pid(int number) {
#if PG_VERSION_NUM >= 170000
	return GetPGProcByNumber(number)->pid;
#else
	return ProcGlobal->allProcs[number].pid;
#endif
}

// Entry idx (1-based) of this backend's snapshot of every backend's status.
inline LocalPgBackendStatus *backend_status(int idx) {
#if PG_VERSION_NUM >= 160000
	return pgstat_get_local_beentry_by_index(idx);
#else
	return pgstat_fetch_stat_local_beentry(idx);
#endif
}

// Every setting's description, and how many there are.
inline struct config_generic **setting_variables(int *count) {
#if PG_VERSION_NUM >= 160000
	return get_guc_variables(count);
#else
	*count = GetNumConfigOptions();
	return get_guc_variables();
#endif
}

// The relation's primary key index, InvalidOid if none (18 asks whether a
// deferrable one will do; ours is not deferrable).
inline Oid primary_key_index(Relation rel) {
#if PG_VERSION_NUM >= 180000
	return RelationGetPrimaryKeyIndex(rel, false);
#else
	return RelationGetPrimaryKeyIndex(rel);
#endif
}

// Tree walkers (expression_tree_walker, query_tree_walker) took a
// bool (*)() before 16, which C++ reads as "no parameters"; cast through
// void (*)(), the type GCC lets any function pointer become.
#if PG_VERSION_NUM < 160000
#define RETENTION_WALKER(function) reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(function))
#else
#define RETENTION_WALKER(function) (function)
#endif

// An interval from text, or nullptr with *error saying why. 16 reads it
// with a soft error; 15 has none, and catches interval_in's error (it holds
// no resources, so that is safe). Call with no C++ object alive.
Interval *read_interval(const char *text, const char **error);

} // namespace retention::compat
