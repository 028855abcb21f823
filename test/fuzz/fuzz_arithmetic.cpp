// The arithmetic runs rely on, over any inputs: an epoch column's integer
// cutoff C is exact (X * unit < cutoff exactly when X < C); a block range
// stays within its bounds; a retry's back-off stays within its caps.
#include "prune/plan/cutoff.hpp"
#include "schedule/backoff.hpp"

#include "fuzz_check.hpp"

#include <cstdint>
#include <cstring>

using namespace retention;

namespace {

template <typename T> T take(const std::uint8_t *&data, std::size_t &size)
{
	T value{};
	std::size_t n = size < sizeof(T) ? size : sizeof(T);
	std::memcpy(&value, data, n);
	data += n;
	size -= n;
	return value;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	const std::int64_t cutoff = take<std::int64_t>(data, size);
	const auto unit = static_cast<prune::plan::EpochUnit>(take<std::uint8_t>(data, size) % 3);
	const std::int64_t per_unit = unit == prune::plan::EpochUnit::Seconds        ? 1000000
	                              : unit == prune::plan::EpochUnit::Milliseconds ? 1000
	                                                                             : 1;
	const std::int64_t c = prune::plan::epoch_cutoff(cutoff, unit);
	using Wide = __int128;
	for (Wide x : {Wide(c) - 1, Wide(c)})
		FUZZ_CHECK((x * per_unit < cutoff) == (x < c), "epoch cutoff " + std::to_string(c) + " for " +
		                                                   std::to_string(cutoff) + " is not exact");

	const auto last = take<std::uint32_t>(data, size);
	const auto found = take<std::int64_t>(data, size);
	const auto batch = take<std::int64_t>(data, size);
	const auto low = take<std::uint32_t>(data, size);
	const auto high = take<std::uint32_t>(data, size);
	const std::uint32_t range = prune::plan::next_block_range(last, found, batch, low, high);
	const std::uint32_t hi = high == 0 ? 1 : high;
	const std::uint32_t lo = low < 1 ? 1 : (low > hi ? hi : low);
	FUZZ_CHECK(range >= lo && range <= hi, "block range " + std::to_string(range) + " outside its bounds");

	const int failures = take<int>(data, size);
	const std::int64_t period = take<std::int64_t>(data, size);
	const double jitter = take<double>(data, size);
	const std::int64_t delay = schedule::retry_delay_seconds(failures, period, jitter);
	FUZZ_CHECK(delay >= 1 && delay <= 3600 + 360, "retry delay " + std::to_string(delay) + " s outside its caps");
	if (period > 1)
		FUZZ_CHECK(delay <= period / 2 || delay == 1, "retry delay beyond half the period");
	return 0;
}
