#include "catalog/policy_schedule.hpp"
#include "schedule/interval.hpp"
#include "border/guard.hpp"

#include "border/pg.hpp"

namespace retention::catalog {

namespace {

// The pure parser's verdict, with its message copied out of C++ strings so
// the caller may raise PostgreSQL errors freely afterwards.
const char *read_cron(const char *text, PolicySchedule *out) {
	schedule::CronParseResult parsed = schedule::parse_cron(text);
	if (parsed.spec) {
		out->is_cron = true;
		out->cron = *parsed.spec;
		return nullptr;
	}
	const char *message = border::copy_quietly(parsed.error.c_str());
	return message ? message : "unparsable cron expression";
}


// The pure parser reads the common forms; what it does not recognize goes
// to PostgreSQL's interval input, as every schedule did before it.
const char *read_interval(const char *text, int64 *usecs) {
	// The pure parser's verdict, copied out of its C++ strings before any
	// PostgreSQL call (none may longjmp past them).
	schedule::IntervalScheduleParse::Outcome outcome;
	const char *pure_error = nullptr;
	{
		schedule::IntervalScheduleParse pure = schedule::parse_interval_schedule(text);
		outcome = pure.outcome;
		*usecs = pure.usecs;
		pure_error = border::copy_quietly(pure.error.c_str());
	}
	if (outcome == schedule::IntervalScheduleParse::Outcome::parsed)
		return nullptr;
	if (outcome == schedule::IntervalScheduleParse::Outcome::invalid)
		return pure_error ? pure_error : "invalid interval schedule";
	const char *interval_error = nullptr;
	Interval *every = compat::read_interval(text, &interval_error);
	if (!every)
		return psprintf("not a 5-field cron expression, a macro (@hourly, @daily, @weekly, @monthly, @yearly) "
		                "or an interval such as '5 minutes' (%s)",
		                interval_error ? interval_error : "unparsable");
	if (every->month != 0)
		return "an interval schedule cannot use months or years; use a cron expression or @monthly/@yearly";
	if (pg_add_s64_overflow(int64(every->day) * USECS_PER_DAY, every->time, usecs))
		return "an interval schedule is too long";
	return nullptr;
}

} // namespace

const char *read_schedule(const char *text, PolicySchedule *out) {
	*out = PolicySchedule{};
	// A '*' never appears in an interval: such text is a cron expression, and
	// its error (wrong number of fields, say) is the one worth showing.
	if (schedule::looks_like_cron(text) || strchr(text, '*'))
		return read_cron(text, out);

	int64 usecs = 0;
	const char *problem = read_interval(text, &usecs);
	if (problem)
		return problem;
	if (usecs <= 0)
		return "an interval schedule must be positive";
	if (usecs < USECS_PER_SEC)
		return "an interval schedule must be at least 1 second";
	out->interval_usecs = usecs;
	return nullptr;
}

} // namespace retention::catalog
