#include "prune/plan/cutoff.hpp"

#include <algorithm>

namespace retention::prune::plan {

namespace {

constexpr std::int64_t usecs_per_unit(EpochUnit unit)
{
	switch (unit) {
	case EpochUnit::Seconds:
		return 1000000;
	case EpochUnit::Milliseconds:
		return 1000;
	case EpochUnit::Microseconds:
		return 1;
	}
	return 1;
}

} // namespace

std::optional<EpochUnit> parse_epoch_unit(std::string_view text)
{
	if (text == "s")
		return EpochUnit::Seconds;
	if (text == "ms")
		return EpochUnit::Milliseconds;
	if (text == "us")
		return EpochUnit::Microseconds;
	return std::nullopt;
}

std::int64_t epoch_cutoff(std::int64_t cutoff_unix_usecs, EpochUnit unit)
{
	// X * d < c holds for integer X exactly when X < ceil(c / d). Integer
	// division truncates toward zero, which is already the ceiling for
	// negative quotients; only a positive remainder needs rounding up. The
	// quotient's magnitude never exceeds the input's, so nothing overflows.
	const std::int64_t divisor = usecs_per_unit(unit);
	const std::int64_t quotient = cutoff_unix_usecs / divisor;
	return cutoff_unix_usecs % divisor > 0 ? quotient + 1 : quotient;
}

std::uint32_t next_block_range(std::uint32_t last_range_blocks, std::int64_t rows_found, std::int64_t batch_size,
                               std::uint32_t min_blocks, std::uint32_t max_blocks)
{
	// A range of zero blocks would never advance the walk, so the bounds
	// themselves are at least one block, and a minimum above the maximum
	// yields to the maximum.
	const std::uint64_t hi = std::max<std::uint64_t>(max_blocks, 1);
	const std::uint64_t lo = std::clamp<std::uint64_t>(min_blocks, 1, hi);
	const std::uint64_t last = last_range_blocks == 0 ? lo : last_range_blocks;

	// 64-bit: last * 4 does not fit 32 bits for large ranges.
	const std::uint64_t grown = last * 4;
	std::uint64_t proposal;
	if (rows_found <= 0) {
		// Nothing expired there: widen as fast as allowed.
		proposal = grown;
	} else {
		// Scale the range so it holds about batch_size rows, assuming the
		// density of the last range. 128 bits: last * batch_size can exceed 64.
		const std::int64_t wanted = std::max<std::int64_t>(batch_size, 0);
		__extension__ using Wide = unsigned __int128;
		const Wide scaled = static_cast<Wide>(last) * static_cast<Wide>(wanted) / static_cast<Wide>(rows_found);
		const std::uint64_t shrunk = std::max<std::uint64_t>(last / 4, 1);
		proposal = scaled > grown ? grown : std::max<std::uint64_t>(static_cast<std::uint64_t>(scaled), shrunk);
	}
	return static_cast<std::uint32_t>(std::clamp(proposal, lo, hi));
}

} // namespace retention::prune::plan
