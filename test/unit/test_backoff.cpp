#include "schedule/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace retention::schedule {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kNoPeriod = 0;

TEST(RetryDelay, DoublesFromOneMinute)
{
	EXPECT_EQ(retry_delay_seconds(1, kDay, 0.0), 60);
	EXPECT_EQ(retry_delay_seconds(2, kDay, 0.0), 120);
	EXPECT_EQ(retry_delay_seconds(3, kDay, 0.0), 240);
	EXPECT_EQ(retry_delay_seconds(4, kDay, 0.0), 480);
	EXPECT_EQ(retry_delay_seconds(5, kDay, 0.0), 960);
	EXPECT_EQ(retry_delay_seconds(6, kDay, 0.0), 1920);
}

TEST(RetryDelay, CappedAtOneHour)
{
	EXPECT_EQ(retry_delay_seconds(7, kDay, 0.0), 3600);
	EXPECT_EQ(retry_delay_seconds(8, kDay, 0.0), 3600);
	EXPECT_EQ(retry_delay_seconds(100, kDay, 0.0), 3600);
	EXPECT_EQ(retry_delay_seconds(std::numeric_limits<int>::max(), kDay, 0.0), 3600);
}

TEST(RetryDelay, GrowsMonotonically)
{
	std::int64_t previous = 0;
	for (int failures = 1; failures <= 200; ++failures) {
		std::int64_t delay = retry_delay_seconds(failures, kDay, 0.0);
		EXPECT_GE(delay, previous) << failures;
		previous = delay;
	}
}

TEST(RetryDelay, FailureCountsBelowOneCountAsOne)
{
	EXPECT_EQ(retry_delay_seconds(0, kDay, 0.0), 60);
	EXPECT_EQ(retry_delay_seconds(-5, kDay, 0.0), 60);
	EXPECT_EQ(retry_delay_seconds(std::numeric_limits<int>::min(), kDay, 0.0), 60);
}

TEST(RetryDelay, JitterAddsUpToTenPercent)
{
	EXPECT_EQ(retry_delay_seconds(1, kDay, 0.5), 63);
	EXPECT_EQ(retry_delay_seconds(1, kDay, 0.99), 65);
	EXPECT_EQ(retry_delay_seconds(7, kDay, 0.5), 3780);
	EXPECT_EQ(retry_delay_seconds(7, kDay, 0.999), 3959);
	for (int failures = 1; failures <= 10; ++failures)
		for (double jitter = 0.0; jitter < 1.0; jitter += 0.01) {
			std::int64_t base = retry_delay_seconds(failures, kDay, 0.0);
			std::int64_t delay = retry_delay_seconds(failures, kDay, jitter);
			EXPECT_GE(delay, base);
			EXPECT_LE(delay * 10, base * 11) << failures << " " << jitter;
		}
}

TEST(RetryDelay, JitterOutsideTheUnitRangeIsClamped)
{
	EXPECT_EQ(retry_delay_seconds(1, kDay, -3.0), 60);
	EXPECT_EQ(retry_delay_seconds(1, kDay, 1.0), 66);
	EXPECT_EQ(retry_delay_seconds(1, kDay, 1e300), 66);
	EXPECT_EQ(retry_delay_seconds(1, kDay, std::numeric_limits<double>::infinity()), 66);
	EXPECT_EQ(retry_delay_seconds(1, kDay, -std::numeric_limits<double>::infinity()), 60);
	EXPECT_EQ(retry_delay_seconds(1, kDay, std::nan("")), 60);
}

TEST(RetryDelay, StaysBelowHalfTheSchedulePeriod)
{
	// A 5-minute schedule never waits more than 150 s, jitter included.
	EXPECT_EQ(retry_delay_seconds(1, 300, 0.0), 60);
	EXPECT_EQ(retry_delay_seconds(2, 300, 0.0), 120);
	EXPECT_EQ(retry_delay_seconds(2, 300, 0.99), 131);
	EXPECT_EQ(retry_delay_seconds(3, 300, 0.0), 150);
	EXPECT_EQ(retry_delay_seconds(30, 300, 0.99), 150);
	// An hourly schedule: at most 30 minutes.
	EXPECT_EQ(retry_delay_seconds(10, 3600, 0.5), 1800);
	// Odd periods round down.
	EXPECT_EQ(retry_delay_seconds(5, 301, 0.0), 150);
	for (std::int64_t period = 1; period <= 10000; period += 7)
		for (int failures : {1, 2, 5, 50})
			EXPECT_LT(retry_delay_seconds(failures, period, 0.99), std::max<std::int64_t>(period, 2));
}

TEST(RetryDelay, TinyPeriodsStillWaitOneSecond)
{
	EXPECT_EQ(retry_delay_seconds(1, 1, 0.0), 1);
	EXPECT_EQ(retry_delay_seconds(1, 2, 0.0), 1);
	EXPECT_EQ(retry_delay_seconds(1, 3, 0.9), 1);
	EXPECT_EQ(retry_delay_seconds(1, 4, 0.0), 2);
	EXPECT_EQ(retry_delay_seconds(1, 60, 0.0), 30);
}

TEST(RetryDelay, NoPeriodMeansOnlyTheHourCap)
{
	EXPECT_EQ(retry_delay_seconds(1, kNoPeriod, 0.0), 60);
	EXPECT_EQ(retry_delay_seconds(50, kNoPeriod, 0.0), 3600);
	EXPECT_EQ(retry_delay_seconds(50, -1, 0.5), 3780);
}

TEST(RetryDelay, LongPeriodsDoNotOverflow)
{
	EXPECT_EQ(retry_delay_seconds(50, std::numeric_limits<std::int64_t>::max(), 0.0), 3600);
	EXPECT_EQ(retry_delay_seconds(1, std::numeric_limits<std::int64_t>::min(), 0.0), 60);
}

} // namespace
} // namespace retention::schedule
