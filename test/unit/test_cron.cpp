#include "schedule/cron.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace retention::schedule {
namespace {

CronSpec parse_ok(std::string_view text)
{
	CronParseResult result = parse_cron(text);
	EXPECT_TRUE(result.spec.has_value()) << text << ": " << result.error;
	EXPECT_TRUE(result.error.empty()) << text;
	return result.spec.value_or(CronSpec{});
}

std::string parse_error(std::string_view text)
{
	CronParseResult result = parse_cron(text);
	EXPECT_FALSE(result.spec.has_value()) << text;
	EXPECT_FALSE(result.error.empty()) << text;
	return result.error;
}

template <std::size_t N>
std::vector<int> set_bits(const std::bitset<N> &bits)
{
	std::vector<int> values;
	for (std::size_t i = 0; i < N; ++i)
		if (bits[i])
			values.push_back(static_cast<int>(i));
	return values;
}

using Values = std::vector<int>;

// --- looks_like_cron ---

TEST(LooksLikeCron, FiveFieldsAreCron)
{
	EXPECT_TRUE(looks_like_cron("0 0 * * *"));
	EXPECT_TRUE(looks_like_cron("  */5\t1-3  * jan mon-fri \n"));
	EXPECT_TRUE(looks_like_cron("a b c d e")); // invalid, but parse_cron says why
}

TEST(LooksLikeCron, MacrosAreCron)
{
	EXPECT_TRUE(looks_like_cron("@daily"));
	EXPECT_TRUE(looks_like_cron("  @reboot"));
	EXPECT_TRUE(looks_like_cron("@nonsense with words"));
}

TEST(LooksLikeCron, IntervalsAreNotCron)
{
	EXPECT_FALSE(looks_like_cron("5 minutes"));
	EXPECT_FALSE(looks_like_cron("1 day"));
	EXPECT_FALSE(looks_like_cron("1 hour 30 minutes"));
	EXPECT_FALSE(looks_like_cron("01:30:00"));
	EXPECT_FALSE(looks_like_cron("1 day 2 hours 3 minutes"));
	EXPECT_FALSE(looks_like_cron(""));
	EXPECT_FALSE(looks_like_cron("   \t "));
	EXPECT_FALSE(looks_like_cron("0 0 * *"));
	EXPECT_FALSE(looks_like_cron("0 0 * * * *"));
}

// --- fields ---

TEST(ParseCron, StarsSetWholeRanges)
{
	CronSpec spec = parse_ok("* * * * *");
	EXPECT_EQ(spec.minutes.count(), 60u);
	EXPECT_EQ(spec.hours.count(), 24u);
	EXPECT_EQ(set_bits(spec.days_of_month).front(), 1);
	EXPECT_EQ(spec.days_of_month.count(), 31u);
	EXPECT_EQ(set_bits(spec.months).front(), 1);
	EXPECT_EQ(spec.months.count(), 12u);
	EXPECT_EQ(spec.days_of_week.count(), 7u);
	EXPECT_TRUE(spec.dom_star);
	EXPECT_TRUE(spec.dow_star);
}

TEST(ParseCron, SingleNumbersAndBoundaries)
{
	CronSpec low = parse_ok("0 0 1 1 0");
	EXPECT_EQ(set_bits(low.minutes), Values{0});
	EXPECT_EQ(set_bits(low.hours), Values{0});
	EXPECT_EQ(set_bits(low.days_of_month), Values{1});
	EXPECT_EQ(set_bits(low.months), Values{1});
	EXPECT_EQ(set_bits(low.days_of_week), Values{0});
	EXPECT_FALSE(low.dom_star);
	EXPECT_FALSE(low.dow_star);

	CronSpec high = parse_ok("59 23 31 12 6");
	EXPECT_EQ(set_bits(high.minutes), Values{59});
	EXPECT_EQ(set_bits(high.hours), Values{23});
	EXPECT_EQ(set_bits(high.days_of_month), Values{31});
	EXPECT_EQ(set_bits(high.months), Values{12});
	EXPECT_EQ(set_bits(high.days_of_week), Values{6});
}

TEST(ParseCron, LeadingZerosAreNumbers)
{
	EXPECT_EQ(set_bits(parse_ok("05 007 * * *").hours), Values{7});
}

TEST(ParseCron, Ranges)
{
	CronSpec spec = parse_ok("10-12 0-23 5-5 * 1-5");
	EXPECT_EQ(set_bits(spec.minutes), (Values{10, 11, 12}));
	EXPECT_EQ(spec.hours.count(), 24u);
	EXPECT_EQ(set_bits(spec.days_of_month), Values{5});
	EXPECT_EQ(set_bits(spec.days_of_week), (Values{1, 2, 3, 4, 5}));
}

TEST(ParseCron, Steps)
{
	CronSpec spec = parse_ok("*/15 0-10/5 */10 */5 */2");
	EXPECT_EQ(set_bits(spec.minutes), (Values{0, 15, 30, 45}));
	EXPECT_EQ(set_bits(spec.hours), (Values{0, 5, 10}));
	EXPECT_EQ(set_bits(spec.days_of_month), (Values{1, 11, 21, 31}));
	EXPECT_EQ(set_bits(spec.months), (Values{1, 6, 11}));
	EXPECT_EQ(set_bits(spec.days_of_week), (Values{0, 2, 4, 6}));
	EXPECT_TRUE(spec.dom_star);
	EXPECT_TRUE(spec.dow_star);
}

TEST(ParseCron, StepFromStartRunsToFieldEnd)
{
	CronSpec spec = parse_ok("50/3 20/2 28/1 11/1 5/1");
	EXPECT_EQ(set_bits(spec.minutes), (Values{50, 53, 56, 59}));
	EXPECT_EQ(set_bits(spec.hours), (Values{20, 22}));
	EXPECT_EQ(set_bits(spec.days_of_month), (Values{28, 29, 30, 31}));
	EXPECT_EQ(set_bits(spec.months), (Values{11, 12}));
	EXPECT_EQ(set_bits(spec.days_of_week), (Values{5, 6}));
}

TEST(ParseCron, StepsAsLargeAsTheFieldAreAllowed)
{
	EXPECT_EQ(set_bits(parse_ok("*/60 */24 */31 */12 */7").minutes), Values{0});
	EXPECT_EQ(set_bits(parse_ok("* * * * */7").days_of_week), Values{0});
}

TEST(ParseCron, Lists)
{
	CronSpec spec = parse_ok("0,30,45-47,50-59/5 1,2 1,15 1,6-7 0,3");
	EXPECT_EQ(set_bits(spec.minutes), (Values{0, 30, 45, 46, 47, 50, 55}));
	EXPECT_EQ(set_bits(spec.hours), (Values{1, 2}));
	EXPECT_EQ(set_bits(spec.days_of_month), (Values{1, 15}));
	EXPECT_EQ(set_bits(spec.months), (Values{1, 6, 7}));
	EXPECT_EQ(set_bits(spec.days_of_week), (Values{0, 3}));
}

TEST(ParseCron, DuplicatesAndOverlapsAreHarmless)
{
	EXPECT_EQ(set_bits(parse_ok("5,5,1-6 * * * *").minutes), (Values{1, 2, 3, 4, 5, 6}));
}

TEST(ParseCron, MonthNames)
{
	CronSpec spec = parse_ok("0 0 1 jan,Mar,DEC * ");
	EXPECT_EQ(set_bits(spec.months), (Values{1, 3, 12}));
	EXPECT_EQ(set_bits(parse_ok("0 0 1 feb-apr *").months), (Values{2, 3, 4}));
	EXPECT_EQ(set_bits(parse_ok("0 0 1 jan-dec/3 *").months), (Values{1, 4, 7, 10}));
	EXPECT_EQ(set_bits(parse_ok("0 0 1 jun-8 *").months), (Values{6, 7, 8}));
	std::vector<std::string> names = {"jan", "feb", "mar", "apr", "may", "jun",
									  "jul", "aug", "sep", "oct", "nov", "dec"};
	for (std::size_t i = 0; i < names.size(); ++i)
		EXPECT_EQ(set_bits(parse_ok("0 0 1 " + names[i] + " *").months), Values{static_cast<int>(i) + 1});
}

TEST(ParseCron, DayNames)
{
	EXPECT_EQ(set_bits(parse_ok("0 0 * * mon-fri").days_of_week), (Values{1, 2, 3, 4, 5}));
	EXPECT_EQ(set_bits(parse_ok("0 0 * * SAT,sun").days_of_week), (Values{0, 6}));
	EXPECT_EQ(set_bits(parse_ok("0 0 * * Tue/2").days_of_week), (Values{2, 4, 6}));
	std::vector<std::string> names = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	for (std::size_t i = 0; i < names.size(); ++i)
		EXPECT_EQ(set_bits(parse_ok("0 0 * * " + names[i]).days_of_week), Values{static_cast<int>(i)});
}

TEST(ParseCron, SevenIsSunday)
{
	EXPECT_EQ(set_bits(parse_ok("0 0 * * 7").days_of_week), Values{0});
	EXPECT_EQ(set_bits(parse_ok("0 0 * * 5-7").days_of_week), (Values{0, 5, 6}));
	EXPECT_EQ(set_bits(parse_ok("0 0 * * fri-7").days_of_week), (Values{0, 5, 6}));
	EXPECT_EQ(parse_ok("0 0 * * 0-7").days_of_week.count(), 7u);
	EXPECT_EQ(set_bits(parse_ok("0 0 * * 1-7/2").days_of_week), (Values{0, 1, 3, 5}));
	EXPECT_EQ(set_bits(parse_ok("0 0 * * 7/3").days_of_week), Values{0});
}

TEST(ParseCron, StarFlagsFollowVixie)
{
	CronSpec step = parse_ok("0 0 */2 * */3");
	EXPECT_TRUE(step.dom_star);
	EXPECT_TRUE(step.dow_star);
	CronSpec restricted = parse_ok("0 0 1-31 * 0-6");
	EXPECT_FALSE(restricted.dom_star);
	EXPECT_FALSE(restricted.dow_star);
}

// --- macros ---

TEST(ParseCron, Macros)
{
	struct Case {
		const char *macro;
		Values minutes, hours, days_of_month, months, days_of_week;
	};
	const std::vector<Case> cases = {
		{"@yearly", {0}, {0}, {1}, {1}, {0, 1, 2, 3, 4, 5, 6}},
		{"@annually", {0}, {0}, {1}, {1}, {0, 1, 2, 3, 4, 5, 6}},
		{"@monthly", {0}, {0}, {1}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {0, 1, 2, 3, 4, 5, 6}},
		{"@weekly", {0}, {0}, {}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {0}},
		{"@daily", {0}, {0}, {}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {0, 1, 2, 3, 4, 5, 6}},
		{"@midnight", {0}, {0}, {}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {0, 1, 2, 3, 4, 5, 6}},
	};
	for (const Case &c : cases) {
		SCOPED_TRACE(c.macro);
		CronSpec spec = parse_ok(c.macro);
		EXPECT_EQ(set_bits(spec.minutes), c.minutes);
		EXPECT_EQ(set_bits(spec.hours), c.hours);
		if (!c.days_of_month.empty())
			EXPECT_EQ(set_bits(spec.days_of_month), c.days_of_month);
		else
			EXPECT_EQ(spec.days_of_month.count(), 31u);
		EXPECT_EQ(set_bits(spec.months), c.months);
		EXPECT_EQ(set_bits(spec.days_of_week), c.days_of_week);
	}
	CronSpec hourly = parse_ok("@hourly");
	EXPECT_EQ(set_bits(hourly.minutes), Values{0});
	EXPECT_EQ(hourly.hours.count(), 24u);
}

TEST(ParseCron, MacrosIgnoreCaseAndSurroundingSpace)
{
	EXPECT_EQ(set_bits(parse_ok("  @DAILY\n").hours), Values{0});
	EXPECT_EQ(set_bits(parse_ok("@Weekly").days_of_week), Values{0});
}

TEST(ParseCron, UnknownMacros)
{
	const std::string known = "(known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)";
	EXPECT_EQ(parse_error("@reboot"), "unknown macro \"@reboot\" " + known);
	EXPECT_EQ(parse_error("@every 5m"), "unknown macro \"@every\" " + known);
	EXPECT_EQ(parse_error("@"), "unknown macro \"@\" " + known);
	EXPECT_EQ(parse_error("@dailyx"), "unknown macro \"@dailyx\" " + known);
}

TEST(ParseCron, MacroWithExtraText)
{
	EXPECT_EQ(parse_error("@daily 5"), "macro \"@daily\" takes no fields, but got \"5\"");
}

// --- errors ---

TEST(ParseCronErrors, FieldCount)
{
	EXPECT_EQ(parse_error("0 0 * *"), "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
	EXPECT_EQ(parse_error("0 0 * * * *"), "expected 5 fields (minute hour day-of-month month day-of-week), got 6");
	EXPECT_EQ(parse_error(""), "expected 5 fields (minute hour day-of-month month day-of-week), got 0");
	EXPECT_EQ(parse_error("5 minutes"), "expected 5 fields (minute hour day-of-month month day-of-week), got 2");
}

TEST(ParseCronErrors, OutOfRange)
{
	EXPECT_EQ(parse_error("61 * * * *"), "minute field: 61 is out of range 0-59");
	EXPECT_EQ(parse_error("60 * * * *"), "minute field: 60 is out of range 0-59");
	EXPECT_EQ(parse_error("* 24 * * *"), "hour field: 24 is out of range 0-23");
	EXPECT_EQ(parse_error("* * 0 * *"), "day-of-month field: 0 is out of range 1-31");
	EXPECT_EQ(parse_error("* * 32 * *"), "day-of-month field: 32 is out of range 1-31");
	EXPECT_EQ(parse_error("* * * 0 *"), "month field: 0 is out of range 1-12");
	EXPECT_EQ(parse_error("* * * 13 *"), "month field: 13 is out of range 1-12");
	EXPECT_EQ(parse_error("* * * * 8"), "day-of-week field: 8 is out of range 0-7");
	EXPECT_EQ(parse_error("0-60 * * * *"), "minute field: 60 is out of range 0-59");
	EXPECT_EQ(parse_error("* 20-24 * * *"), "hour field: 24 is out of range 0-23");
	EXPECT_EQ(parse_error("1,2,99 * * * *"), "minute field: 99 is out of range 0-59");
}

TEST(ParseCronErrors, HugeNumbersDoNotOverflow)
{
	EXPECT_EQ(parse_error("99999999999999999999999999 * * * *"),
			  "minute field: 99999999999999999999999999 is out of range 0-59");
	EXPECT_EQ(parse_error("* 4294967296 * * *"), "hour field: 4294967296 is out of range 0-23");
	EXPECT_EQ(parse_error("*/18446744073709551617 * * * *"),
			  "minute field: step 18446744073709551617 is out of range 1-60");
	EXPECT_EQ(parse_error("0-2147483648 * * * *"), "minute field: 2147483648 is out of range 0-59");
}

TEST(ParseCronErrors, Reversed)
{
	EXPECT_EQ(parse_error("0 0 10-5 * *"), "day-of-month field: range 10-5 is reversed");
	EXPECT_EQ(parse_error("30-10 * * * *"), "minute field: range 30-10 is reversed");
	EXPECT_EQ(parse_error("0 0 * * fri-mon"), "day-of-week field: range fri-mon is reversed");
	EXPECT_EQ(parse_error("0 0 * dec-jan *"), "month field: range dec-jan is reversed");
	EXPECT_EQ(parse_error("0 0 * * 7-1"), "day-of-week field: range 7-1 is reversed");
}

TEST(ParseCronErrors, Steps)
{
	EXPECT_EQ(parse_error("* */0 * * *"), "hour field: step must be a positive number");
	EXPECT_EQ(parse_error("* */ * * *"), "hour field: step must be a positive number");
	EXPECT_EQ(parse_error("* */-1 * * *"), "hour field: step must be a positive number");
	EXPECT_EQ(parse_error("* */x * * *"), "hour field: step must be a positive number");
	EXPECT_EQ(parse_error("*/5x * * * *"), "minute field: step must be a positive number");
	EXPECT_EQ(parse_error("1/2/3 * * * *"), "minute field: step must be a positive number");
	EXPECT_EQ(parse_error("*/61 * * * *"), "minute field: step 61 is out of range 1-60");
	EXPECT_EQ(parse_error("* * * * */8"), "day-of-week field: step 8 is out of range 1-7");
	EXPECT_EQ(parse_error("/5 * * * *"), "minute field: missing value before \"/\" in \"/5\"");
}

TEST(ParseCronErrors, InvalidValues)
{
	EXPECT_EQ(parse_error("5x * * * *"), "minute field: invalid value \"5x\" (expected 0-59)");
	EXPECT_EQ(parse_error("x5 * * * *"), "minute field: invalid value \"x5\" (expected 0-59)");
	EXPECT_EQ(parse_error("*5 * * * *"), "minute field: invalid value \"*5\" (expected 0-59)");
	EXPECT_EQ(parse_error("** * * * *"), "minute field: invalid value \"**\" (expected 0-59)");
	EXPECT_EQ(parse_error("+5 * * * *"), "minute field: invalid value \"+5\" (expected 0-59)");
	EXPECT_EQ(parse_error("1.5 * * * *"), "minute field: invalid value \"1.5\" (expected 0-59)");
	EXPECT_EQ(parse_error("jan * * * *"), "minute field: invalid value \"jan\" (expected 0-59)");
	EXPECT_EQ(parse_error("* * mon * *"), "day-of-month field: invalid value \"mon\" (expected 1-31)");
	EXPECT_EQ(parse_error("0 0 1 january *"),
			  "month field: invalid value \"january\" (expected 1-12 or jan-dec)");
	EXPECT_EQ(parse_error("0 0 1 mon *"), "month field: invalid value \"mon\" (expected 1-12 or jan-dec)");
	EXPECT_EQ(parse_error("0 0 * * monday"),
			  "day-of-week field: invalid value \"monday\" (expected 0-7 or sun-sat)");
	EXPECT_EQ(parse_error("0 0 * * jan"), "day-of-week field: invalid value \"jan\" (expected 0-7 or sun-sat)");
	EXPECT_EQ(parse_error("* * * * *-5"), "day-of-week field: invalid value \"*\" (expected 0-7 or sun-sat)");
}

TEST(ParseCronErrors, BadRanges)
{
	EXPECT_EQ(parse_error("-5 * * * *"), "minute field: invalid range \"-5\"");
	EXPECT_EQ(parse_error("5- * * * *"), "minute field: invalid range \"5-\"");
	EXPECT_EQ(parse_error("- * * * *"), "minute field: invalid range \"-\"");
	EXPECT_EQ(parse_error("1-2-3 * * * *"), "minute field: invalid value \"2-3\" (expected 0-59)");
	EXPECT_EQ(parse_error("1-x * * * *"), "minute field: invalid value \"x\" (expected 0-59)");
}

TEST(ParseCronErrors, EmptyListItems)
{
	EXPECT_EQ(parse_error("1,,2 * * * *"), "minute field: empty list item in \"1,,2\"");
	EXPECT_EQ(parse_error("* 1, * * *"), "hour field: empty list item in \"1,\"");
	EXPECT_EQ(parse_error("* * ,1 * *"), "day-of-month field: empty list item in \",1\"");
	EXPECT_EQ(parse_error("* * * , *"), "month field: empty list item in \",\"");
}

TEST(ParseCronErrors, FirstBadFieldIsReported)
{
	EXPECT_EQ(parse_error("99 99 * * *"), "minute field: 99 is out of range 0-59");
}

TEST(ParseCronErrors, NeverFires)
{
	EXPECT_EQ(parse_error("0 0 31 2 *"),
			  "day-of-month field: day 31 never occurs in the chosen months (the longest has 29 days), so the "
			  "schedule would never fire");
	EXPECT_EQ(parse_error("0 0 30 2 *"),
			  "day-of-month field: day 30 never occurs in the chosen months (the longest has 29 days), so the "
			  "schedule would never fire");
	EXPECT_EQ(parse_error("0 0 31 apr,jun,sep,nov *"),
			  "day-of-month field: day 31 never occurs in the chosen months (the longest has 30 days), so the "
			  "schedule would never fire");
	EXPECT_EQ(parse_error("0 0 30-31 2 */2"),
			  "day-of-month field: day 30 never occurs in the chosen months (the longest has 29 days), so the "
			  "schedule would never fire");
}

TEST(ParseCron, RareButPossibleDaysAreAccepted)
{
	parse_ok("0 0 29 2 *");      // leap days
	parse_ok("0 0 31 2,3 *");    // March has a 31st
	parse_ok("0 0 31 2 mon");    // OR: every Monday in February
	parse_ok("0 0 29 2 */7");    // AND: Feb 29 on a Sunday
	parse_ok("0 0 31 apr-may *");
}

// --- matches ---

TEST(CronSpecMatches, OrWhenBothDayFieldsRestricted)
{
	CronSpec spec = parse_ok("0 0 13 * 5"); // the 13th, and every Friday
	EXPECT_TRUE(spec.matches(1, 13, 2));
	EXPECT_TRUE(spec.matches(1, 10, 5));
	EXPECT_TRUE(spec.matches(1, 13, 5));
	EXPECT_FALSE(spec.matches(1, 12, 4));
}

TEST(CronSpecMatches, OnlyTheRestrictedFieldCountsNextToStar)
{
	CronSpec dom_only = parse_ok("0 0 13 * *");
	EXPECT_TRUE(dom_only.matches(3, 13, 0));
	EXPECT_FALSE(dom_only.matches(3, 14, 5));
	CronSpec dow_only = parse_ok("0 0 * * 5");
	EXPECT_TRUE(dow_only.matches(3, 14, 5));
	EXPECT_FALSE(dow_only.matches(3, 13, 4));
}

TEST(CronSpecMatches, StarStepStillNarrowsWithAnd)
{
	CronSpec spec = parse_ok("0 0 */10 * 1"); // days 1, 11, 21, 31 that are Mondays
	EXPECT_TRUE(spec.matches(5, 11, 1));
	EXPECT_FALSE(spec.matches(5, 11, 2));
	EXPECT_FALSE(spec.matches(5, 12, 1));
}

TEST(CronSpecMatches, MonthMustMatch)
{
	CronSpec spec = parse_ok("0 0 * feb *");
	EXPECT_TRUE(spec.matches(2, 1, 0));
	EXPECT_FALSE(spec.matches(3, 1, 0));
}

TEST(CronSpecMatches, OutOfRangeInputsNeverMatch)
{
	CronSpec spec = parse_ok("* * * * *");
	EXPECT_FALSE(spec.matches(0, 1, 0));
	EXPECT_FALSE(spec.matches(13, 1, 0));
	EXPECT_FALSE(spec.matches(1, 0, 0));
	EXPECT_FALSE(spec.matches(1, 32, 0));
	EXPECT_FALSE(spec.matches(1, 1, -1));
	EXPECT_FALSE(spec.matches(1, 1, 7));
}

} // namespace
} // namespace retention::schedule

namespace {

using retention::schedule::format_cron;
using retention::schedule::parse_cron;

// parse_cron(format_cron(spec)) == spec, for texts of every kind.
TEST(CronFormat, ParsesBackToTheSameSpec)
{
	for (const char *text :
	     {"* * * * *", "*/15 * * * *", "0 3 * * *", "0,30 9-17 * * 1-5", "5/10 */2 1,15 jan,jul mon-fri",
	      "0 0 * * 7", "0 12 */2 * *", "0 12 */2,5 * *", "0 0 1-31 * *", "0 0 * * 0-6", "0 0 13 * 5",
	      "@weekly", "@yearly", "59 23 31 12 sat", "*/7 */5 */3 */4 */2", "1-5,7,9-11/2 0 1 1 *"}) {
		auto first = parse_cron(text);
		ASSERT_TRUE(first.spec) << text << ": " << first.error;
		const std::string formatted = format_cron(*first.spec);
		auto again = parse_cron(formatted);
		ASSERT_TRUE(again.spec) << text << " -> " << formatted << ": " << again.error;
		EXPECT_TRUE(*again.spec == *first.spec) << text << " -> " << formatted;
	}
}

TEST(CronFormat, CanonicalText)
{
	EXPECT_EQ(format_cron(*parse_cron("0,30 9-17 * * mon-fri").spec), "*/30 9-17 * * 1-5");
	EXPECT_EQ(format_cron(*parse_cron("0,20 9,17 * * mon").spec), "0,20 9,17 * * 1");
	EXPECT_EQ(format_cron(*parse_cron("*/15 * * * *").spec), "*/15 * * * *");
	// A day field keeps whether it was a star: "1-31" is not "*" to Vixie's day rule.
	EXPECT_EQ(format_cron(*parse_cron("0 0 1-31 * 1").spec), "0 0 1-31 * 1");
	EXPECT_EQ(format_cron(*parse_cron("0 12 */10,5 * *").spec), "0 12 */31,5,11,21,31 * *");
}

} // namespace
