#include "schedule/interval.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <limits>

namespace retention::schedule {

namespace {

constexpr std::int64_t usecs_per_second = 1000000;

struct Unit {
	std::string_view name;
	std::int64_t usecs;  // 0: months or longer, refused
	int field;           // the field the unit sets: each once
};

// PostgreSQL's spellings of the units (its deltatktbl).
constexpr std::array<Unit, 43> units = {{
    {"microsecond", 1, 0},     {"microseconds", 1, 0},      {"microsecon", 1, 0},     {"us", 1, 0},
    {"usec", 1, 0},            {"usecs", 1, 0},             {"useconds", 1, 0},       {"millisecond", 1000, 1},
    {"milliseconds", 1000, 1}, {"millisecon", 1000, 1},     {"ms", 1000, 1},          {"msec", 1000, 1},
    {"msecs", 1000, 1},        {"mseconds", 1000, 1},       {"msecond", 1000, 1},     {"usecond", 1, 0},
    {"second", usecs_per_second, 2},
    {"seconds", usecs_per_second, 2},                       {"sec", usecs_per_second, 2},
    {"secs", usecs_per_second, 2},                          {"s", usecs_per_second, 2},
    {"minute", 60 * usecs_per_second, 3},                   {"minutes", 60 * usecs_per_second, 3},
    {"min", 60 * usecs_per_second, 3},                      {"mins", 60 * usecs_per_second, 3},
    {"m", 60 * usecs_per_second, 3},                        {"hour", 3600 * usecs_per_second, 4},
    {"hours", 3600 * usecs_per_second, 4},                  {"hr", 3600 * usecs_per_second, 4},
    {"hrs", 3600 * usecs_per_second, 4},                    {"h", 3600 * usecs_per_second, 4},
    {"day", 86400 * usecs_per_second, 5},                   {"days", 86400 * usecs_per_second, 5},
    {"d", 86400 * usecs_per_second, 5},                     {"week", 7 * 86400 * usecs_per_second, 6},
    {"weeks", 7 * 86400 * usecs_per_second, 6},             {"w", 7 * 86400 * usecs_per_second, 6},
    {"month", 0, 7},           {"months", 0, 7},            {"mon", 0, 7},            {"mons", 0, 7},
    {"year", 0, 8},            {"years", 0, 8},
}};

const Unit *find_unit(std::string_view word)
{
	std::string lower(word);
	for (char &c : lower)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	for (const Unit &unit : units)
		if (unit.name == lower)
			return &unit;
	return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

IntervalScheduleParse not_recognized() { return {}; }

IntervalScheduleParse invalid(std::string why)
{
	IntervalScheduleParse result;
	result.outcome = IntervalScheduleParse::Outcome::invalid;
	result.error = std::move(why);
	return result;
}

// A fraction of a unit in microseconds, rounded as PostgreSQL's interval
// input rounds it (in doubles, a half rounds towards zero): the same text
// gives the same period whoever reads it.
std::int64_t fraction_usecs(double fraction, std::int64_t unit_usecs)
{
	if (fraction == 0)
		return 0;
	fraction *= static_cast<double>(unit_usecs);
	std::int64_t usecs = static_cast<std::int64_t>(fraction);
	fraction -= static_cast<double>(usecs);
	return fraction > 0.5 ? usecs + 1 : usecs;
}

// whole and fraction units of unit, in microseconds; false on overflow.
// Weeks take their fraction in whole days first, as PostgreSQL does.
bool amount_usecs(std::uint64_t whole, std::string_view fraction_text, const Unit &unit, std::int64_t &out)
{
	using Wide = __int128;
	double fraction = fraction_text.empty() ? 0.0 : std::strtod(std::string(fraction_text).c_str(), nullptr);
	Wide total = Wide(whole) * unit.usecs;
	constexpr std::int64_t day = 86400 * usecs_per_second;
	if (unit.usecs == 7 * day) {
		fraction *= 7;
		int extra_days = static_cast<int>(fraction);
		total += Wide(extra_days) * day + fraction_usecs(fraction - extra_days, day);
	} else {
		total += fraction_usecs(fraction, unit.usecs);
	}
	if (total > std::numeric_limits<std::int64_t>::max())
		return false;
	out = static_cast<std::int64_t>(total);
	return true;
}

} // namespace

IntervalScheduleParse parse_interval_schedule(std::string_view text)
{
	std::size_t i = 0;
	auto skip_spaces = [&] {
		while (i < text.size() && is_space(text[i]))
			++i;
	};
	skip_spaces();
	std::int64_t total = 0;
	bool months = false, any = false;
	unsigned seen_fields = 0;
	while (i < text.size()) {
		// <number>
		std::uint64_t whole = 0;
		std::size_t digits_start = i;
		bool overflow = false;
		while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
			if (whole > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
				overflow = true;
			else
				whole = whole * 10 + std::uint64_t(text[i] - '0');
			++i;
		}
		std::string_view fraction; // ".digits", as PostgreSQL reads it with strtod
		if (i < text.size() && text[i] == '.') {
			std::size_t fraction_start = i++;
			while (i < text.size() && text[i] >= '0' && text[i] <= '9')
				++i;
			if (i - fraction_start > 1)
				fraction = text.substr(fraction_start, i - fraction_start);
		}
		if (i == digits_start || (i == digits_start + 1 && text[digits_start] == '.'))
			return not_recognized();
		skip_spaces();
		// <unit>
		std::size_t unit_start = i;
		while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
			++i;
		const Unit *unit = find_unit(text.substr(unit_start, i - unit_start));
		// As PostgreSQL: each unit once, and fractional seconds take the
		// milli- and microseconds too.
		unsigned fields = 1u << (unit ? unit->field : 0);
		if (unit && unit->field == 2 && !fraction.empty())
			fields |= 0x7;
		if (!unit || (seen_fields & fields))
			return not_recognized();
		seen_fields |= fields;
		skip_spaces();
		any = true;
		if (unit->usecs == 0) {
			months = true;
			continue;
		}
		std::int64_t amount = 0;
		if (overflow || !amount_usecs(whole, fraction, *unit, amount) ||
		    total > std::numeric_limits<std::int64_t>::max() - amount)
			return invalid("an interval schedule is too long");
		total += amount;
	}
	if (!any)
		return not_recognized();
	if (months)
		return invalid("an interval schedule cannot use months or years; use a cron expression or @monthly/@yearly");
	IntervalScheduleParse result;
	result.outcome = IntervalScheduleParse::Outcome::parsed;
	result.usecs = total;
	return result;
}

std::string format_interval_schedule(std::int64_t usecs)
{
	if (usecs <= 0)
		return "0 seconds";
	struct Part {
		const char *singular;
		const char *plural;
		std::int64_t usecs;
	};
	constexpr std::array<Part, 3> parts = {{{"day", "days", 86400 * usecs_per_second},
	                                        {"hour", "hours", 3600 * usecs_per_second},
	                                        {"minute", "minutes", 60 * usecs_per_second}}};
	std::string text;
	std::int64_t rest = usecs;
	for (const Part &part : parts) {
		std::int64_t count = rest / part.usecs;
		rest %= part.usecs;
		if (count > 0)
			text += (text.empty() ? "" : " ") + std::to_string(count) + " " + (count == 1 ? part.singular : part.plural);
	}
	if (rest > 0) {
		std::string seconds = std::to_string(rest / usecs_per_second);
		if (std::int64_t micro = rest % usecs_per_second; micro > 0) {
			std::string digits = std::to_string(micro);
			digits.insert(0, 6 - digits.size(), '0');
			while (digits.back() == '0')
				digits.pop_back();
			seconds += "." + digits;
		}
		text += (text.empty() ? "" : " ") + seconds + (rest == usecs_per_second ? " second" : " seconds");
	}
	return text;
}

} // namespace retention::schedule
