// Interval schedule text: parse_interval_schedule never crashes; what it
// accepts is a period that format_interval_schedule prints as text that
// parses back to the same period (and prints the same again); a refusal
// says why.
#include "schedule/interval.hpp"

#include "fuzz_check.hpp"

#include <cstdint>
#include <string_view>

using namespace retention::schedule;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	IntervalScheduleParse parsed = parse_interval_schedule(text);
	switch (parsed.outcome) {
	case IntervalScheduleParse::Outcome::not_recognized:
		return 0;
	case IntervalScheduleParse::Outcome::invalid:
		FUZZ_CHECK(!parsed.error.empty(), "a refusal without a message");
		return 0;
	case IntervalScheduleParse::Outcome::parsed:
		break;
	}
	FUZZ_CHECK(parsed.usecs >= 0, "a negative period from unsigned text");
	const std::string formatted = format_interval_schedule(parsed.usecs);
	IntervalScheduleParse again = parse_interval_schedule(formatted);
	FUZZ_CHECK(again.outcome == IntervalScheduleParse::Outcome::parsed, "\"" + formatted + "\" does not parse");
	FUZZ_CHECK(again.usecs == parsed.usecs, "\"" + std::string(text) + "\" -> \"" + formatted + "\" is another period");
	FUZZ_CHECK(format_interval_schedule(again.usecs) == formatted, "printing is not stable for \"" + formatted + "\"");
	return 0;
}
