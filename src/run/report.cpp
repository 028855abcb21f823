// A run's report: see report.hpp.
#include "run/report.hpp"

#include "border/pg.hpp"

namespace retention::run {

const char *status_name(RunStatus status) {
	switch (status) {
	case RunStatus::Running:
		return "running";
	case RunStatus::Succeeded:
		return "succeeded";
	case RunStatus::Failed:
		return "failed";
	case RunStatus::Cancelled:
		return "cancelled";
	case RunStatus::Partial:
		return "partial";
	}
	return "failed";
}

namespace {

Datum text_or_null(const char *value, bool *isnull) {
	*isnull = value[0] == '\0';
	return *isnull ? Datum(0) : CStringGetTextDatum(value);
}

} // namespace

// Each entry reads one field; the SQL table (sql/retention--*.sql) names
// the columns.
const ReportColumn report_columns[] = {
    {"id", [](const RunReport &r, bool *) { return Int64GetDatum(r.run_id); }},
    {"policy", [](const RunReport &r, bool *) { return CStringGetTextDatum(r.policy); }},
    {"triggered_by", [](const RunReport &r, bool *) { return CStringGetTextDatum(r.scheduled ? "schedule" : "manual"); }},
    {"dry_run", [](const RunReport &r, bool *) { return BoolGetDatum(r.dry_run); }},
    {"status", [](const RunReport &r, bool *) { return CStringGetTextDatum(status_name(r.status)); }},
    {"started_at", [](const RunReport &r, bool *) { return TimestampTzGetDatum(r.started_at); }},
    {"finished_at", [](const RunReport &r, bool *) { return TimestampTzGetDatum(r.finished_at); }},
    {"cutoff",
     [](const RunReport &r, bool *isnull) {
	     *isnull = !r.has_cutoff;
	     return TimestampTzGetDatum(r.cutoff);
     }},
    {"rows_pruned", [](const RunReport &r, bool *) { return Int64GetDatum(r.rows_pruned); }},
    {"batches", [](const RunReport &r, bool *) { return Int32GetDatum(int32(r.batches)); }},
    {"partitions_dropped", [](const RunReport &r, bool *) { return Int32GetDatum(r.partitions_dropped); }},
    {"error", [](const RunReport &r, bool *isnull) { return text_or_null(r.error, isnull); }},
    {"sqlstate", [](const RunReport &r, bool *isnull) { return text_or_null(r.sqlstate, isnull); }},
    {"relation", [](const RunReport &r, bool *) { return CStringGetTextDatum(r.relation); }},
    {"owner", [](const RunReport &r, bool *) { return ObjectIdGetDatum(r.owner); }},
    {"pid", [](const RunReport &r, bool *) { return Int32GetDatum(r.pid); }},
    {"rows_kept_referenced", [](const RunReport &r, bool *) { return Int64GetDatum(r.rows_kept_referenced); }},
    {"longest_batch_ms", [](const RunReport &r, bool *) { return Int32GetDatum(r.longest_batch_ms); }},
    {"method", [](const RunReport &r, bool *isnull) { return text_or_null(r.method, isnull); }},
};
const int report_column_count = int(sizeof(report_columns) / sizeof(report_columns[0]));

const ReportColumn *report_column(const char *name) {
	for (int i = 0; i < report_column_count; i++)
		if (strcmp(report_columns[i].name, name) == 0)
			return &report_columns[i];
	return nullptr;
}

} // namespace retention::run
