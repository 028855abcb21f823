#include "catalog/runs.hpp"
#include "border/spi.hpp"

namespace retention::catalog {

using border::spi_first_value;
using border::spi_run;

void insert_run(run::RunReport *report) {
	Oid types[7] = {TEXTOID, TEXTOID, BOOLOID, REGROLEOID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
	Datum values[7] = {CStringGetTextDatum(report->policy),
	                   CStringGetTextDatum(report->scheduled ? "schedule" : "manual"),
	                   BoolGetDatum(report->dry_run),
	                   ObjectIdGetDatum(report->owner),
	                   CStringGetTextDatum(report->relation),
	                   TimestampTzGetDatum(report->cutoff),
	                   CStringGetTextDatum(run::status_name(run::RunStatus::Running))};
	char nulls[8] = "       ";
	if (!report->has_cutoff)
		nulls[5] = 'n';
	spi_run("INSERT INTO retention.runs (policy, triggered_by, dry_run, owner, relation, cutoff, status) "
	        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, started_at",
	        7, types, values, nulls, SPI_OK_INSERT_RETURNING);
	bool isnull;
	report->run_id = DatumGetInt64(spi_first_value(&isnull));
	report->started_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
}

void add_batch(int64 run_id, int64 rows, int32 batch_ms) {
	Oid types[3] = {INT8OID, INT8OID, INT4OID};
	Datum values[3] = {Int64GetDatum(run_id), Int64GetDatum(rows), Int32GetDatum(batch_ms)};
	spi_run("UPDATE retention.runs SET rows_pruned = rows_pruned OPERATOR(pg_catalog.+) $2, "
	        "batches = batches OPERATOR(pg_catalog.+) 1, longest_batch_ms = greatest(longest_batch_ms, $3) "
	        "WHERE id OPERATOR(pg_catalog.=) $1",
	        3, types, values, nullptr, SPI_OK_UPDATE);
}

void add_shard(int64 run_id, const ShardRecord &record) {
	Oid count_types[3] = {INT8OID, INT8OID, INT8OID};
	Datum counts[3] = {Int64GetDatum(run_id), Int64GetDatum(record.rows), Int64GetDatum(record.batches)};
	spi_run("UPDATE retention.runs SET rows_pruned = rows_pruned OPERATOR(pg_catalog.+) $2, "
	        "batches = batches OPERATOR(pg_catalog.+) $3 WHERE id OPERATOR(pg_catalog.=) $1",
	        3, count_types, counts, nullptr, SPI_OK_UPDATE);
	if (!OidIsValid(get_relname_relid("run_shards", get_namespace_oid("retention", false))))
		return; // a schema not updated to 0.3.0
	Oid types[9] = {INT8OID, TEXTOID, INT8OID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID, OIDOID};
	Datum values[9] = {Int64GetDatum(run_id),
	                   CStringGetTextDatum(record.node),
	                   Int64GetDatum(record.shard),
	                   CStringGetTextDatum(record.status),
	                   Int64GetDatum(record.rows),
	                   Int64GetDatum(record.batches),
	                   TimestampTzGetDatum(record.started_at),
	                   record.error ? CStringGetTextDatum(record.error) : Datum(0),
	                   ObjectIdGetDatum(record.owner)};
	char nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', record.error ? ' ' : 'n', ' '};
	spi_run("INSERT INTO retention.run_shards (run_id, node, shard, status, rows_pruned, batches, started_at, "
	        "finished_at, error, owner) "
	        "VALUES ($1, $2, $3, $4, $5, $6, $7, pg_catalog.clock_timestamp(), $8, $9::pg_catalog.regrole)",
	        9, types, values, nulls, SPI_OK_INSERT);
}

namespace {

void fold_into_previous(const run::RunReport &report) {
	Oid types[6] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum values[6] = {Int64GetDatum(report.run_id),
	                   CStringGetTextDatum(report.policy),
	                   CStringGetTextDatum(run::status_name(report.status)),
	                   CStringGetTextDatum(report.scheduled ? "schedule" : "manual"),
	                   CStringGetTextDatum(report.error),
	                   CStringGetTextDatum(report.sqlstate)};
	spi_run("WITH previous AS ("
	        "  SELECT id FROM retention.runs WHERE policy OPERATOR(pg_catalog.=) $2 AND NOT dry_run "
	        "    AND id OPERATOR(pg_catalog.<) $1 ORDER BY id DESC LIMIT 1"
	        "), folded AS ("
	        "  DELETE FROM retention.runs r USING previous p WHERE r.id OPERATOR(pg_catalog.=) p.id "
	        "    AND r.status OPERATOR(pg_catalog.=) $3 AND r.triggered_by OPERATOR(pg_catalog.=) $4 "
	        "    AND r.rows_pruned OPERATOR(pg_catalog.=) 0 AND r.partitions_dropped OPERATOR(pg_catalog.=) 0 "
	        "    AND coalesce(r.error, '') OPERATOR(pg_catalog.=) $5 "
	        "    AND coalesce(r.sqlstate, '') OPERATOR(pg_catalog.=) $6 "
	        "  RETURNING r.repeats, coalesce(r.first_started_at, r.started_at) AS first_started_at"
	        ") "
	        "UPDATE retention.runs u SET repeats = u.repeats OPERATOR(pg_catalog.+) f.repeats, "
	        "  first_started_at = f.first_started_at FROM folded f WHERE u.id OPERATOR(pg_catalog.=) $1",
	        6, types, values, nullptr, SPI_OK_UPDATE);
}

} // namespace

// The report's fields a run row is completed with, by column, in the order
// of the UPDATE below.
void finish_run(run::RunReport *report) {
	static const char *const columns[] = {"status",          "rows_pruned", "batches", "partitions_dropped",
	                                      "rows_kept_referenced", "error",    "sqlstate", "method"};
	constexpr int count = int(sizeof(columns) / sizeof(columns[0]));
	Oid types[count + 1] = {INT8OID, TEXTOID, INT8OID, INT4OID, INT4OID, INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum values[count + 1] = {Int64GetDatum(report->run_id)};
	char nulls[count + 2];
	memset(nulls, ' ', sizeof(nulls));
	nulls[count + 1] = '\0';
	for (int i = 0; i < count; i++) {
		bool isnull = false;
		values[i + 1] = run::report_column(columns[i])->value(*report, &isnull);
		nulls[i + 1] = isnull ? 'n' : ' ';
	}
	spi_run("UPDATE retention.runs SET status = $2, rows_pruned = $3, batches = $4, partitions_dropped = $5, "
	        "rows_kept_referenced = $6, error = $7, sqlstate = $8, method = $9, "
	        "finished_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) $1 RETURNING finished_at",
	        count + 1, types, values, nulls, SPI_OK_UPDATE_RETURNING);
	bool isnull;
	report->finished_at = DatumGetTimestampTz(spi_first_value(&isnull));
}

void fold_run(const run::RunReport &report) {
	bool did_nothing = report.rows_pruned == 0 && report.partitions_dropped == 0 &&
	                   (report.status == run::RunStatus::Succeeded || report.status == run::RunStatus::Failed);
	if (!report.dry_run && did_nothing)
		fold_into_previous(report);
}

uint64 settle_abandoned_runs(const char *policy) {
	Oid types[1] = {TEXTOID};
	Datum values[1] = {CStringGetTextDatum(policy)};
	return spi_run("UPDATE retention.runs SET status = 'failed', finished_at = pg_catalog.clock_timestamp(), "
	               "error = 'the run ended without completing its record (the server or its worker stopped "
	               "abruptly); its committed batches are counted' "
	               "WHERE policy OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'running'",
	               1, types, values, nullptr, SPI_OK_UPDATE);
}

} // namespace retention::catalog
