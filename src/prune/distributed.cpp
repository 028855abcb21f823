// A run of a policy on a Citus distributed table, on the coordinator: see
// distributed.hpp and docs/citus.md.
//
// No C++ object with a destructor lives here: PostgreSQL errors are caught
// around each transaction (border::run_in_transaction), and the node
// connections are closed on every way out (PG_TRY).
#include "prune/distributed.hpp"
#include "citus/metadata.hpp"
#include "citus/remote.hpp"
#include "border/transaction.hpp"
#include "catalog/runs.hpp"

#include "border/pg.hpp"

namespace retention::prune {

namespace {

constexpr int connect_timeout_ms = 30000;
// How often the coordinator looks at the nodes whose result it is not
// waiting on directly (one socket is waited on, the others read after).
constexpr long poll_ms = 2;
// A shard that keeps moving while the run looks for it is left to the next run.
constexpr int most_moves = 3;

struct Shard {
	int64 id;
	int moves;
};

struct Node {
	char host[256];
	int32 port;
	char label[280];                 // host:port
	citus::NodeConnection connection;
	List *queue;                     // of Shard *
	int next;                        // the next shard of queue to send
	Shard *in_flight;
	TimestampTz shard_started;
};

struct FanOut {
	ShardFanOut *lent;
	List *nodes;                     // of Node *
	const char *relation;            // the distributed table, qualified, for the nodes to resolve
	const char *user;                // whom the nodes see: the run role, if it may log in
	const char *role;                // else the worker's own user, taking the run role (nullptr: none)
	const char *database;
	bool stopping;                   // send no more shards
	bool cancelling;                 // the shards in flight were asked to cancel
	int busy_noted;                  // nodes with a shard in flight, as the phase says
	int32 rate;                      // the policy's max_rows_per_second as last read (0: none)
	FanOutResult result;
	// For the transactions' bodies.
	Shard *moved;                    // placement_of: the shard to look for
	Node *moved_from;
	catalog::ShardRecord record;
	const char *policy_change_reason;
};

Node *node_named(FanOut *fan, const char *host, int32 port) {
	ListCell *cell;
	foreach (cell, fan->nodes) {
		Node *node = static_cast<Node *>(lfirst(cell));
		if (node->port == port && strcmp(node->host, host) == 0)
			return node;
	}
	MemoryContext caller = MemoryContextSwitchTo(fan->lent->context);
	Node *node = static_cast<Node *>(palloc0(sizeof(Node)));
	strlcpy(node->host, host, sizeof(node->host));
	node->port = port;
	snprintf(node->label, sizeof(node->label), "%s:%d", host, port);
	fan->nodes = lappend(fan->nodes, node);
	MemoryContextSwitchTo(caller);
	return node;
}

void enqueue(FanOut *fan, Node *node, int64 id, int moves) {
	MemoryContext caller = MemoryContextSwitchTo(fan->lent->context);
	Shard *shard = static_cast<Shard *>(palloc0(sizeof(Shard)));
	shard->id = id;
	shard->moves = moves;
	node->queue = lappend(node->queue, shard);
	MemoryContextSwitchTo(caller);
}

void fail(FanOut *fan, const char *reason, const char *sqlstate) {
	if (fan->result.end != FanOutEnd::Failed) {
		fan->result.end = FanOutEnd::Failed;
		fan->result.reason = MemoryContextStrdup(fan->lent->context, reason);
		strlcpy(fan->result.sqlstate, sqlstate, sizeof(fan->result.sqlstate));
	}
	fan->stopping = true;
}

void stop(FanOut *fan, FanOutEnd end, const char *reason) {
	if (fan->result.end == FanOutEnd::Done) {
		fan->result.end = end;
		fan->result.reason = reason ? MemoryContextStrdup(fan->lent->context, reason) : nullptr;
	}
	fan->stopping = true;
}

// ------------------------------------------------------------ transactions

void read_layout(void *argument) {
	auto *fan = static_cast<FanOut *>(argument);
	const PolicyTarget *target = fan->lent->plan->target;
	int count = 0;
	citus::Placement *placements = citus::placements(target->relid, &count);
	MemoryContext caller = MemoryContextSwitchTo(fan->lent->context);
	fan->relation = pstrdup(target->relation_name);
	// The nodes see the run's role. One that may not log in (a group role
	// owning the tables) is taken at the start of a session of the worker's
	// own user (a superuser: Citus's own connections need it too).
	const char *run_role = GetUserNameFromId(target->run_role, false);
	HeapTuple role_tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(target->run_role));
	bool can_login = HeapTupleIsValid(role_tuple) && reinterpret_cast<Form_pg_authid>(GETSTRUCT(role_tuple))->rolcanlogin;
	if (HeapTupleIsValid(role_tuple))
		ReleaseSysCache(role_tuple);
	fan->user = pstrdup(can_login ? run_role : GetUserNameFromId(GetSessionUserId(), false));
	fan->role = can_login ? nullptr : pstrdup(run_role);
	fan->database = pstrdup(get_database_name(MyDatabaseId));
	MemoryContextSwitchTo(caller);
	for (int i = 0; i < count; i++)
		enqueue(fan, node_named(fan, placements[i].node, placements[i].port), placements[i].shard, 0);
}

void check_policy(void *argument) {
	auto *fan = static_cast<FanOut *>(argument);
	const RunPlan *plan = fan->lent->plan;
	const char *reason = policy_change(plan->target, plan->has_cutoff, plan->cutoff, &fan->rate);
	fan->policy_change_reason = reason ? MemoryContextStrdup(fan->lent->context, reason) : nullptr;
}

void record_shard(void *argument) {
	auto *fan = static_cast<FanOut *>(argument);
	catalog::add_shard(fan->lent->plan->run_id, fan->record);
}

void find_moved(void *argument) {
	auto *fan = static_cast<FanOut *>(argument);
	citus::Placement placement;
	if (!citus::placement_of(fan->lent->plan->target->relid, fan->moved->id, &placement))
		return; // no active placement: the shard was dropped or split; nothing to prune
	Node *node = node_named(fan, placement.node, placement.port);
	if (node == fan->moved_from && fan->moved->moves == 0)
		return; // the node said it does not hold it, and the metadata says it does: stale on one side; next run
	enqueue(fan, node, fan->moved->id, fan->moved->moves + 1);
}

bool in_transaction(void (*body)(void *), FanOut *fan, const char *what) {
	ErrorData *error = nullptr;
	if (border::run_in_transaction(body, fan, fan->lent->context, &error))
		return true;
	fail(fan, psprintf("%s: %s", what, error->message), unpack_sql_state(error->sqlerrcode));
	return false;
}

// ------------------------------------------------------------ the nodes

const char *interval_text(int64 usecs) { return psprintf("%lld microseconds", (long long)usecs); }

bool send_shard(FanOut *fan, Node *node, Shard *shard, int rate_share) {
	const RunPlan *plan = fan->lent->plan;
	const PolicyTarget *target = plan->target;
	if (!node->connection.conn &&
	    !citus::open_node(&node->connection, node->host, node->port, fan->database, fan->user, fan->role,
	                      connect_timeout_ms)) {
		fail(fan, psprintf("node %s: %s", node->label, node->connection.error), "08006");
		return false;
	}
	int64 runtime_left = 0;
	if (target->max_runtime_usecs > 0)
		runtime_left = Max(int64(1000), target->max_runtime_usecs - (GetCurrentTimestamp() - fan->lent->report->started_at));
	const char *values[12] = {
	    target->name,
	    psprintf("%lld", (long long)plan->run_id),
	    fan->relation,
	    psprintf("%lld", (long long)shard->id),
	    target->time_column,
	    timestamptz_to_str(plan->cutoff),
	    target->time_unit,
	    target->filter,
	    psprintf("%d", target->batch_size),
	    interval_text(target->batch_delay_usecs),
	    runtime_left > 0 ? interval_text(runtime_left) : nullptr,
	    rate_share > 0 ? psprintf("%d", rate_share) : nullptr,
	};
	if (!citus::send_query(&node->connection,
	                       "SELECT here, rows_pruned, batches, status, error, sqlstate FROM retention.prune_shard("
	                       "$1, $2::pg_catalog.int8, $3::pg_catalog.regclass, $4::pg_catalog.int8, $5::pg_catalog.name, "
	                       "$6::pg_catalog.timestamptz, $7, $8, $9::pg_catalog.int4, $10::pg_catalog.interval, "
	                       "$11::pg_catalog.interval, $12::pg_catalog.int4)",
	                       12, values)) {
		fail(fan, psprintf("node %s: %s", node->label, node->connection.error), "08006");
		return false;
	}
	node->in_flight = shard;
	node->shard_started = GetCurrentTimestamp();
	return true;
}

// Sends each idle node its next shard, after checking that the run goes on
// and the policy still covers it.
void dispatch(FanOut *fan) {
	int nodes_with_work = 0;
	ListCell *cell;
	foreach (cell, fan->nodes) {
		Node *node = static_cast<Node *>(lfirst(cell));
		nodes_with_work += node->next < list_length(node->queue) || node->in_flight ? 1 : 0;
	}
	foreach (cell, fan->nodes) {
		Node *node = static_cast<Node *>(lfirst(cell));
		if (fan->stopping || node->in_flight || node->next >= list_length(node->queue))
			continue;
		if (!fan->lent->hold(fan->lent->engine)) {
			stop(fan, FanOutEnd::Held, nullptr);
			return;
		}
		if (!in_transaction(check_policy, fan, "reading the policy"))
			return;
		if (fan->policy_change_reason) {
			stop(fan, FanOutEnd::PolicyChanged, fan->policy_change_reason);
			return;
		}
		// The policy's rate is the run's: each node in flight gets its share.
		int rate_share = fan->rate > 0 ? Max(1, (fan->rate + nodes_with_work - 1) / Max(nodes_with_work, 1)) : 0;
		Shard *shard = static_cast<Shard *>(list_nth(node->queue, node->next++));
		if (!send_shard(fan, node, shard, rate_share))
			return;
	}
}

// A node's answer for its shard in flight.
void take_answer(FanOut *fan, Node *node) {
	Shard *shard = node->in_flight;
	node->in_flight = nullptr;
	char *values[6] = {};
	char sqlstate[6];
	bool answered = citus::read_result(&node->connection, 6, values, sqlstate);
	bool here = answered && values[0] && strcmp(values[0], "t") == 0;
	int64 rows = answered && values[1] ? strtoll(values[1], nullptr, 10) : 0;
	int64 batches = answered && values[2] ? strtoll(values[2], nullptr, 10) : 0;
	const char *status = !answered                                  ? (fan->cancelling ? "cancelled" : "failed")
	                     : !here                                    ? "moved"
	                     : values[3]                                ? values[3]
	                                                                : "failed";
	const char *error = !answered ? node->connection.error : values[4];

	fan->record = catalog::ShardRecord{node->label, shard->id, status, rows, batches, node->shard_started, error,
	                                   fan->lent->report->owner};
	if (!in_transaction(record_shard, fan, "recording a shard"))
		return;
	fan->lent->counted(fan->lent->engine, rows, batches);

	if (!answered) {
		if (fan->cancelling)
			return;
		// The connection is not reused after a failure.
		citus::close_node(&node->connection);
		bool no_extension = strcmp(sqlstate, "3F000") == 0 || strcmp(sqlstate, "42883") == 0;
		fail(fan,
		     psprintf("shard %lld on node %s: %s%s", (long long)shard->id, node->label, error,
		              no_extension ? " (install retention on every node: docs/citus.md)" : ""),
		     sqlstate);
		return;
	}
	if (!here) {
		// Moved since the run read the placements (or during the shard's
		// run): prune it where it is now.
		if (shard->moves < most_moves) {
			fan->moved = shard;
			fan->moved_from = node;
			(void)in_transaction(find_moved, fan, "looking for a moved shard");
		}
		return;
	}
	if (strcmp(status, "failed") == 0)
		fail(fan, psprintf("shard %lld on node %s: %s", (long long)shard->id, node->label, error ? error : "failed"),
		     values[5] ? values[5] : "XX000");
	else if (strcmp(status, "partial") == 0)
		stop(fan, FanOutEnd::Partial, nullptr);
	else if (strcmp(status, "cancelled") == 0)
		stop(fan, FanOutEnd::Cancelled,
		     psprintf("shard %lld on node %s: %s", (long long)shard->id, node->label, error ? error : "cancelled"));
}

void cancel_in_flight(FanOut *fan) {
	ListCell *cell;
	foreach (cell, fan->nodes) {
		Node *node = static_cast<Node *>(lfirst(cell));
		if (node->in_flight)
			citus::cancel_query(&node->connection);
	}
	fan->cancelling = true;
}

void fan_out(FanOut *fan) {
	for (;;) {
		if (!fan->cancelling && fan->lent->stop_wanted(fan->lent->engine)) {
			stop(fan, FanOutEnd::Cancelled, nullptr);
			cancel_in_flight(fan);
		}
		dispatch(fan);
		Node *waited = nullptr;
		int busy = 0;
		ListCell *cell;
		foreach (cell, fan->nodes) {
			Node *node = static_cast<Node *>(lfirst(cell));
			if (node->in_flight) {
				busy++;
				waited = waited ? waited : node;
			}
		}
		if (busy == 0)
			return;
		if (busy != fan->busy_noted) {
			char phase[64];
			snprintf(phase, sizeof(phase), "pruning shards on %d Citus node%s", busy, busy == 1 ? "" : "s");
			fan->lent->phase(fan->lent->engine, phase);
			fan->busy_noted = busy;
		}
		citus::wait_for_node(&waited->connection, busy > 1 ? poll_ms : 1000);
		foreach (cell, fan->nodes) {
			Node *node = static_cast<Node *>(lfirst(cell));
			if (node->in_flight && citus::result_ready(&node->connection))
				take_answer(fan, node);
		}
	}
}

void close_nodes(FanOut *fan) {
	ListCell *cell;
	foreach (cell, fan->nodes)
		citus::close_node(&static_cast<Node *>(lfirst(cell))->connection);
}

} // namespace

FanOutResult prune_shards(ShardFanOut *lent) {
	MemoryContextSwitchTo(lent->context);
	FanOut *fan = static_cast<FanOut *>(palloc0(sizeof(FanOut)));
	fan->lent = lent;
	fan->result.end = FanOutEnd::Done;
	fan->rate = lent->plan->target->max_rows_per_second;
	if (!in_transaction(read_layout, fan, "reading the shard placements"))
		return fan->result;
	PG_TRY();
	{
		fan_out(fan);
	}
	PG_CATCH();
	{
		close_nodes(fan);
		PG_RE_THROW();
	}
	PG_END_TRY();
	close_nodes(fan);
	return fan->result;
}

} // namespace retention::prune
