#include "catalog/runs.hpp"
#include "border/spi.hpp"

namespace retention::catalog {

using border::spi_first_value;
using border::spi_run;

int64 insert_run(const RunStart &start, TimestampTz *started_at) {
	Oid types[7] = {TEXTOID, TEXTOID, BOOLOID, REGROLEOID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
	Datum values[7] = {CStringGetTextDatum(start.policy), CStringGetTextDatum(start.scheduled ? "schedule" : "manual"),
	                   BoolGetDatum(start.dry_run), ObjectIdGetDatum(start.owner), CStringGetTextDatum(start.relation),
	                   TimestampTzGetDatum(start.cutoff), CStringGetTextDatum("running")};
	char nulls[8] = "       ";
	if (!start.has_cutoff)
		nulls[5] = 'n';
	spi_run("INSERT INTO retention.runs (policy, triggered_by, dry_run, owner, relation, cutoff, status) "
	        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, started_at",
	        7, types, values, nulls, SPI_OK_INSERT_RETURNING);
	bool isnull;
	int64 id = DatumGetInt64(spi_first_value(&isnull));
	*started_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	return id;
}

void add_batch(int64 run_id, int64 rows, int32 batch_ms) {
	Oid types[3] = {INT8OID, INT8OID, INT4OID};
	Datum values[3] = {Int64GetDatum(run_id), Int64GetDatum(rows), Int32GetDatum(batch_ms)};
	spi_run("UPDATE retention.runs SET rows_pruned = rows_pruned OPERATOR(pg_catalog.+) $2, "
	        "batches = batches OPERATOR(pg_catalog.+) 1, longest_batch_ms = greatest(longest_batch_ms, $3) "
	        "WHERE id OPERATOR(pg_catalog.=) $1",
	        3, types, values, nullptr, SPI_OK_UPDATE);
}

namespace {

void fold_into_previous(int64 run_id, const RunEnd &end) {
	Oid types[6] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum values[6] = {Int64GetDatum(run_id),
	                   CStringGetTextDatum(end.policy),
	                   CStringGetTextDatum(end.status),
	                   CStringGetTextDatum(end.scheduled ? "schedule" : "manual"),
	                   CStringGetTextDatum(end.error ? end.error : ""),
	                   CStringGetTextDatum(end.sqlstate ? end.sqlstate : "")};
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

TimestampTz finish_run(int64 run_id, const RunEnd &end) {
	Oid types[9] = {INT8OID, TEXTOID, INT8OID, INT4OID, INT4OID, INT8OID, TEXTOID, TEXTOID, TEXTOID};
	Datum values[9] = {Int64GetDatum(run_id),
	                   CStringGetTextDatum(end.status),
	                   Int64GetDatum(end.rows_pruned),
	                   Int32GetDatum(int32(end.batches)),
	                   Int32GetDatum(end.partitions_dropped),
	                   Int64GetDatum(end.rows_kept_referenced),
	                   end.error ? CStringGetTextDatum(end.error) : Datum(0),
	                   end.sqlstate ? CStringGetTextDatum(end.sqlstate) : Datum(0),
	                   end.method ? CStringGetTextDatum(end.method) : Datum(0)};
	char nulls[10] = "         ";
	if (!end.error)
		nulls[6] = 'n';
	if (!end.sqlstate)
		nulls[7] = 'n';
	if (!end.method)
		nulls[8] = 'n';
	spi_run("UPDATE retention.runs SET status = $2, rows_pruned = $3, batches = $4, partitions_dropped = $5, "
	        "rows_kept_referenced = $6, error = $7, sqlstate = $8, method = $9, "
	        "finished_at = pg_catalog.clock_timestamp() WHERE id OPERATOR(pg_catalog.=) $1 RETURNING finished_at",
	        9, types, values, nulls, SPI_OK_UPDATE_RETURNING);
	bool isnull;
	return DatumGetTimestampTz(spi_first_value(&isnull));
}

void fold_run(int64 run_id, const RunEnd &end) {
	bool did_nothing = end.rows_pruned == 0 && end.partitions_dropped == 0 &&
	                   (strcmp(end.status, "succeeded") == 0 || strcmp(end.status, "failed") == 0);
	if (!end.dry_run && did_nothing)
		fold_into_previous(run_id, end);
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
