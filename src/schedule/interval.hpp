// Interval schedule text ("5 minutes", "30 seconds", "1 hour 30 minutes",
// "1.5 hours", "2d 12h"): a run every that long. Pure C++.
//
// The grammar is a part of what PostgreSQL's interval input accepts: one or
// more "<number> <unit>" (the space optional),
// the number unsigned with an optional fraction, each unit at most once,
// units from microseconds to weeks in PostgreSQL's spellings; months, years
// and longer are recognized, to be refused. Anything else (signs, "ago",
// "01:30:00", ISO 8601) is not_recognized: the caller hands it to
// PostgreSQL's own interval input, so every interval it accepts stays
// accepted. Where both read a text, they read it alike (tested against
// PostgreSQL in the regression suite).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace retention::schedule {

struct IntervalScheduleParse {
	enum class Outcome { parsed, invalid, not_recognized };
	Outcome outcome = Outcome::not_recognized;
	std::int64_t usecs = 0;   // parsed: the period
	std::string error;        // invalid: why
};

IntervalScheduleParse parse_interval_schedule(std::string_view text);

// Canonical text of a period: "1 day 2 hours 30 minutes 1.5 seconds" (the
// units that are not zero; "0 seconds" for 0). Parses back to usecs exactly.
std::string format_interval_schedule(std::int64_t usecs);

} // namespace retention::schedule
