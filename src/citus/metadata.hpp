// What Citus says about a table, read from its own catalog (pg_dist_partition,
// pg_dist_shard, pg_dist_placement, pg_dist_node, pg_dist_local_group) by SQL,
// so that retention builds and runs where Citus is not installed. Every
// function needs a transaction and SPI; without the citus extension in the
// database each says "not a Citus table". See docs/citus.md.
#pragma once

#include "border/pg.hpp"

namespace retention::citus {

enum class TableKind {
	Plain,        // not a Citus table (or no Citus here)
	Distributed,  // hash, range or append distributed: rows live in shards on the nodes
	Reference,    // one shard, a copy on every node; changed through the coordinator
	Local,        // a Citus local table (added to the metadata, one shard on the coordinator)
};

// Whether the citus extension is installed in this database.
bool present();

TableKind kind_of(Oid relid);
const char *kind_name(TableKind kind);

// The node's group: 0 on the coordinator (and where Citus is not installed).
int32 local_group();

// Whether relid is a shard of a Citus table (the table a node stores a
// shard's rows in).
bool is_shard(Oid relid);

// The policy's table is one retention can prune on this node, as the policy
// asks: raises an error with a clear message when it is not (a shard, a
// Citus table on a node other than the coordinator, a distributed table
// archived to, a reference table that distributed tables reference).
// policy: for messages.
void check_policy_table(Oid relid, Oid archive_relid, const char *policy);

// An active placement of a distributed table's shard: the node that holds it.
struct Placement {
	int64 shard;
	char node[256];
	int32 port;
};

// The active placements of relid's shards on primary nodes, by node then
// shard (palloc'd array; *count set). Read at run time: a shard moved since
// is where it is now.
Placement *placements(Oid relid, int *count);

// Where shard is placed now (false: nowhere active, e.g. the table was
// dropped or the shard split).
bool placement_of(Oid relid, int64 shard, Placement *placement);

// The relation that stores shard's rows on this node, if this node holds an
// active placement of it now; InvalidOid otherwise (moved, or a stale
// placement).
Oid shard_here(Oid relid, int64 shard);

// Citus hides shard relations from catalog queries of most sessions
// (citus.override_table_visibility); a process that prunes shards turns
// that off for its session, so that its own catalog reads (foreign keys)
// see them.
void show_shards_in_session();

} // namespace retention::citus
