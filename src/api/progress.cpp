// retention.progress_rows(), behind the view retention.progress: the runs
// in flight in this database, from the table of runs in flight in shared
// memory (src/run/in_flight.cpp), which the worker updates after every batch
// and while it waits. Only the runs the caller may see, by the rule of
// row-level security on retention.runs (members of the owner role, and of
// pg_read_all_stats).
#include "run/in_flight.hpp"
#include "run/workers.hpp"
#include "border/guard.hpp"

#include "border/pg.hpp"

RETENTION_FUNCTION(retention_progress_rows) {
	using namespace retention;
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	run::ProgressRow *rows = nullptr;
	int count = run::progress_of_database(&rows);
	for (int i = 0; i < count; i++) {
		const run::ProgressRow &row = rows[i];
		// Who may see a run: as row-level security on retention.runs says.
		if (!is_member_of_role(GetUserId(), row.owner) && !is_member_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS))
			continue;
		Datum values[12];
		bool nulls[12] = {false};
		values[0] = Int64GetDatum(row.run_id);
		values[1] = CStringGetTextDatum(row.policy);
		values[2] = Int32GetDatum(row.pid);
		values[3] = CStringGetTextDatum(row.scheduled ? "schedule" : "manual");
		values[4] = BoolGetDatum(row.dry_run);
		values[5] = TimestampTzGetDatum(row.started_at);
		values[6] = CStringGetTextDatum(row.phase);
		values[7] = Int64GetDatum(row.rows_pruned);
		values[8] = Int64GetDatum(row.batches);
		values[9] = Int64GetDatum(row.remaining_estimate);
		nulls[9] = row.remaining_estimate < 0;
		values[10] = CStringGetTextDatum(row.waiting_for);
		nulls[10] = row.waiting_for[0] == '\0';
		values[11] = TimestampTzGetDatum(row.waiting_since);
		nulls[11] = row.waiting_since == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return Datum(0);
}

RETENTION_FUNCTION(retention_preloaded) {
	(void)fcinfo;
	PG_RETURN_BOOL(retention::run::have_worker_table());
}
