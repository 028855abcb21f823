// How long to wait before retrying a scheduled run that failed.
#pragma once

#include <cstdint>

namespace retention::schedule {

// Delay before the next retry after consecutive_failures failed runs in a
// row (values below 1 count as 1).
//  - Base delay: 60 s, doubling per failure (60, 120, 240, ...), at most
//    1 hour.
//  - Jitter: jitter_unit in [0, 1), from the caller, adds up to 10% on top so
//    that many failing policies do not retry in lockstep. Values outside the
//    range (or NaN) are clamped.
//  - Finally capped at half of schedule_period_seconds, but at least 1 s, so
//    a retry never runs into the next regular run. A period <= 0 means the
//    caller has none, and only the 1-hour cap applies.
std::int64_t retry_delay_seconds(int consecutive_failures, std::int64_t schedule_period_seconds, double jitter_unit);

} // namespace retention::schedule
