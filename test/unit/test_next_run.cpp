#include "schedule/next_run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace retention::schedule {
namespace {

namespace chr = std::chrono;

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

std::int64_t days_since_epoch(chr::sys_days date)
{
	return date.time_since_epoch().count();
}

std::int64_t utc(int y, unsigned m, unsigned d, int hour = 0, int minute = 0, int second = 0)
{
	return days_since_epoch(chr::year{y} / chr::month{m} / chr::day{d}) * kDay + hour * kHour + minute * 60 + second;
}

int utc_year(std::int64_t seconds)
{
	const chr::sys_days date{chr::days{seconds >= 0 ? seconds / kDay : (seconds - kDay + 1) / kDay}};
	return static_cast<int>(chr::year_month_day{date}.year());
}

// Transition instants of the test zones, from their real rules.
std::int64_t at(chr::sys_days date, int hour, int minute = 0)
{
	return days_since_epoch(date) * kDay + hour * kHour + minute * 60;
}

// Europe/Berlin: CET +1, CEST +2 from 01:00 UTC on the last Sunday of March
// to 01:00 UTC on the last Sunday of October.
class BerlinZone : public Zone {
public:
	int utc_offset(std::int64_t t) const override
	{
		const chr::year y{utc_year(t)};
		const std::int64_t start = at(y / chr::March / chr::Sunday[chr::last], 1);
		const std::int64_t end = at(y / chr::October / chr::Sunday[chr::last], 1);
		return (t >= start && t < end) ? 7200 : 3600;
	}
};

// America/New_York: EST -5, EDT -4 from 07:00 UTC on the second Sunday of
// March to 06:00 UTC on the first Sunday of November.
class NewYorkZone : public Zone {
public:
	int utc_offset(std::int64_t t) const override
	{
		const chr::year y{utc_year(t)};
		const std::int64_t start = at(y / chr::March / chr::Sunday[2], 7);
		const std::int64_t end = at(y / chr::November / chr::Sunday[1], 6);
		return (t >= start && t < end) ? -4 * 3600 : -5 * 3600;
	}
};

// Australia/Lord_Howe: +10:30, +11:00 in summer; 30-minute switches at
// 02:00 local on the first Sundays of October and April (15:30 and 15:00 UTC
// the day before).
class LordHoweZone : public Zone {
public:
	int utc_offset(std::int64_t t) const override
	{
		const chr::year y{utc_year(t)};
		const std::int64_t summer_ends = at(chr::sys_days{y / chr::April / chr::Sunday[1]} - chr::days{1}, 15);
		const std::int64_t summer_starts = at(chr::sys_days{y / chr::October / chr::Sunday[1]} - chr::days{1}, 15, 30);
		return (t < summer_ends || t >= summer_starts) ? 39600 : 37800;
	}
};

// One change of offset at a given instant, for historic oddities.
class StepZone : public Zone {
public:
	StepZone(std::int64_t change_at, int before, int after) : change_at_(change_at), before_(before), after_(after) {}
	int utc_offset(std::int64_t t) const override { return t < change_at_ ? before_ : after_; }

private:
	std::int64_t change_at_;
	int before_;
	int after_;
};

CronSpec cron(std::string_view text)
{
	CronParseResult result = parse_cron(text);
	EXPECT_TRUE(result.spec) << text << ": " << result.error;
	return result.spec.value_or(CronSpec{});
}

std::int64_t next(std::string_view text, const Zone &zone, std::int64_t after)
{
	std::optional<std::int64_t> result = next_cron_run(cron(text), zone, after);
	EXPECT_TRUE(result) << text << " after " << after;
	return result.value_or(-1);
}

std::int64_t next_utc(std::string_view text, std::int64_t after)
{
	return next(text, FixedZone(0), after);
}

// All firings in (after, until].
std::vector<std::int64_t> firings(std::string_view text, const Zone &zone, std::int64_t after, std::int64_t until)
{
	const CronSpec spec = cron(text);
	std::vector<std::int64_t> result;
	while (true) {
		std::optional<std::int64_t> fired = next_cron_run(spec, zone, after);
		if (!fired || *fired > until)
			return result;
		EXPECT_GT(*fired, after);
		result.push_back(*fired);
		after = *fired;
	}
}

// Brute-force reference straight from the rule "local minute L fires at the
// first instant whose local time is L or later": walk second by second,
// remembering the latest local time already reached.
std::vector<std::int64_t> reference_firings(const CronSpec &spec, const Zone &zone, std::int64_t after,
											std::int64_t until)
{
	std::vector<std::int64_t> result;
	std::int64_t reached = after + zone.utc_offset(after);
	for (std::int64_t t = after + 1; t <= until; ++t) {
		const std::int64_t local = t + zone.utc_offset(t);
		bool fires = false;
		for (std::int64_t minute = (reached / 60 + 1) * 60; minute <= local && !fires; minute += 60) {
			const chr::sys_days date{chr::days{minute / kDay}};
			const chr::year_month_day ymd{date};
			const std::int64_t minute_of_day = (minute % kDay) / 60;
			fires = spec.hours[static_cast<std::size_t>(minute_of_day / 60)] &&
					spec.minutes[static_cast<std::size_t>(minute_of_day % 60)] &&
					spec.matches(static_cast<int>(static_cast<unsigned>(ymd.month())),
								 static_cast<int>(static_cast<unsigned>(ymd.day())),
								 static_cast<int>(chr::weekday{date}.c_encoding()));
		}
		if (fires)
			result.push_back(t);
		reached = std::max(reached, local);
	}
	return result;
}

// --- UTC ---

TEST(NextCronRun, EveryMinute)
{
	EXPECT_EQ(next_utc("* * * * *", utc(2024, 5, 10, 10, 0)), utc(2024, 5, 10, 10, 1));
	EXPECT_EQ(next_utc("* * * * *", utc(2024, 5, 10, 10, 0, 30)), utc(2024, 5, 10, 10, 1));
	EXPECT_EQ(next_utc("* * * * *", utc(2024, 5, 10, 10, 0, 59)), utc(2024, 5, 10, 10, 1));
	EXPECT_EQ(next_utc("* * * * *", utc(2024, 5, 10, 10, 0, 59) + 1), utc(2024, 5, 10, 10, 2));
}

TEST(NextCronRun, StrictlyAfter)
{
	EXPECT_EQ(next_utc("0 12 * * *", utc(2024, 5, 10, 12, 0)), utc(2024, 5, 11, 12, 0));
	EXPECT_EQ(next_utc("0 12 * * *", utc(2024, 5, 10, 11, 59, 59)), utc(2024, 5, 10, 12, 0));
}

TEST(NextCronRun, HoursMinutesAndRollovers)
{
	EXPECT_EQ(next_utc("0 * * * *", utc(2024, 5, 10, 10, 0)), utc(2024, 5, 10, 11, 0));
	EXPECT_EQ(next_utc("*/20 9-17 * * *", utc(2024, 5, 10, 17, 40)), utc(2024, 5, 11, 9, 0));
	EXPECT_EQ(next_utc("15,45 */6 * * *", utc(2024, 5, 10, 6, 20)), utc(2024, 5, 10, 6, 45));
	EXPECT_EQ(next_utc("* * * * *", utc(2024, 12, 31, 23, 59)), utc(2025, 1, 1, 0, 0));
	EXPECT_EQ(next_utc("0 0 1 1 *", utc(2024, 6, 1)), utc(2025, 1, 1));
	EXPECT_EQ(next_utc("30 4 * 3 *", utc(2024, 3, 31, 4, 30)), utc(2025, 3, 1, 4, 30));
}

TEST(NextCronRun, BeforeTheEpoch)
{
	EXPECT_EQ(next_utc("0 0 1 1 *", utc(1969, 6, 1)), 0);
	EXPECT_EQ(next_utc("30 23 * * *", utc(1969, 12, 31, 23, 29, 59)), -1800);
	EXPECT_EQ(next_utc("* * * * *", -61), -60);
	EXPECT_EQ(next_utc("* * * * *", -60), 0);
	EXPECT_EQ(next_utc("0 0 29 2 *", utc(1900, 1, 1)), utc(1904, 2, 29));
}

TEST(NextCronRun, MonthEnds)
{
	EXPECT_EQ(next_utc("0 0 31 * *", utc(2024, 1, 31)), utc(2024, 3, 31));
	EXPECT_EQ(next_utc("0 0 31 * *", utc(2024, 4, 1)), utc(2024, 5, 31));
	EXPECT_EQ(next_utc("0 0 30 * *", utc(2023, 1, 30)), utc(2023, 3, 30));
	EXPECT_EQ(firings("0 0 31 * *", FixedZone(0), utc(2023, 12, 31, 1), utc(2024, 12, 31, 1)).size(), 7u);
	EXPECT_EQ(firings("0 0 30 * *", FixedZone(0), utc(2023, 12, 31), utc(2024, 12, 31)).size(), 11u);
}

TEST(NextCronRun, LeapDays)
{
	EXPECT_EQ(next_utc("0 0 29 2 *", utc(2023, 3, 1)), utc(2024, 2, 29));
	EXPECT_EQ(next_utc("0 0 29 2 *", utc(2024, 2, 29)), utc(2028, 2, 29));
	EXPECT_EQ(next_utc("0 0 29 2 *", utc(2024, 3, 1)), utc(2028, 2, 29));
	// 2100 is no leap year: eight years to wait.
	EXPECT_EQ(next_utc("0 0 29 2 *", utc(2096, 3, 1)), utc(2104, 2, 29));
	EXPECT_EQ(next_utc("0 0 29 2 *", utc(1996, 3, 1)), utc(2000, 2, 29));
	EXPECT_EQ(next_utc("0 0 * 2 *", utc(2023, 2, 28)), utc(2024, 2, 1));
}

TEST(NextCronRun, DayOfMonthOrDayOfWeek)
{
	// The 13th and every Friday.
	std::vector<std::int64_t> expected = {utc(2024, 9, 6),  utc(2024, 9, 13), utc(2024, 9, 20),
										  utc(2024, 9, 27), utc(2024, 10, 4), utc(2024, 10, 11),
										  utc(2024, 10, 13), utc(2024, 10, 18), utc(2024, 10, 25)};
	EXPECT_EQ(firings("0 0 13 * 5", FixedZone(0), utc(2024, 9, 1), utc(2024, 10, 25)), expected);
	EXPECT_EQ(firings("0 0 13 * fri", FixedZone(0), utc(2024, 9, 1), utc(2024, 10, 25)), expected);
}

TEST(NextCronRun, StarStepDayFieldNarrowsWithAnd)
{
	// Days 1, 11, 21, 31 that are Mondays.
	std::vector<std::int64_t> expected = {utc(2024, 1, 1), utc(2024, 3, 11), utc(2024, 4, 1), utc(2024, 7, 1),
										  utc(2024, 10, 21), utc(2024, 11, 11)};
	EXPECT_EQ(firings("0 0 */10 * 1", FixedZone(0), utc(2023, 12, 31), utc(2024, 11, 11)), expected);
}

TEST(NextCronRun, RareDaysFarAhead)
{
	// Feb 29 on a Sunday: 2088, then 2128 (2100 is no leap year).
	EXPECT_EQ(next_utc("0 0 29 2 */7", utc(2024, 1, 1)), utc(2032, 2, 29));
	EXPECT_EQ(next_utc("0 0 29 2 sun", utc(2024, 1, 1)), utc(2024, 2, 4)); // OR: any Sunday in Feb
	EXPECT_EQ(next_utc("0 0 29 2 */7", utc(2088, 3, 1)), utc(2128, 2, 29));
	EXPECT_EQ(next("0 0 29 2 */7", BerlinZone(), utc(2088, 3, 1)), utc(2128, 2, 28, 23));
}

TEST(NextCronRun, Macros)
{
	// 2024-09-04 is a Wednesday.
	EXPECT_EQ(next_utc("@weekly", utc(2024, 9, 4, 12)), utc(2024, 9, 8));
	EXPECT_EQ(next_utc("@weekly", utc(2024, 9, 8)), utc(2024, 9, 15));
	EXPECT_EQ(next_utc("@yearly", utc(2024, 1, 1)), utc(2025, 1, 1));
	EXPECT_EQ(next_utc("@annually", utc(2024, 12, 31, 23, 59, 59)), utc(2025, 1, 1));
	EXPECT_EQ(next_utc("@monthly", utc(2024, 1, 15)), utc(2024, 2, 1));
	EXPECT_EQ(next_utc("@daily", utc(2024, 2, 28, 0, 0, 1)), utc(2024, 2, 29));
	EXPECT_EQ(next_utc("@midnight", utc(2024, 2, 29)), utc(2024, 3, 1));
	EXPECT_EQ(next_utc("@hourly", utc(2024, 2, 29, 23, 0)), utc(2024, 3, 1));
	EXPECT_EQ(next("@weekly", BerlinZone(), utc(2024, 9, 4, 12)), utc(2024, 9, 7, 22));
}

TEST(NextCronRun, FixedOffsets)
{
	EXPECT_EQ(next("0 9 * * *", FixedZone(19800), utc(2024, 5, 1)), utc(2024, 5, 1, 3, 30));     // +05:30
	EXPECT_EQ(next("0 9 * * *", FixedZone(-12600), utc(2024, 5, 1)), utc(2024, 5, 1, 12, 30));   // -03:30
	EXPECT_EQ(next("0 0 * * *", FixedZone(20700), utc(2024, 5, 1, 12)), utc(2024, 5, 1, 18, 15)); // +05:45
	// Local Monday 00:30 at +14 is Sunday 10:30 UTC.
	EXPECT_EQ(next("30 0 * * mon", FixedZone(14 * 3600), utc(2024, 9, 1)), utc(2024, 9, 1, 10, 30));
}

// --- Europe/Berlin ---

TEST(NextCronRunBerlin, SpringForwardGapFiresOnceAtTheTransition)
{
	// 2024-03-31: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
	const BerlinZone berlin;
	const std::vector<std::int64_t> fired = firings("30 2 * * *", berlin, utc(2024, 3, 29, 12), utc(2024, 4, 2, 12));
	const std::vector<std::int64_t> expected = {utc(2024, 3, 30, 1, 30), utc(2024, 3, 31, 1, 0),
												utc(2024, 4, 1, 0, 30), utc(2024, 4, 2, 0, 30)};
	EXPECT_EQ(fired, expected);
}

TEST(NextCronRunBerlin, GapMinutesCollapseIntoOneFiring)
{
	const BerlinZone berlin;
	const std::vector<std::int64_t> expected = {utc(2024, 3, 31, 0, 45), utc(2024, 3, 31, 1, 0),
												utc(2024, 3, 31, 1, 15)};
	EXPECT_EQ(firings("*/15 * * * *", berlin, utc(2024, 3, 31, 0, 30), utc(2024, 3, 31, 1, 15)), expected);
	EXPECT_EQ(next("0 2 * * *", berlin, utc(2024, 3, 30, 12)), utc(2024, 3, 31, 1, 0));
	EXPECT_EQ(next("0 3 * * *", berlin, utc(2024, 3, 30, 12)), utc(2024, 3, 31, 1, 0));
	EXPECT_EQ(next("59 1 * * *", berlin, utc(2024, 3, 30, 12)), utc(2024, 3, 31, 0, 59));
}

TEST(NextCronRunBerlin, HourlyAcrossSpringForward)
{
	const BerlinZone berlin;
	// 01:00 CET, then 02:00 (gap) and 03:00 CEST both at 01:00 UTC, then 04:00 CEST.
	const std::vector<std::int64_t> expected = {utc(2024, 3, 31, 0), utc(2024, 3, 31, 1), utc(2024, 3, 31, 2)};
	EXPECT_EQ(firings("0 * * * *", berlin, utc(2024, 3, 30, 23, 30), utc(2024, 3, 31, 2)), expected);
}

TEST(NextCronRunBerlin, FallBackFiresOnlyTheFirstOccurrence)
{
	// 2024-10-27: 03:00 CEST goes back to 02:00 CET at 01:00 UTC.
	const BerlinZone berlin;
	const std::vector<std::int64_t> expected = {utc(2024, 10, 26, 0, 30), utc(2024, 10, 27, 0, 30),
												utc(2024, 10, 28, 1, 30)};
	EXPECT_EQ(firings("30 2 * * *", berlin, utc(2024, 10, 25, 12), utc(2024, 10, 28, 12)), expected);
	// Not even when `after` lies between the two occurrences.
	EXPECT_EQ(next("30 2 * * *", berlin, utc(2024, 10, 27, 1, 0)), utc(2024, 10, 28, 1, 30));
	EXPECT_EQ(next("30 2 * * *", berlin, utc(2024, 10, 27, 1, 29, 59)), utc(2024, 10, 28, 1, 30));
}

TEST(NextCronRunBerlin, QuarterHoursDoNotRepeatAcrossFallBack)
{
	const BerlinZone berlin;
	// Local 02:00-02:45 CEST, then nothing until 03:00 CET.
	const std::vector<std::int64_t> expected = {utc(2024, 10, 27, 0, 0), utc(2024, 10, 27, 0, 15),
												utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 0, 45),
												utc(2024, 10, 27, 2, 0), utc(2024, 10, 27, 2, 15)};
	EXPECT_EQ(firings("*/15 * * * *", berlin, utc(2024, 10, 26, 23, 50), utc(2024, 10, 27, 2, 15)), expected);
	EXPECT_EQ(next("*/15 * * * *", berlin, utc(2024, 10, 27, 1, 10)), utc(2024, 10, 27, 2, 0));
	EXPECT_EQ(next("0 3 * * *", berlin, utc(2024, 10, 26, 12)), utc(2024, 10, 27, 2, 0));
}

TEST(NextCronRunBerlin, EveryLocalDayFiresExactlyOnceAYear)
{
	const BerlinZone berlin;
	for (std::string_view text : {"30 2 * * *", "0 2 * * *", "0 3 * * *", "59 1 * * *", "0 0 * * *"}) {
		SCOPED_TRACE(std::string(text));
		// From local midnight on 2025-01-01 to local midnight on 2026-01-01.
		const std::vector<std::int64_t> fired = firings(text, berlin, utc(2024, 12, 31, 23) - 1, utc(2025, 12, 31, 23) - 1);
		EXPECT_EQ(fired.size(), 365u);
		std::map<std::int64_t, int> per_local_day;
		for (std::int64_t t : fired)
			++per_local_day[(t + berlin.utc_offset(t)) / kDay];
		EXPECT_EQ(per_local_day.size(), 365u);
		for (const auto &[day, count] : per_local_day)
			EXPECT_EQ(count, 1) << "local day " << day;
	}
}

// --- America/New_York ---

TEST(NextCronRunNewYork, SpringForward)
{
	// 2024-03-10: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
	const NewYorkZone new_york;
	EXPECT_EQ(next("30 2 * * *", new_york, utc(2024, 3, 9, 12)), utc(2024, 3, 10, 7, 0));
	EXPECT_EQ(next("30 2 * * *", new_york, utc(2024, 3, 10, 7, 0)), utc(2024, 3, 11, 6, 30));
	EXPECT_EQ(next("30 1 * * *", new_york, utc(2024, 3, 9, 12)), utc(2024, 3, 10, 6, 30));
	EXPECT_EQ(next("30 3 * * *", new_york, utc(2024, 3, 9, 12)), utc(2024, 3, 10, 7, 30));
}

TEST(NextCronRunNewYork, FallBack)
{
	// 2024-11-03: 02:00 EDT goes back to 01:00 EST at 06:00 UTC.
	const NewYorkZone new_york;
	const std::vector<std::int64_t> expected = {utc(2024, 11, 2, 5, 30), utc(2024, 11, 3, 5, 30),
												utc(2024, 11, 4, 6, 30)};
	EXPECT_EQ(firings("30 1 * * *", new_york, utc(2024, 11, 1, 12), utc(2024, 11, 4, 12)), expected);
	EXPECT_EQ(next("30 1 * * *", new_york, utc(2024, 11, 3, 6, 0)), utc(2024, 11, 4, 6, 30));
	EXPECT_EQ(next("0 2 * * *", new_york, utc(2024, 11, 2, 12)), utc(2024, 11, 3, 7, 0));
}

TEST(NextCronRunNewYork, EveryLocalDayFiresExactlyOnceAYear)
{
	const NewYorkZone new_york;
	for (std::string_view text : {"30 1 * * *", "30 2 * * *", "0 2 * * *"}) {
		SCOPED_TRACE(std::string(text));
		const std::vector<std::int64_t> fired = firings(text, new_york, utc(2025, 1, 1, 5) - 1, utc(2026, 1, 1, 5) - 1);
		EXPECT_EQ(fired.size(), 365u);
		std::map<std::int64_t, int> per_local_day;
		for (std::int64_t t : fired)
			++per_local_day[(t + new_york.utc_offset(t)) / kDay];
		EXPECT_EQ(per_local_day.size(), 365u);
	}
}

// --- other offsets ---

TEST(NextCronRunOtherZones, ThirtyMinuteShifts)
{
	const LordHoweZone lord_howe;
	// 2024-10-06: 02:00 +10:30 jumps to 02:30 +11:00 at 15:30 UTC the day before.
	EXPECT_EQ(next("15 2 * * *", lord_howe, utc(2024, 10, 5, 12)), utc(2024, 10, 5, 15, 30));
	EXPECT_EQ(next("30 2 * * *", lord_howe, utc(2024, 10, 5, 12)), utc(2024, 10, 5, 15, 30));
	EXPECT_EQ(next("45 2 * * *", lord_howe, utc(2024, 10, 5, 12)), utc(2024, 10, 5, 15, 45));
	const std::vector<std::int64_t> expected = {utc(2024, 10, 5, 15, 20), utc(2024, 10, 5, 15, 30),
												utc(2024, 10, 5, 15, 40)};
	EXPECT_EQ(firings("*/10 * * * *", lord_howe, utc(2024, 10, 5, 15, 15), utc(2024, 10, 5, 15, 40)), expected);
	// 2024-04-07: 02:00 +11:00 goes back to 01:30 +10:30 at 15:00 UTC the day before.
	EXPECT_EQ(next("45 1 * * *", lord_howe, utc(2024, 4, 6, 12)), utc(2024, 4, 6, 14, 45));
	EXPECT_EQ(next("45 1 * * *", lord_howe, utc(2024, 4, 6, 14, 45)), utc(2024, 4, 7, 15, 15));
	EXPECT_EQ(next("0 2 * * *", lord_howe, utc(2024, 4, 6, 12)), utc(2024, 4, 6, 15, 30));
}

TEST(NextCronRunOtherZones, OddHistoricOffset)
{
	// Local mean time +00:53:28 until 1893-04-01 00:00 UTC, then +01:00.
	const std::int64_t change = utc(1893, 4, 1);
	const StepZone zone(change, 3208, 3600);
	EXPECT_EQ(next("0 12 * * *", zone, utc(1893, 3, 30)), utc(1893, 3, 30, 11, 6, 32));
	// 00:53:28 jumps to 01:00:00 local: 00:55 lies in the gap.
	EXPECT_EQ(next("55 0 * * *", zone, utc(1893, 3, 31, 12)), change);
	EXPECT_EQ(next("0 1 * * *", zone, utc(1893, 3, 31, 12)), change);
	EXPECT_EQ(next("0 12 * * *", zone, change), utc(1893, 4, 1, 11));
}

TEST(NextCronRunOtherZones, SkippedDay)
{
	// Samoa skipped 2011-12-30: 23:59:59 on the 29th (-10) was followed by
	// 00:00 on the 31st (+14), at 10:00 UTC.
	const std::int64_t change = utc(2011, 12, 30, 10);
	const StepZone samoa(change, -10 * 3600, 14 * 3600);
	const std::vector<std::int64_t> expected = {utc(2011, 12, 29, 22), change, utc(2011, 12, 30, 22),
												utc(2011, 12, 31, 22)};
	EXPECT_EQ(firings("0 12 * * *", samoa, utc(2011, 12, 29), utc(2011, 12, 31, 22)), expected);
	EXPECT_EQ(firings("0 * * * *", samoa, change - 1, change + kHour).size(), 2u);
}

TEST(NextCronRunOtherZones, RepeatedDay)
{
	// A zone moving back 24 hours runs the repeated day only once.
	const std::int64_t change = utc(2024, 6, 1, 12);
	const StepZone zone(change, 12 * 3600, -12 * 3600);
	EXPECT_EQ(next("0 6 * * *", zone, utc(2024, 6, 1, 0)), utc(2024, 6, 2, 18));
	// Every minute of the repeated day already ran before the change.
	EXPECT_EQ(next("* * * * *", zone, change - 60), change + kDay);
	EXPECT_EQ(next("* * * * *", zone, change), change + kDay);
}

TEST(NextCronRunOtherZones, MatchesBruteForceAroundTransitions)
{
	const BerlinZone berlin;
	const NewYorkZone new_york;
	const LordHoweZone lord_howe;
	const StepZone odd(utc(2024, 6, 1, 0, 0, 17), 3208, -7 * 3600 - 1234);
	struct Window {
		const Zone *zone;
		std::int64_t around;
	};
	const std::vector<Window> windows = {
		{&berlin, utc(2024, 3, 31, 1)},          {&berlin, utc(2024, 10, 27, 1)},
		{&new_york, utc(2024, 3, 10, 7)},        {&new_york, utc(2024, 11, 3, 6)},
		{&lord_howe, utc(2024, 10, 5, 15, 30)},  {&lord_howe, utc(2024, 4, 6, 15)},
		{&odd, utc(2024, 6, 1)},
	};
	for (std::string_view text : {"* * * * *", "*/15 * * * *", "0 * * * *", "30 2 * * *", "59 1 * * *",
								  "0 3 * * *", "7,29,53 0-4 * * *"}) {
		const CronSpec spec = cron(text);
		for (const Window &window : windows) {
			SCOPED_TRACE(std::string(text) + " around " + std::to_string(window.around));
			const std::int64_t after = window.around - 3 * kHour - 7;
			const std::int64_t until = window.around + 9 * kHour;
			EXPECT_EQ(firings(text, *window.zone, after, until), reference_firings(spec, *window.zone, after, until));
		}
	}
}

// --- limits ---

TEST(NextCronRun, NothingToFindGivesNullopt)
{
	EXPECT_FALSE(next_cron_run(CronSpec{}, FixedZone(0), 0));
	CronSpec impossible = cron("0 0 * * *");
	impossible.months.reset();
	impossible.months.set(2);
	impossible.days_of_month.reset();
	impossible.days_of_month.set(31);
	impossible.dom_star = false;
	EXPECT_FALSE(next_cron_run(impossible, BerlinZone(), utc(2024, 1, 1)));
}

TEST(NextCronRun, InstantsOutsideYears1To9999GiveNullopt)
{
	const CronSpec every_minute = cron("* * * * *");
	EXPECT_FALSE(next_cron_run(every_minute, FixedZone(0), std::numeric_limits<std::int64_t>::max()));
	EXPECT_FALSE(next_cron_run(every_minute, FixedZone(0), std::numeric_limits<std::int64_t>::min()));
	EXPECT_FALSE(next_cron_run(every_minute, FixedZone(0), utc(10000, 1, 1)));
	EXPECT_EQ(next_cron_run(every_minute, FixedZone(0), utc(9999, 12, 31, 23, 58)), utc(9999, 12, 31, 23, 59));
	EXPECT_EQ(next_cron_run(every_minute, FixedZone(0), utc(1, 1, 1)), utc(1, 1, 1, 0, 1));
}

// --- intervals ---

TEST(NextIntervalRun, OnTime)
{
	EXPECT_EQ(next_interval_run(1000, 300, 1000), 1300);
	EXPECT_EQ(next_interval_run(1000, 300, 1299), 1300);
	EXPECT_EQ(next_interval_run(1000, 300, 1300), 1300);
	EXPECT_EQ(next_interval_run(1000, 300, 500), 1300); // clock behind the last start
}

TEST(NextIntervalRun, MissedRunsCatchUpOnceOnTheGrid)
{
	EXPECT_EQ(next_interval_run(1000, 300, 1301), 1600);
	EXPECT_EQ(next_interval_run(1000, 300, 1600), 1600);
	EXPECT_EQ(next_interval_run(1000, 300, 1601), 1900);
	// A week-long outage of a 5-minute schedule: the next grid point, once.
	const std::int64_t week_later = 1000 + 7 * kDay + 17;
	EXPECT_EQ(next_interval_run(1000, 300, week_later), 1000 + 7 * kDay + 300);
	EXPECT_EQ(next_interval_run(-1000, 300, 0), 200);
}

TEST(NextIntervalRun, Extremes)
{
	constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
	constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
	EXPECT_EQ(next_interval_run(kMax - 10, 100, 0), kMax);
	EXPECT_EQ(next_interval_run(0, 100, kMax), kMax);
	EXPECT_EQ(next_interval_run(kMin, 1, kMax), kMax);
	EXPECT_EQ(next_interval_run(kMin, kMax, kMax), kMax);
	EXPECT_EQ(next_interval_run(kMin, 10, 5), 12); // the grid is ...-8, 2, 12
	EXPECT_EQ(next_interval_run(0, kMax, 5), kMax);
	EXPECT_EQ(next_interval_run(100, 0, 50), 50);
	EXPECT_EQ(next_interval_run(100, -5, 50), 50);
}

} // namespace
} // namespace retention::schedule
