// When a schedule fires next.
//
// Cron specs are read in the local time of a zone. Time zones live in
// PostgreSQL, so the zone is injected through the Zone interface and this
// code stays pure C++.
#pragma once

#include <cstdint>
#include <optional>

#include "schedule/cron.hpp"

namespace retention::schedule {

// Seconds east of UTC in force at the given UTC instant (Unix seconds).
class Zone {
public:
	virtual ~Zone() = default;
	virtual int utc_offset(std::int64_t utc_seconds) const = 0;
};

// A zone whose offset never changes; UTC is FixedZone(0).
class FixedZone : public Zone {
public:
	explicit FixedZone(int seconds_east_of_utc) : offset_(seconds_east_of_utc) {}
	int utc_offset(std::int64_t) const override { return offset_; }

private:
	int offset_;
};

// The earliest UTC instant strictly after after_utc_seconds at which spec
// fires, reading spec in the local time of zone.
//
// Rules:
//  - A job fires at second 0 of each matching local minute.
//  - Spring forward (local times that do not exist): a job whose local time
//    falls in the gap fires once, at the transition instant, the first
//    instant after the gap (03:00 local when clocks jump 02:00 -> 03:00).
//    Several gap minutes (*/15 inside the gap) and a matching minute right
//    after the gap all collapse into that one firing.
//  - Fall back (local times that occur twice): a job fires only at the first
//    occurrence. The second occurrence never fires, even when
//    after_utc_seconds lies between the two.
//  In short, local minute L fires at the first UTC instant whose local time
//  is L or later.
//  - Transitions are found by bisection on Zone::utc_offset, so any offset
//    change works (30 minutes, odd historic offsets). Assumed: offsets stay
//    within +/-36 hours and change at most once within any 72 hours.
//  - The search covers one 400-year Gregorian cycle, in which every spec
//    parse_cron accepts fires (Vixie day rules can make "Feb 29 on a
//    Sunday" fire only every 28+ years). Beyond that, or for instants
//    outside years 1-9999, the result is std::nullopt.
std::optional<std::int64_t> next_cron_run(const CronSpec &spec, const Zone &zone, std::int64_t after_utc_seconds);

// The next start of an interval schedule: last_start_utc + interval_seconds.
// If that is already before now_utc (runs were missed, e.g. during an
// outage), the next time on the same grid (last_start + k * interval) that
// is not earlier than now_utc instead, so an outage leads to one catch-up
// run rather than a burst. A non-positive interval yields now_utc; results
// saturate at the largest int64 instead of overflowing.
std::int64_t next_interval_run(std::int64_t last_start_utc, std::int64_t interval_seconds, std::int64_t now_utc);

} // namespace retention::schedule
