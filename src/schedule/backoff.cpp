#include "schedule/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace retention::schedule {

namespace {

constexpr std::int64_t kFirstDelay = 60;
constexpr std::int64_t kLongestBaseDelay = 3600;
constexpr double kMaxJitterFraction = 0.1;

std::int64_t base_delay(int consecutive_failures)
{
	// Doubling stops at the cap, so huge failure counts cannot overflow.
	std::int64_t delay = kFirstDelay;
	for (int failure = 1; failure < consecutive_failures && delay < kLongestBaseDelay; ++failure)
		delay *= 2;
	return std::min(delay, kLongestBaseDelay);
}

} // namespace

std::int64_t retry_delay_seconds(int consecutive_failures, std::int64_t schedule_period_seconds, double jitter_unit)
{
	const double jitter = std::isnan(jitter_unit) ? 0.0 : std::clamp(jitter_unit, 0.0, 1.0);
	const std::int64_t base = base_delay(consecutive_failures);
	// Whole seconds, rounded down, so the jitter never exceeds 10%.
	const std::int64_t delay = base + static_cast<std::int64_t>(static_cast<double>(base) * kMaxJitterFraction * jitter);
	if (schedule_period_seconds <= 0)
		return delay;
	return std::min(delay, std::max<std::int64_t>(1, schedule_period_seconds / 2));
}

} // namespace retention::schedule
