// What Citus says about a table: see metadata.hpp. Citus's catalog tables
// and functions live in pg_catalog; every statement names them so.
#include "citus/metadata.hpp"
#include "border/spi.hpp"

#include "border/pg.hpp"

namespace retention::citus {

namespace {

const char *qualified(Oid relid) {
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

// Distributed tables whose foreign keys reference relid, comma-separated,
// or nullptr.
const char *distributed_referencing(Oid relid) {
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	border::spi_run("SELECT pg_catalog.string_agg(DISTINCT c.conrelid::pg_catalog.regclass::text, ', ') "
	                "FROM pg_catalog.pg_constraint c "
	                "JOIN pg_catalog.pg_dist_partition d ON d.logicalrelid OPERATOR(pg_catalog.=) c.conrelid "
	                "WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.confrelid OPERATOR(pg_catalog.=) $1 "
	                "  AND d.partmethod OPERATOR(pg_catalog.<>) 'n'",
	                1, types, values, nullptr, SPI_OK_SELECT, true);
	bool isnull;
	Datum names = border::spi_first_value(&isnull);
	return isnull ? nullptr : TextDatumGetCString(names);
}

} // namespace

bool present() { return OidIsValid(get_extension_oid("citus", true)); }

TableKind kind_of(Oid relid) {
	if (!present())
		return TableKind::Plain;
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	border::spi_run("SELECT partmethod::text, repmodel::text FROM pg_catalog.pg_dist_partition "
	                "WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
	                1, types, values, nullptr, SPI_OK_SELECT, true);
	if (SPI_processed == 0)
		return TableKind::Plain;
	const char *method = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	const char *replication = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (method && strcmp(method, "n") != 0)
		return TableKind::Distributed;
	return replication && strcmp(replication, "t") == 0 ? TableKind::Reference : TableKind::Local;
}

const char *kind_name(TableKind kind) {
	switch (kind) {
	case TableKind::Distributed:
		return "distributed table";
	case TableKind::Reference:
		return "reference table";
	case TableKind::Local:
		return "Citus local table";
	case TableKind::Plain:
		break;
	}
	return "table";
}

int32 local_group() {
	if (!present())
		return 0;
	border::spi_run("SELECT groupid FROM pg_catalog.pg_dist_local_group", 0, nullptr, nullptr, nullptr, SPI_OK_SELECT,
	                true);
	bool isnull;
	Datum group = border::spi_first_value(&isnull);
	return isnull ? 0 : DatumGetInt32(group);
}

bool is_shard(Oid relid) {
	if (!present())
		return false;
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	border::spi_run("SELECT pg_catalog.relation_is_a_known_shard($1::pg_catalog.regclass)", 1, types, values, nullptr,
	                SPI_OK_SELECT, true);
	bool isnull;
	Datum shard = border::spi_first_value(&isnull);
	return !isnull && DatumGetBool(shard);
}

void check_policy_table(Oid relid, Oid archive_relid, const char *policy) {
	if (!present())
		return;
	if (is_shard(relid))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("retention policy \"%s\": %s is a shard of a Citus table", policy, qualified(relid)),
		                errdetail("Citus moves and drops shards: a policy on one would be lost with it, and would "
		                          "prune beside the policy of its table."),
		                errhint("Define the policy on the distributed table, on the coordinator; every run prunes "
		                        "each of its shards where it is placed.")));
	TableKind kind = kind_of(relid);
	if (kind == TableKind::Plain)
		return;
	if (local_group() != 0)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("retention policy \"%s\": %s is a %s, and this node is not the Citus coordinator",
		                       policy, qualified(relid), kind_name(kind)),
		                errdetail("A policy on a Citus table runs from the coordinator, once for the whole cluster."),
		                errhint("Define the policy on the coordinator.")));
	if (kind == TableKind::Distributed && OidIsValid(archive_relid))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("retention policy \"%s\": archive_to is not supported for distributed table %s", policy,
		                       qualified(relid)),
		                errdetail("Each shard is pruned on its own node, in transactions of that node; the archive "
		                          "insert would make every batch a distributed transaction.")));
	if (kind == TableKind::Reference || kind == TableKind::Local) {
		if (const char *children = distributed_referencing(relid))
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                errmsg("retention policy \"%s\": %s %s is referenced by distributed table %s", policy,
			                       kind_name(kind), qualified(relid), children),
			                errdetail("Rows still referenced must be kept, and Citus cannot check references from "
			                          "a distributed table while deleting from a %s (it refuses such a DELETE too).",
			                          kind_name(kind)),
			                errhint("Prune the referencing distributed tables with ON DELETE CASCADE keys, or "
			                        "without a policy on %s.",
			                        qualified(relid))));
	}
}

Placement *placements(Oid relid, int *count) {
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	border::spi_run("SELECT s.shardid, n.nodename, n.nodeport FROM pg_catalog.pg_dist_shard s "
	                "JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid "
	                "JOIN pg_catalog.pg_dist_node n ON n.groupid OPERATOR(pg_catalog.=) p.groupid "
	                "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1 AND p.shardstate OPERATOR(pg_catalog.=) 1 "
	                "  AND n.isactive AND n.noderole OPERATOR(pg_catalog.=) 'primary' "
	                "ORDER BY n.nodename, n.nodeport, s.shardid",
	                1, types, values, nullptr, SPI_OK_SELECT, true);
	*count = int(SPI_processed);
	auto *found = static_cast<Placement *>(palloc0(sizeof(Placement) * Max(*count, 1)));
	for (int i = 0; i < *count; i++) {
		HeapTuple tuple = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull;
		found[i].shard = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		strlcpy(found[i].node, SPI_getvalue(tuple, desc, 2), sizeof(found[i].node));
		found[i].port = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
	}
	return found;
}

bool placement_of(Oid relid, int64 shard, Placement *placement) {
	int count = 0;
	Placement *all = placements(relid, &count);
	for (int i = 0; i < count; i++)
		if (all[i].shard == shard) {
			*placement = all[i];
			return true;
		}
	return false;
}

Oid shard_here(Oid relid, int64 shard) {
	if (!present())
		return InvalidOid;
	Oid types[2] = {OIDOID, INT8OID};
	Datum values[2] = {ObjectIdGetDatum(relid), Int64GetDatum(shard)};
	border::spi_run("SELECT pg_catalog.shard_name($1::pg_catalog.regclass, $2) FROM pg_catalog.pg_dist_shard s "
	                "JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid "
	                "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1 AND s.shardid OPERATOR(pg_catalog.=) $2 "
	                "  AND p.shardstate OPERATOR(pg_catalog.=) 1 "
	                "  AND p.groupid OPERATOR(pg_catalog.=) (SELECT groupid FROM pg_catalog.pg_dist_local_group)",
	                2, types, values, nullptr, SPI_OK_SELECT, true);
	if (SPI_processed == 0)
		return InvalidOid;
	// shard_name() quotes the name and qualifies it outside schema public;
	// the shard lives in its table's schema either way.
	List *names = compat::qualified_name_list(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	const char *name = strVal(llast(names));
	return get_relname_relid(name, get_rel_namespace(relid));
}

void show_shards_in_session() {
	if (GetConfigOption("citus.override_table_visibility", true, false) == nullptr)
		return;
	(void)set_config_option("citus.override_table_visibility", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
	                        true, 0, false);
}

} // namespace retention::citus
