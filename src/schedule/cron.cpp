#include "schedule/cron.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace retention::schedule {

namespace {

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
	if (a.size() != b.size())
		return false;
	for (std::size_t i = 0; i < a.size(); ++i)
		if (to_lower(a[i]) != to_lower(b[i]))
			return false;
	return true;
}

std::vector<std::string_view> split_on_whitespace(std::string_view text)
{
	std::vector<std::string_view> words;
	std::size_t i = 0;
	while (i < text.size()) {
		while (i < text.size() && is_space(text[i]))
			++i;
		std::size_t start = i;
		while (i < text.size() && !is_space(text[i]))
			++i;
		if (i > start)
			words.push_back(text.substr(start, i - start));
	}
	return words;
}

std::string quoted(std::string_view text)
{
	return "\"" + std::string(text) + "\"";
}

constexpr std::array<std::string_view, 12> kMonthNames = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct FieldRules {
	std::string_view name;
	int min;
	int max;      // largest number accepted (7 for day-of-week)
	int star_max; // largest number '*' and 'a/n' reach (6 for day-of-week)
	const std::string_view *names; // names[i] means names_base + i
	int name_count;
	int names_base;
	std::string_view expected; // for "invalid value" messages
};

constexpr FieldRules kMinuteRules{"minute", 0, 59, 59, nullptr, 0, 0, "0-59"};
constexpr FieldRules kHourRules{"hour", 0, 23, 23, nullptr, 0, 0, "0-23"};
constexpr FieldRules kDomRules{"day-of-month", 1, 31, 31, nullptr, 0, 0, "1-31"};
constexpr FieldRules kMonthRules{"month", 1, 12, 12, kMonthNames.data(), 12, 1, "1-12 or jan-dec"};
constexpr FieldRules kDowRules{"day-of-week", 0, 7, 6, kDayNames.data(), 7, 0, "0-7 or sun-sat"};

// Larger than any field value, small enough that accumulating digits never
// overflows however long the number is.
constexpr int kNumberCeiling = 1000000;

std::optional<int> parse_number(std::string_view text)
{
	if (text.empty())
		return std::nullopt;
	int value = 0;
	for (char c : text) {
		if (c < '0' || c > '9')
			return std::nullopt;
		value = value * 10 + (c - '0');
		if (value > kNumberCeiling)
			value = kNumberCeiling;
	}
	return value;
}

class FieldParser {
public:
	explicit FieldParser(const FieldRules &rules) : rules_(rules) {}

	// Sets bits min..max of the field; returns false with error() filled.
	bool parse(std::string_view text, std::bitset<64> &bits)
	{
		std::size_t start = 0;
		while (true) {
			std::size_t comma = text.find(',', start);
			std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
			if (item.empty())
				return fail("empty list item in " + quoted(text));
			if (!parse_item(item, bits))
				return false;
			if (comma == std::string_view::npos)
				return true;
			start = comma + 1;
		}
	}

	const std::string &error() const { return error_; }

private:
	bool fail(const std::string &message)
	{
		error_ = std::string(rules_.name) + " field: " + message;
		return false;
	}

	bool parse_value(std::string_view text, int &value)
	{
		if (std::optional<int> number = parse_number(text)) {
			if (*number < rules_.min || *number > rules_.max)
				return fail(std::string(text) + " is out of range " + std::to_string(rules_.min) + "-" +
							std::to_string(rules_.max));
			value = *number;
			return true;
		}
		for (int i = 0; i < rules_.name_count; ++i)
			if (equals_ignoring_case(text, rules_.names[i])) {
				value = rules_.names_base + i;
				return true;
			}
		return fail("invalid value " + quoted(text) + " (expected " + std::string(rules_.expected) + ")");
	}

	bool parse_item(std::string_view item, std::bitset<64> &bits)
	{
		std::size_t slash = item.find('/');
		std::string_view base = item.substr(0, slash);
		int step = 1;
		if (slash != std::string_view::npos) {
			std::optional<int> parsed = parse_number(item.substr(slash + 1));
			if (!parsed || *parsed == 0)
				return fail("step must be a positive number");
			// A step beyond the field's span only ever hits the first value,
			// which is almost surely not what the author meant.
			int span = rules_.star_max - rules_.min + 1;
			if (*parsed > span)
				return fail("step " + std::string(item.substr(slash + 1)) + " is out of range 1-" +
							std::to_string(span));
			step = *parsed;
			if (base.empty())
				return fail("missing value before \"/\" in " + quoted(item));
		}

		int low = 0;
		int high = 0;
		if (base == "*") {
			low = rules_.min;
			high = rules_.star_max;
		} else if (std::size_t dash = base.find('-'); dash != std::string_view::npos) {
			std::string_view first = base.substr(0, dash);
			std::string_view last = base.substr(dash + 1);
			if (first.empty() || last.empty())
				return fail("invalid range " + quoted(base));
			if (!parse_value(first, low) || !parse_value(last, high))
				return false;
			if (low > high)
				return fail("range " + std::string(base) + " is reversed");
		} else {
			if (!parse_value(base, low))
				return false;
			// "a/n" runs from a to the end of the field.
			high = slash == std::string_view::npos ? low : std::max(low, rules_.star_max);
		}
		for (int value = low; value <= high; value += step)
			bits.set(static_cast<std::size_t>(value));
		return true;
	}

	const FieldRules &rules_;
	std::string error_;
};

template <std::size_t N>
void copy_bits(const std::bitset<64> &from, std::bitset<N> &to)
{
	for (std::size_t i = 0; i < N; ++i)
		to[i] = from[i];
}

// Longest each month can be, counting February 29.
constexpr std::array<int, 13> kLongestMonthDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// Every (month, day) that exists falls on every weekday somewhere in the
// 400-year Gregorian cycle, so a spec fires iff some chosen day-of-month
// exists in some chosen month, or the day fields are OR-ed (a weekday
// always comes round).
std::optional<std::string> never_fires_error(const CronSpec &spec)
{
	if (!spec.dom_star && !spec.dow_star)
		return std::nullopt;
	int longest = 0;
	for (int month = 1; month <= 12; ++month)
		if (spec.months[static_cast<std::size_t>(month)])
			longest = std::max(longest, kLongestMonthDays[static_cast<std::size_t>(month)]);
	int smallest_day = 1;
	while (smallest_day <= 31 && !spec.days_of_month[static_cast<std::size_t>(smallest_day)])
		++smallest_day;
	if (smallest_day <= longest)
		return std::nullopt;
	return "day-of-month field: day " + std::to_string(smallest_day) +
		   " never occurs in the chosen months (the longest has " + std::to_string(longest) +
		   " days), so the schedule would never fire";
}

struct Macro {
	std::string_view name;
	std::string_view expansion;
};

constexpr std::array<Macro, 7> kMacros = {{
	{"@yearly", "0 0 1 1 *"},
	{"@annually", "0 0 1 1 *"},
	{"@monthly", "0 0 1 * *"},
	{"@weekly", "0 0 * * 0"},
	{"@daily", "0 0 * * *"},
	{"@midnight", "0 0 * * *"},
	{"@hourly", "0 * * * *"},
}};

CronParseResult error_result(std::string message)
{
	return CronParseResult{std::nullopt, std::move(message)};
}

CronParseResult parse_fields(const std::vector<std::string_view> &fields)
{
	if (fields.size() != 5)
		return error_result("expected 5 fields (minute hour day-of-month month day-of-week), got " +
							std::to_string(fields.size()));

	const std::array<const FieldRules *, 5> rules = {&kMinuteRules, &kHourRules, &kDomRules, &kMonthRules,
													 &kDowRules};
	std::array<std::bitset<64>, 5> bits;
	for (std::size_t i = 0; i < 5; ++i) {
		FieldParser parser(*rules[i]);
		if (!parser.parse(fields[i], bits[i]))
			return error_result(parser.error());
	}

	CronSpec spec;
	copy_bits(bits[0], spec.minutes);
	copy_bits(bits[1], spec.hours);
	copy_bits(bits[2], spec.days_of_month);
	copy_bits(bits[3], spec.months);
	copy_bits(bits[4], spec.days_of_week);
	if (bits[4][7])
		spec.days_of_week.set(0);
	spec.dom_star = fields[2].front() == '*';
	spec.dow_star = fields[4].front() == '*';

	if (std::optional<std::string> error = never_fires_error(spec))
		return error_result(std::move(*error));
	return CronParseResult{spec, {}};
}

std::string known_macros()
{
	std::string list;
	for (const Macro &macro : kMacros)
		list += (list.empty() ? "" : ", ") + std::string(macro.name);
	return list;
}

// One field's text: "*" for every value, "*/n" for every n-th from the
// first; otherwise values and ranges ("1,3-5"). A field whose text must
// start with a star (the day fields decide Vixie's either-day rule by it)
// and is no step of the star starts "*/span" (the first value alone) and
// lists the rest.
// tracks_star: a day field, whose star (or its absence) must come back.
std::string format_field(const std::bitset<64> &bits, const FieldRules &rules, bool tracks_star, bool star)
{
	const int min = rules.min, max = rules.star_max, span = max - min + 1;
	// A step of a star: every value (1), or every n-th with at least two
	// values; a day field's star takes any step ("*/31": the 1st alone).
	for (int step = 1; step <= (star ? span : max - min) && (star || !tracks_star); ++step) {
		bool progression = true;
		for (int value = min; value <= max && progression; ++value)
			progression = bits[static_cast<std::size_t>(value)] == ((value - min) % step == 0);
		if (progression)
			return step == 1 ? std::string("*") : "*/" + std::to_string(step);
	}
	std::string text = star ? "*/" + std::to_string(span) : "";
	for (int value = star ? min + 1 : min; value <= max; ++value) {
		if (!bits[static_cast<std::size_t>(value)])
			continue;
		int last = value;
		while (last + 1 <= max && bits[static_cast<std::size_t>(last + 1)])
			++last;
		text += (text.empty() ? "" : ",") + std::to_string(value);
		if (last > value)
			text += "-" + std::to_string(last);
		value = last;
	}
	return text;
}

template <std::size_t N>
std::bitset<64> widened(const std::bitset<N> &bits)
{
	std::bitset<64> wide;
	for (std::size_t i = 0; i < N; ++i)
		wide[i] = bits[i];
	return wide;
}

} // namespace

std::string format_cron(const CronSpec &spec)
{
	return format_field(widened(spec.minutes), kMinuteRules, false, false) + " " +
	       format_field(widened(spec.hours), kHourRules, false, false) + " " +
	       format_field(widened(spec.days_of_month), kDomRules, true, spec.dom_star) + " " +
	       format_field(widened(spec.months), kMonthRules, false, false) + " " +
	       format_field(widened(spec.days_of_week), kDowRules, true, spec.dow_star);
}

bool CronSpec::matches(int month, int dom, int dow) const
{
	if (month < 1 || month > 12 || dom < 1 || dom > 31 || dow < 0 || dow > 6)
		return false;
	if (!months[static_cast<std::size_t>(month)])
		return false;
	bool dom_matches = days_of_month[static_cast<std::size_t>(dom)];
	bool dow_matches = days_of_week[static_cast<std::size_t>(dow)];
	return (dom_star || dow_star) ? (dom_matches && dow_matches) : (dom_matches || dow_matches);
}

bool looks_like_cron(std::string_view text)
{
	std::vector<std::string_view> words = split_on_whitespace(text);
	if (words.empty())
		return false;
	return words.front().front() == '@' || words.size() == 5;
}

CronParseResult parse_cron(std::string_view text)
{
	std::vector<std::string_view> words = split_on_whitespace(text);
	if (!words.empty() && words.front().front() == '@') {
		for (const Macro &macro : kMacros)
			if (equals_ignoring_case(words.front(), macro.name)) {
				if (words.size() > 1)
					return error_result("macro " + quoted(words.front()) + " takes no fields, but got " +
										quoted(words[1]));
				return parse_fields(split_on_whitespace(macro.expansion));
			}
		return error_result("unknown macro " + quoted(words.front()) + " (known: " + known_macros() + ")");
	}
	return parse_fields(words);
}

} // namespace retention::schedule
