#include "schedule/interval.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace retention::schedule {
namespace {

constexpr std::int64_t kSecond = 1000000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

std::int64_t parsed(const std::string &text)
{
	IntervalScheduleParse result = parse_interval_schedule(text);
	EXPECT_EQ(result.outcome, IntervalScheduleParse::Outcome::parsed) << text << ": " << result.error;
	return result.usecs;
}

IntervalScheduleParse::Outcome outcome(const std::string &text) { return parse_interval_schedule(text).outcome; }

TEST(IntervalSchedule, CommonForms)
{
	EXPECT_EQ(parsed("5 minutes"), 5 * kMinute);
	EXPECT_EQ(parsed("30 seconds"), 30 * kSecond);
	EXPECT_EQ(parsed("1 hour 30 minutes"), kHour + 30 * kMinute);
	EXPECT_EQ(parsed("30 minutes 1 hour"), kHour + 30 * kMinute);
	EXPECT_EQ(parsed("2d 12h"), 2 * kDay + 12 * kHour);
	EXPECT_EQ(parsed("  1 WEEK  "), 7 * kDay);
	EXPECT_EQ(parsed("10min"), 10 * kMinute);
	EXPECT_EQ(parsed("1 h 1 m 1 s"), kHour + kMinute + kSecond);
	EXPECT_EQ(parsed("1 second 500 ms"), kSecond + 500000);
	EXPECT_EQ(parsed("250 milliseconds"), 250000);
}

TEST(IntervalSchedule, FractionsAsPostgreSQL)
{
	EXPECT_EQ(parsed("1.5 hours"), kHour + 30 * kMinute);
	EXPECT_EQ(parsed("0.5 days"), 12 * kHour);
	EXPECT_EQ(parsed("1.5 weeks"), 10 * kDay + 12 * kHour);
	EXPECT_EQ(parsed(".25 minutes"), 15 * kSecond);
	EXPECT_EQ(parsed("1.0000006 seconds"), kSecond + 1);
	EXPECT_EQ(parsed("1.0000005 seconds"), kSecond); // as PostgreSQL: a half rounds towards zero
	EXPECT_EQ(parsed("1.0000004 seconds"), kSecond);
}

TEST(IntervalSchedule, MonthsAndYearsAreRefused)
{
	for (const char *text : {"1 month", "2 mons", "1 year", "1 day 1 mon"}) {
		IntervalScheduleParse result = parse_interval_schedule(text);
		EXPECT_EQ(result.outcome, IntervalScheduleParse::Outcome::invalid) << text;
		EXPECT_NE(result.error.find("months or years"), std::string::npos) << text;
	}
}

TEST(IntervalSchedule, TooLongIsRefused)
{
	EXPECT_EQ(outcome("99999999999999999999 weeks"), IntervalScheduleParse::Outcome::invalid);
	// INT64_MAX microseconds is 15250284 weeks and a bit.
	EXPECT_EQ(outcome("15250285 weeks"), IntervalScheduleParse::Outcome::invalid);
	EXPECT_EQ(outcome("15250284 weeks"), IntervalScheduleParse::Outcome::parsed);
}

TEST(IntervalSchedule, WhatItDoesNotKnowGoesToPostgreSQL)
{
	for (const char *text : {"", "   ", "@", "@ 1 day", "-5 minutes", "5 minutes ago", "01:30:00", "PT5M", "5", "5 fortnights",
	                         "1 hour 2 hours", "1.5 seconds 10 ms", "every 5 minutes", "5 minutes,", ". hours"})
		EXPECT_EQ(outcome(text), IntervalScheduleParse::Outcome::not_recognized) << '"' << text << '"';
}

TEST(IntervalSchedule, FormatParsesBack)
{
	for (std::int64_t usecs : {kSecond, 90 * kSecond, kHour + 30 * kMinute, kDay, 10 * kDay + 12 * kHour + 1,
	                           kSecond + 500000, std::int64_t(123456789012345)}) {
		const std::string text = format_interval_schedule(usecs);
		EXPECT_EQ(parsed(text), usecs) << text;
	}
	EXPECT_EQ(format_interval_schedule(kHour + 30 * kMinute), "1 hour 30 minutes");
	EXPECT_EQ(format_interval_schedule(2 * kDay + kSecond + 250000), "2 days 1.25 seconds");
	EXPECT_EQ(format_interval_schedule(0), "0 seconds");
}

} // namespace
} // namespace retention::schedule
