#include "schedule/next_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>

namespace retention::schedule {

namespace {

namespace chr = std::chrono;

constexpr std::int64_t kSecondsPerMinute = 60;
constexpr std::int64_t kSecondsPerDay = 86400;

// Years 1 to 9999: keeps all calendar arithmetic far from chrono's limits.
constexpr std::int64_t kEarliestSupported = -62135596800;
constexpr std::int64_t kLatestSupported = 253402300799;

// One Gregorian cycle (146097 days) plus slack for the partial first year.
constexpr std::int64_t kSearchHorizonDays = 146097 + 366;

// Wider than any UTC offset, so the UTC instant of a local time lies inside
// [local - window, local + window].
constexpr std::int64_t kProbeWindow = 36 * 3600;

std::int64_t floor_div(std::int64_t value, std::int64_t divisor)
{
	std::int64_t quotient = value / divisor;
	return (value % divisor < 0) ? quotient - 1 : quotient;
}

// The first UTC instant whose local time is at least local_seconds: the
// local time itself when it exists once, its first occurrence when it
// exists twice, and the end of the gap when it does not exist.
std::int64_t first_instant_reaching(const Zone &zone, std::int64_t local_seconds)
{
	const std::int64_t window_start = local_seconds - kProbeWindow;
	const int offset_before = zone.utc_offset(window_start);
	if (offset_before == zone.utc_offset(local_seconds + kProbeWindow))
		return local_seconds - offset_before;

	// Invariant: offset at low is offset_before, at high it is not.
	std::int64_t low = window_start;
	std::int64_t high = local_seconds + kProbeWindow;
	while (high - low > 1) {
		std::int64_t middle = low + (high - low) / 2;
		if (zone.utc_offset(middle) == offset_before)
			low = middle;
		else
			high = middle;
	}
	const std::int64_t transition = high;
	if (local_seconds - offset_before < transition)
		return local_seconds - offset_before;
	return std::max(transition, local_seconds - zone.utc_offset(transition));
}

bool nothing_can_match(const CronSpec &spec)
{
	return spec.minutes.none() || spec.hours.none() || spec.months.none() || spec.days_of_month.none() ||
		   spec.days_of_week.none();
}

} // namespace

std::optional<std::int64_t> next_cron_run(const CronSpec &spec, const Zone &zone, std::int64_t after_utc_seconds)
{
	if (after_utc_seconds < kEarliestSupported || after_utc_seconds > kLatestSupported || nothing_can_match(spec))
		return std::nullopt;

	// A local minute at or before the local time of `after` has been
	// reached by `after` already, so it cannot fire later.
	const std::int64_t local_after = after_utc_seconds + zone.utc_offset(after_utc_seconds);
	const std::int64_t first_local_minute = (floor_div(local_after, kSecondsPerMinute) + 1) * kSecondsPerMinute;

	std::int64_t day = floor_div(first_local_minute, kSecondsPerDay);
	int first_minute_of_day = static_cast<int>((first_local_minute - day * kSecondsPerDay) / kSecondsPerMinute);
	const std::int64_t last_day = day + kSearchHorizonDays;

	while (day <= last_day) {
		const chr::sys_days date{chr::days{day}};
		const chr::year_month_day ymd{date};
		const int month = static_cast<int>(static_cast<unsigned>(ymd.month()));
		if (!spec.months[static_cast<std::size_t>(month)]) {
			const chr::year_month_day next_month = ymd.year() / ymd.month() / 1 + chr::months{1};
			day = chr::sys_days{next_month}.time_since_epoch().count();
			first_minute_of_day = 0;
			continue;
		}
		const int dom = static_cast<int>(static_cast<unsigned>(ymd.day()));
		const int dow = static_cast<int>(chr::weekday{date}.c_encoding());
		if (spec.matches(month, dom, dow)) {
			for (int hour = first_minute_of_day / 60; hour < 24; ++hour) {
				if (!spec.hours[static_cast<std::size_t>(hour)])
					continue;
				const int first_minute = (hour == first_minute_of_day / 60) ? first_minute_of_day % 60 : 0;
				for (int minute = first_minute; minute < 60; ++minute) {
					if (!spec.minutes[static_cast<std::size_t>(minute)])
						continue;
					const std::int64_t local = day * kSecondsPerDay + (hour * 60 + minute) * kSecondsPerMinute;
					// Only a local time repeated by a fall-back can fire at or before `after`.
					const std::int64_t fires_at = first_instant_reaching(zone, local);
					if (fires_at > after_utc_seconds)
						return fires_at;
				}
			}
		}
		++day;
		first_minute_of_day = 0;
	}
	return std::nullopt;
}

std::int64_t next_interval_run(std::int64_t last_start_utc, std::int64_t interval_seconds, std::int64_t now_utc)
{
	constexpr std::int64_t kLatest = std::numeric_limits<std::int64_t>::max();
	if (interval_seconds <= 0)
		return now_utc;
	if (last_start_utc > now_utc)
		return last_start_utc > kLatest - interval_seconds ? kLatest : last_start_utc + interval_seconds;

	// Unsigned, because now - last_start may exceed the int64 range.
	const std::uint64_t elapsed = static_cast<std::uint64_t>(now_utc) - static_cast<std::uint64_t>(last_start_utc);
	const std::uint64_t interval = static_cast<std::uint64_t>(interval_seconds);
	const std::uint64_t wait = elapsed <= interval ? interval - elapsed : (interval - elapsed % interval) % interval;
	const std::uint64_t headroom = static_cast<std::uint64_t>(kLatest) - static_cast<std::uint64_t>(now_utc);
	return wait > headroom ? kLatest : now_utc + static_cast<std::int64_t>(wait);
}

} // namespace retention::schedule
