// Cron schedule text: the 5-field form and the @-macros.
//
// A policy's schedule is either cron text or an interval such as
// '5 minutes'; looks_like_cron decides which, and intervals are parsed by
// PostgreSQL, not here. Pure C++: no PostgreSQL headers.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace retention::schedule {

// True if the trimmed text starts with '@' or has exactly 5
// whitespace-separated fields. Anything else is an interval to the caller.
bool looks_like_cron(std::string_view text);

// A parsed cron expression. Bits are indexed by the field's own numbers:
// days_of_month 1-31 and months 1-12 leave bit 0 unused; day-of-week 7 is
// stored as 0 (Sunday).
struct CronSpec {
	std::bitset<60> minutes;
	std::bitset<24> hours;
	std::bitset<32> days_of_month;
	std::bitset<13> months;
	std::bitset<7> days_of_week;
	// Whether the field text started with '*' ('*' or '*/n'), as Vixie cron
	// decides it. When both day fields are restricted a day matches if
	// either does; otherwise both must match (so a '*' field adds nothing,
	// but a '*/n' field still narrows the other).
	bool dom_star = true;
	bool dow_star = true;

	// Day test: month 1-12, dom 1-31, dow 0-6 with Sunday = 0.
	bool matches(int month, int dom, int dow) const;

	bool operator==(const CronSpec &) const = default;
};

// Either spec is set, or error says which field is wrong and why.
struct CronParseResult {
	std::optional<CronSpec> spec;
	std::string error;
};

// Parses "minute hour day-of-month month day-of-week" or a macro
// (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly).
// Refuses specs that can never fire, such as "0 0 30 2 *".
CronParseResult parse_cron(std::string_view text);

// The 5-field text of a spec, in a canonical form ("0,30 9-17 * * 1-5",
// "*/15 * * * *"): parse_cron(format_cron(spec)) gives spec back exactly,
// day-field stars included.
std::string format_cron(const CronSpec &spec);

} // namespace retention::schedule
