// Cron text: parse_cron never crashes; whatever it accepts, format_cron
// prints as text that parses back to the same spec (and prints the same
// again); looks_like_cron agrees on what starts with '@'; and the next run
// of an accepted spec, from any instant in any fixed zone, is later than
// that instant, at second 0 of a local minute the spec matches.
#include "schedule/cron.hpp"
#include "schedule/next_run.hpp"

#include "fuzz_check.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

using namespace retention::schedule;

namespace {

struct Civil {
	std::int64_t year;
	int month, day, hour, minute, second, weekday; // weekday: Sunday = 0
};

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
// civil_from_days).
Civil civil_from_seconds(std::int64_t seconds)
{
	std::int64_t days = seconds / 86400, rest = seconds % 86400;
	if (rest < 0) {
		rest += 86400;
		--days;
	}
	Civil civil{};
	civil.hour = int(rest / 3600);
	civil.minute = int(rest % 3600 / 60);
	civil.second = int(rest % 60);
	civil.weekday = int(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday
	std::int64_t z = days + 719468;
	std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	std::int64_t doe = z - era * 146097;
	std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	std::int64_t mp = (5 * doy + 2) / 153;
	civil.day = int(doy - (153 * mp + 2) / 5 + 1);
	civil.month = int(mp < 10 ? mp + 3 : mp - 9);
	civil.year = yoe + era * 400 + (civil.month <= 2 ? 1 : 0);
	return civil;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	const bool cron_like = looks_like_cron(text);
	CronParseResult parsed = parse_cron(text);
	if (!parsed.spec) {
		FUZZ_CHECK(!parsed.error.empty(), "a refusal without a message");
		return 0;
	}
	FUZZ_CHECK(cron_like, "parse_cron accepted text that looks_like_cron says is no cron text");

	const std::string formatted = format_cron(*parsed.spec);
	CronParseResult again = parse_cron(formatted);
	FUZZ_CHECK(again.spec.has_value(), "\"" + formatted + "\" does not parse: " + again.error);
	FUZZ_CHECK(*again.spec == *parsed.spec, "\"" + std::string(text) + "\" -> \"" + formatted + "\" is another spec");
	FUZZ_CHECK(format_cron(*again.spec) == formatted, "printing is not stable for \"" + formatted + "\"");

	// An instant (years 1900..2300) and a zone offset (within 14 hours) from the input's bytes.
	std::uint64_t hash = 1469598103934665603ull;
	for (std::size_t i = 0; i < size; ++i)
		hash = (hash ^ data[i]) * 1099511628211ull;
	const std::int64_t after = -2208988800LL + std::int64_t(hash % 12623040000ull);
	const int offset = int((hash >> 40) % (2 * 14 * 3600 + 1)) - 14 * 3600;
	FixedZone zone(offset);
	std::optional<std::int64_t> next = next_cron_run(*parsed.spec, zone, after);
	if (!next)
		return 0; // no firing within the 400-year search
	FUZZ_CHECK(*next > after, "the next run is not after the instant");
	Civil local = civil_from_seconds(*next + offset);
	FUZZ_CHECK(local.second == 0, "the next run is not at second 0 of a minute");
	FUZZ_CHECK(parsed.spec->minutes[std::size_t(local.minute)] && parsed.spec->hours[std::size_t(local.hour)] &&
	               parsed.spec->matches(local.month, local.day, local.weekday),
	           "the next run of \"" + formatted + "\" is at a minute the spec does not match");
	return 0;
}
