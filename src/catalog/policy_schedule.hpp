// Reading a policy's `schedule` text: a cron expression or macro (parsed by
// the pure parser in src/schedule/) or an interval (parsed by PostgreSQL).
#pragma once

#include <cstdint>

#include "schedule/cron.hpp"

namespace retention::catalog {

struct PolicySchedule {
	bool is_cron = false;
	schedule::CronSpec cron{};        // when is_cron
	std::int64_t interval_usecs = 0;  // otherwise: run every this long
};

// Fills *out and returns nullptr, or returns a palloc'd message saying what
// is wrong with the text. Never raises a PostgreSQL error for bad input.
const char *read_schedule(const char *text, PolicySchedule *out);

} // namespace retention::catalog
