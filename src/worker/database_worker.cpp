// A retention worker: one background worker slot of retention.max_workers,
// connected to one database. Started by the launcher (a database is due) or
// by a backend (a manual run): it serves the manual run it was started for,
// then passes over its database's due policies, running them one by one,
// children before parents, while other workers of the same database run
// others; with nothing due it waits idle for a while and leaves. See
// docs/architecture.md ("A worker").
//
// No C++ object lives in this file: PostgreSQL may longjmp out of any call.
#include "settings.hpp"
#include "prune/policy_order.hpp"
#include "prune/run_lock.hpp"
#include "run/request.hpp"
#include "run/workers.hpp"
#include "worker/databases.hpp"
#include "worker/session.hpp"
#include "border/spi.hpp"
#include "border/transaction.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_worker_main(Datum);

namespace retention::worker {

namespace {

constexpr int64 history_prune_every_usecs = 3600 * int64(USECS_PER_SEC);
// A policy whose run was refused before it began (its row never written:
// the policy went, its run lock was taken meanwhile) is not tried again by
// this worker for this long; otherwise it would be due again at once.
constexpr int64 holdoff_usecs = 10 * int64(USECS_PER_SEC);
// A due policy whose run lock another process holds (a run starting or
// ending) is looked at again this soon.
constexpr int64 lock_busy_retry_usecs = USECS_PER_SEC;
// After a failed pass (an error reading the catalog), the next one.
constexpr int64 failed_pass_retry_usecs = 10 * int64(USECS_PER_SEC);

struct Holdoff {
	char policy[run::policy_name_max + 1];
	TimestampTz until;
};
constexpr int max_holdoffs = 16;
Holdoff holdoffs[max_holdoffs];

TimestampTz holdoff_until(const char *policy, TimestampTz now) {
	for (const Holdoff &holdoff : holdoffs)
		if (holdoff.until > now && strcmp(holdoff.policy, policy) == 0)
			return holdoff.until;
	return 0;
}

void hold_off(const char *policy, TimestampTz until) {
	Holdoff *chosen = &holdoffs[0];
	for (Holdoff &holdoff : holdoffs)
		if (holdoff.until < chosen->until)
			chosen = &holdoff;
	strlcpy(chosen->policy, policy, sizeof(chosen->policy));
	chosen->until = until;
}

// Logs a failed unit of work.
bool in_transaction(void (*body)(void *), void *argument, MemoryContext keep) {
	ErrorData *error = nullptr;
	if (border::run_in_transaction(body, argument, keep, &error))
		return true;
	ereport(LOG, (errmsg("retention worker: %s", error->message)));
	FreeErrorData(error);
	return false;
}

struct Startup {
	MemoryContext context;
	bool installed;
	char *database_name;
};

void check_extension(void *argument) {
	auto *startup = static_cast<Startup *>(argument);
	startup->installed = OidIsValid(get_extension_oid("retention", true));
	startup->database_name = MemoryContextStrdup(startup->context, get_database_name(MyDatabaseId));
}

// Runs left 'running' by a crash or an immediate shutdown: no retention
// worker is alive with their pid any more.
void settle_dead_runs(void *) {
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(run::worker_application_name)};
	uint64 settled = border::spi_run(
	    "UPDATE retention.runs r SET status = 'failed', finished_at = pg_catalog.clock_timestamp(), "
	    "error = 'the server stopped during the run (crash or immediate shutdown); its committed batches are counted' "
	    "WHERE r.status OPERATOR(pg_catalog.=) 'running' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a "
	    "WHERE a.pid OPERATOR(pg_catalog.=) r.pid AND a.backend_type OPERATOR(pg_catalog.=) $1)",
	    1, types, values, nullptr, SPI_OK_UPDATE);
	if (settled > 0)
		ereport(LOG, (errmsg("retention worker: settled %llu runs left running by a stopped server as failed",
		                     (unsigned long long)settled)));
}

// Deletes finished runs from the history, adding them to
// retention.run_totals in the same statement, so the counters
// (retention.counters, the metrics) never go down: with older_than_minutes
// > 0 those finished longer ago, with keep_per_policy > 0 those beyond the
// newest keep_per_policy rows of their policy. Logs how many went.
void delete_history(int32 older_than_minutes, int32 keep_per_policy, const char *why) {
	Oid types[2] = {INT4OID, INT4OID};
	Datum values[2] = {Int32GetDatum(older_than_minutes), Int32GetDatum(keep_per_policy)};
	border::spi_run(
	    "WITH gone AS (DELETE FROM retention.runs r WHERE r.status OPERATOR(pg_catalog.<>) 'running' AND ("
	    "  ($1 OPERATOR(pg_catalog.>) 0 AND coalesce(r.finished_at, r.started_at) OPERATOR(pg_catalog.<) "
	    // Parenthesized: every OPERATOR() shares one precedence, left to right.
	    "   (pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(mins => $1))) "
	    "  OR ($2 OPERATOR(pg_catalog.>) 0 AND r.id OPERATOR(pg_catalog.=) ANY (SELECT n.id FROM (SELECT k.id, "
	    "   pg_catalog.row_number() OVER (PARTITION BY k.policy ORDER BY k.id DESC) AS newer "
	    "   FROM retention.runs k) n WHERE n.newer OPERATOR(pg_catalog.>) $2))) "
	    "  RETURNING r.id, r.policy, r.relation, r.status, r.owner, r.dry_run, r.repeats, r.rows_pruned, r.batches, "
	    "  r.partitions_dropped, r.finished_at), "
	    "added AS (INSERT INTO retention.run_totals AS t (policy, relation, status, owner, runs, rows_pruned, batches, "
	    "  partitions_dropped, last_finished_at) "
	    "  SELECT g.policy, coalesce(g.relation, ''), g.status, (pg_catalog.array_agg(g.owner ORDER BY g.id DESC))[1], "
	    "  pg_catalog.sum(g.repeats), pg_catalog.sum(g.rows_pruned), pg_catalog.sum(g.batches), "
	    "  pg_catalog.sum(g.partitions_dropped), pg_catalog.max(g.finished_at) "
	    "  FROM gone g WHERE NOT g.dry_run GROUP BY g.policy, coalesce(g.relation, ''), g.status "
	    "  ON CONFLICT (policy, relation, status) DO UPDATE SET owner = excluded.owner, "
	    "  runs = t.runs OPERATOR(pg_catalog.+) excluded.runs, "
	    "  rows_pruned = t.rows_pruned OPERATOR(pg_catalog.+) excluded.rows_pruned, "
	    "  batches = t.batches OPERATOR(pg_catalog.+) excluded.batches, "
	    "  partitions_dropped = t.partitions_dropped OPERATOR(pg_catalog.+) excluded.partitions_dropped, "
	    "  last_finished_at = greatest(t.last_finished_at, excluded.last_finished_at) RETURNING 1) "
	    "SELECT pg_catalog.count(*) FROM gone",
	    2, types, values, nullptr, SPI_OK_SELECT);
	bool isnull;
	int64 deleted = DatumGetInt64(border::spi_first_value(&isnull));
	if (deleted > 0)
		ereport(LOG, (errmsg("retention worker: removed %lld runs %s", (long long)deleted, why)));
}

// The history stays bounded: finished runs older than
// retention.history_retention go, and each policy keeps at most its newest
// retention.history_runs_per_policy rows.
void prune_history(void *) {
	if (setting_history_minutes > 0)
		delete_history(setting_history_minutes, 0, "older than retention.history_retention");
	if (setting_history_runs_per_policy > 0)
		delete_history(0, setting_history_runs_per_policy, "beyond retention.history_runs_per_policy");
}

// One pass over the policies of the database.
struct Pass {
	bool take;                // false: only compute next_due
	bool extension_missing;
	bool found;               // a policy to run, its run lock held (session level)
	char policy[run::policy_name_max + 1];
	LOCKTAG lock;
	bool locked;
	TimestampTz next_due;     // of the policies no worker runs or is about to run
	TimestampTz view_time;
	TimestampTz due_at;       // when the chosen policy was due
};

// Still due and not running, in a snapshot taken now (with the run lock
// held: a run of another worker that began since the pass's first look
// has its row committed, or has ended and moved the next run on).
bool still_due(const char *policy) {
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(policy)};
	border::spi_run("SELECT 1 FROM retention.status WHERE policy OPERATOR(pg_catalog.=) $1 "
	                "AND next_run_at OPERATOR(pg_catalog.<=) pg_catalog.statement_timestamp() AND NOT running",
	                1, types, values, nullptr, SPI_OK_SELECT);
	return SPI_processed > 0;
}

void find_work(void *argument) {
	auto *pass = static_cast<Pass *>(argument);
	pass->next_due = never_due;
	pass->extension_missing = !OidIsValid(get_extension_oid("retention", true));
	if (pass->extension_missing)
		return;
	// Read-only: the status and the foreign keys below are read in one
	// snapshot, the transaction's, taken after view_time. (A fresh snapshot
	// here could see policies committed after the one the foreign keys are
	// read in: a parent would not wait for its new child.)
	border::spi_run("SELECT policy, next_run_at, running FROM retention.status ORDER BY policy", 0, nullptr, nullptr,
	                nullptr, SPI_OK_SELECT, true);
	int count = int(SPI_processed);
	TimestampTz now = GetCurrentTimestamp();
	char **names = static_cast<char **>(palloc0(sizeof(char *) * Max(count, 1)));
	TimestampTz *next = static_cast<TimestampTz *>(palloc(sizeof(TimestampTz) * Max(count, 1)));
	bool *running = static_cast<bool *>(palloc0(sizeof(bool) * Max(count, 1)));
	for (int i = 0; i < count; i++) {
		HeapTuple row = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull;
		names[i] = pstrdup(SPI_getvalue(row, desc, 1));
		Datum at = SPI_getbinval(row, desc, 2, &isnull);
		next[i] = isnull ? never_due : DatumGetTimestampTz(at);
		Datum busy = SPI_getbinval(row, desc, 3, &isnull);
		running[i] = !isnull && DatumGetBool(busy);
		// Refused a moment ago: due again when the hold-off ends.
		if (TimestampTz until = holdoff_until(names[i], now); until != 0 && next[i] < until)
			next[i] = until;
	}
	int *edges = nullptr;
	int edge_count = prune::policy_edges(names, count, &edges);
	int *order = prune::order_children_first(names, count);

	bool *due = static_cast<bool *>(palloc0(sizeof(bool) * Max(count, 1)));
	for (int i = 0; i < count; i++)
		due[i] = next[i] <= now && !running[i];
	// A parent waits for its children that are due or running.
	bool *blocked = static_cast<bool *>(palloc0(sizeof(bool) * Max(count, 1)));
	for (int e = 0; e < edge_count; e++)
		if (due[edges[2 * e]] || running[edges[2 * e]])
			blocked[edges[2 * e + 1]] = true;

	int chosen = -1;
	for (int k = 0; k < count && pass->take && chosen < 0; k++) {
		int i = order[k];
		if (!due[i] || blocked[i])
			continue;
		prune::run_lock_tag(names[i], &pass->lock);
		if (LockAcquire(&pass->lock, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL) {
			next[i] = now + lock_busy_retry_usecs; // another process's run is starting or ending
			continue;
		}
		pass->locked = true;
		if (still_due(names[i])) {
			chosen = i;
			break;
		}
		LockRelease(&pass->lock, ExclusiveLock, true);
		pass->locked = false;
		running[i] = true; // another worker ran it meanwhile: that worker passes again
	}
	// What the launcher needs to know: when a policy that no worker runs,
	// or is about to run after a run of its own, is due. The chosen policy
	// and the parents waiting for children are this worker's (or the
	// running children's worker's) to see after their runs.
	for (int i = 0; i < count; i++)
		if (i != chosen && !running[i] && !blocked[i] && next[i] < pass->next_due)
			pass->next_due = next[i];
	if (chosen >= 0) {
		pass->found = true;
		pass->due_at = next[chosen];
		strlcpy(pass->policy, names[chosen], sizeof(pass->policy));
	}
}

// A pass; false when it failed (logged). Leaves the chosen policy's run
// lock held.
bool look(Pass *pass, bool take, MemoryContext context) {
	memset(pass, 0, sizeof(Pass));
	pass->take = take;
	pass->view_time = GetCurrentTimestamp(); // before the pass's snapshot
	pgstat_report_activity(STATE_RUNNING, "retention: looking for due policies");
	bool ok = in_transaction(find_work, pass, context);
	if (!ok && pass->locked)
		LockRelease(&pass->lock, ExclusiveLock, true);
	if (!ok)
		pass->found = false;
	pgstat_report_activity(STATE_IDLE, "");
	return ok;
}

// A manual run handed over in its requester's segment. False when the
// session could not be reset after it.
bool serve_manual_run(dsm_handle handle) {
	dsm_segment *segment = dsm_attach(handle);
	if (!segment) {
		run::set_passing(); // its requester is gone already
		return true;
	}
	bool clean = run::serve_request(static_cast<run::RunRequest *>(dsm_segment_address(segment)), run::set_passing);
	dsm_detach(segment);
	return clean;
}

// A scheduled run of the chosen policy, in this process. False when the
// session could not be reset after it.
bool run_scheduled(Pass *pass) {
	run::set_running();
	run::RunRequest request;
	run::init_request(&request, pass->policy, false, true);
	pgstat_report_activity(STATE_RUNNING, psprintf("retention: scheduled run of %s", pass->policy));
	// How late: what the scheduling benchmark (test/bench/scheduling.sh) measures.
	ereport(DEBUG1, (errmsg("retention worker: scheduled run of %s due at %s starts %.3f s later", pass->policy,
	                        timestamptz_to_str(pass->due_at),
	                        double(GetCurrentTimestamp() - pass->due_at) / USECS_PER_SEC)));
	bool clean = run::serve_request(&request, nullptr);
	// The pass's hold on the run lock went with the session's advisory
	// locks, after the run (or goes with the process).
	pass->locked = false;
	if (request.outcome == run::RunOutcome::NotStarted) {
		ereport(LOG, (errmsg("retention worker: %s not run: %s", pass->policy, request.run.error)));
		hold_off(pass->policy, GetCurrentTimestamp() + holdoff_usecs);
	}
	run::set_passing();
	return clean;
}

void reload_settings() {
	if (!ConfigReloadPending)
		return;
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
}

// Whether the scheduler serves this database now.
bool scheduling_here(const char *database_name) {
	return setting_enabled && worker_serves_database(database_name);
}

// Whether what this worker last published for its database may be wrong:
// from its start to its first pass, and while it runs a policy it left out
// of what it published. A worker that exits then (terminated mid-run, an
// error) makes its database due a second later, so that the launcher
// looks again (not at once: a worker that keeps failing early would be
// started over and over).
bool view_stale = true;

void mark_due_if_stale(int, Datum) {
	if (view_stale)
		publish_next_due(GetCurrentTimestamp() + USECS_PER_SEC, GetCurrentTimestamp());
}

[[noreturn]] void leave(const char *why, const char *database_name) {
	ereport(DEBUG1, (errmsg("retention worker leaving database \"%s\": %s", database_name, why)));
	proc_exit(0);
}

// Nothing to start now: waits, connected, until pass_at, a manual run handed
// over (served here), a pass the launcher asks for or a reload, up to
// retention.worker_idle_timeout; then leaves, saying why.
void wait_idle(TimestampTz pass_at, const char *leave_why, const char *database_name) {
	TimestampTz now = GetCurrentTimestamp();
	bool stay = setting_warm_worker && setting_worker_idle_timeout_s > 0;
	TimestampTz leave_at = stay ? now + int64(setting_worker_idle_timeout_s) * USECS_PER_SEC : now;
	dsm_handle request = 0;
	switch (run::wait_for_work(leave_at, pass_at, &request)) {
	case run::Work::serve:
		if (!serve_manual_run(request))
			proc_exit(0);
		break;
	case run::Work::pass:
		break;
	case run::Work::leave:
		leave(leave_why, database_name);
	}
}

} // namespace

} // namespace retention::worker

void retention_worker_main(Datum argument) {
	using namespace retention;
	using namespace retention::worker;
	run::become_run_process();
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	int slot;
	uint64 reservation;
	dsm_handle request;
	run::read_start_arguments(&slot, &reservation, &request);
	// Given up by its starter (it took too long to start): not counted any more.
	if (slot >= 0 && !run::adopt_slot(slot, reservation, DatumGetObjectId(argument), &request))
		proc_exit(0);
	if (slot >= 0)
		before_shmem_exit(mark_due_if_stale, 0);
	connect_worker_session(DatumGetObjectId(argument));
	pgstat_report_appname(run::worker_application_name);

	if (request != 0 && !serve_manual_run(request))
		proc_exit(0); // rather than serve a run in a session it could not reset
	if (!run::have_slot())
		proc_exit(0); // outside any budget (not preloaded): one run

	MemoryContext keep = AllocSetContextCreate(TopMemoryContext, "retention worker", ALLOCSET_DEFAULT_SIZES);
	MemoryContext pass_context = AllocSetContextCreate(keep, "retention worker pass", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(keep);
	Startup startup{keep, false, nullptr};
	TimestampTz startup_view = GetCurrentTimestamp(); // before the look at the catalog
	if (!in_transaction(check_extension, &startup, keep))
		proc_exit(0);
	if (!scheduling_here(startup.database_name)) {
		view_stale = false; // the launcher does not look at it
		leave("the scheduler does not serve it", startup.database_name);
	}
	if (!startup.installed) {
		view_stale = false;
		publish_next_due(never_due, startup_view); // until CREATE EXTENSION wakes it
		leave("the extension is not installed", startup.database_name);
	}
	(void)in_transaction(settle_dead_runs, nullptr, keep);

	bool ran_scheduled = false;
	for (;;) {
		CHECK_FOR_INTERRUPTS();
		reload_settings();
		if (run::termination_requested())
			leave("terminated", startup.database_name);
		if (!scheduling_here(startup.database_name)) {
			view_stale = false;
			leave("the scheduler does not serve it any more", startup.database_name);
		}
		MemoryContextReset(pass_context);
		MemoryContextSwitchTo(pass_context);

		if (take_history_prune(history_prune_every_usecs)) {
			pgstat_report_activity(STATE_RUNNING, "retention: pruning the run history");
			(void)in_transaction(prune_history, nullptr, pass_context);
			pgstat_report_activity(STATE_IDLE, "");
		}

		// retention.pause: no scheduled run starts. Nothing is due here
		// until the reload that turns it off (which makes every database due
		// and wakes idle workers); manual runs still come.
		if (setting_pause) {
			publish_next_due(never_due, GetCurrentTimestamp());
			view_stale = false;
			MemoryContextSwitchTo(keep);
			wait_idle(never_due, "paused", startup.database_name);
			continue;
		}

		// Someone waits for a slot, or the budget was lowered: after a run
		// this worker leaves, saying first what is due here. (Not before
		// its first: the slot was given to this database to run something.)
		// Nor does it start a run while its database has its fair share
		// of the budget running: the workers running there pass again.
		bool yield = run::over_budget() || (ran_scheduled && run::slot_wanted()) ||
		             fair_share_reached(MyDatabaseId);
		Pass pass;
		if (!look(&pass, !yield, pass_context)) {
			pass.next_due = GetCurrentTimestamp() + failed_pass_retry_usecs;
			publish_next_due(pass.next_due, GetCurrentTimestamp());
			view_stale = false;
			if (yield)
				leave("its slot is wanted", startup.database_name);
		} else {
			if (pass.extension_missing) {
				publish_next_due(never_due, pass.view_time);
				view_stale = false;
				leave("the extension is gone", startup.database_name);
			}
			publish_next_due(pass.next_due, pass.view_time);
			view_stale = pass.found;
			if (yield)
				leave("its slot is wanted", startup.database_name);
			if (pass.found) {
				if (!run_scheduled(&pass))
					proc_exit(0);
				ran_scheduled = true;
				continue;
			}
		}

		// Nothing due now: wait, connected, for the next due time, a
		// claimed run or a pass the launcher asks for.
		MemoryContextSwitchTo(keep);
		wait_idle(pass.next_due, "idle", startup.database_name);
	}
}
