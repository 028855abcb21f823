// SQL-callable scheduling functions, used by the retention.status view and
// so by the scheduler, which runs what that view says is due:
//   retention.next_run_time(schedule, time_zone, anchor, failures, max_retries, salt)
//   retention.scheduling_active()
//   retention.wake_scheduler() (the trigger on policies), wake_scheduler_now()
#include <cmath>

#include "catalog/policy_schedule.hpp"
#include "settings.hpp"
#include "schedule/backoff.hpp"
#include "schedule/next_run.hpp"
#include "run/workers.hpp"
#include "worker/databases.hpp"
#include "border/guard.hpp"
#include "border/pg_zone.hpp"

#include "border/pg.hpp"

namespace retention::api {

namespace {

std::int64_t unix_seconds(TimestampTz instant) {
	// floor, so a run that started at 03:00:00.2 counts as 03:00:00
	return std::int64_t(timestamptz_to_time_t(instant)) - (instant % USECS_PER_SEC < 0 ? 1 : 0);
}

TimestampTz from_unix_seconds(std::int64_t seconds) { return time_t_to_timestamptz(pg_time_t(seconds)); }

// anchor + usecs, or false when that is not a valid timestamptz (the view
// then shows no next run rather than a wrapped-around time).
bool later_by(TimestampTz anchor, std::int64_t usecs, TimestampTz *result) {
	return !pg_add_s64_overflow(anchor, usecs, result) && IS_VALID_TIMESTAMP(*result);
}

// A stable jitter in [0, 1) per policy and attempt, so the view and the
// scheduler agree on the retry time.
double jitter_for(const char *salt, int failures) {
	uint32 hash = DatumGetUInt32(hash_any(reinterpret_cast<const unsigned char *>(salt), int(strlen(salt))));
	hash ^= uint32(failures) * 2654435761u;
	return double(hash % 10000) / 10000.0;
}

} // namespace

} // namespace retention::api

using namespace retention;

// The next time a policy is due, from its schedule and its last run:
//  - anchor: when its last run started (or when it was last edited, if later)
//  - after a failure (failures consecutive failed runs, up to max_retries):
//    anchor + a back-off that grows with failures, capped below the period
//  - otherwise the schedule's next time after anchor; for an interval
//    schedule, anchor + interval (in the past when a run was missed: due now)
RETENTION_FUNCTION(retention_next_run_time) {
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(2)))
		PG_RETURN_NULL();
	const char *schedule_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *zone_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TimestampTz anchor = PG_GETARG_TIMESTAMPTZ(2);
	int failures = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
	int max_retries = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT32(4);
	const char *salt = PG_ARGISNULL(5) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(5));

	catalog::PolicySchedule parsed;
	if (catalog::read_schedule(schedule_text, &parsed) != nullptr)
		PG_RETURN_NULL(); // a schedule that no longer parses is never due
	pg_tz *zone = pg_tzset(zone_name);
	if (!zone)
		PG_RETURN_NULL();

	std::int64_t anchor_s = api::unix_seconds(anchor);
	border::PgZone local(zone);
	std::int64_t period_s;
	std::optional<std::int64_t> regular;
	if (parsed.is_cron) {
		regular = schedule::next_cron_run(parsed.cron, local, anchor_s);
		std::optional<std::int64_t> after = regular ? schedule::next_cron_run(parsed.cron, local, *regular) : regular;
		period_s = regular && after ? *after - *regular : 0;
	} else {
		period_s = std::max<std::int64_t>(1, parsed.interval_usecs / USECS_PER_SEC);
	}

	TimestampTz next;
	if (failures >= 1 && failures <= max_retries) {
		std::int64_t delay = schedule::retry_delay_seconds(failures, period_s, api::jitter_for(salt, failures));
		if (!api::later_by(anchor, delay * USECS_PER_SEC, &next))
			PG_RETURN_NULL();
		PG_RETURN_TIMESTAMPTZ(next);
	}
	if (!parsed.is_cron) {
		if (!api::later_by(anchor, parsed.interval_usecs, &next))
			PG_RETURN_NULL();
		PG_RETURN_TIMESTAMPTZ(next);
	}
	if (!regular)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(api::from_unix_seconds(*regular));
}

// Whether this database's policies are scheduled: the library is preloaded
// (its launcher and workers exist, the launcher perhaps restarting), the
// server is not in recovery (they start at promotion), and the settings
// let it serve this database.
RETENTION_FUNCTION(retention_scheduling_active) {
	(void)fcinfo;
	PG_RETURN_BOOL(run::have_worker_table() && !RecoveryInProgress() && setting_enabled &&
	               worker_serves_database(get_database_name(MyDatabaseId)));
}

// A committed policy edit or CREATE EXTENSION: the database is due at once
// (the launcher gives it a worker, or its idle worker passes).
RETENTION_FUNCTION(retention_wake_scheduler) {
	// Harmless anywhere (it only makes the database due sooner), but only
	// the extension calls it: EXECUTE is revoked from PUBLIC.
	worker::wake_database_at_commit();
	if (CALLED_AS_TRIGGER(fcinfo))
		return PointerGetDatum(nullptr);
	PG_RETURN_VOID();
}
