#include "prune/plan/cutoff.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace retention::prune::plan {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::uint32_t kMaxBlocks32 = std::numeric_limits<std::uint32_t>::max();

__extension__ using Wide = __int128;

std::int64_t divisor_of(EpochUnit unit)
{
	switch (unit) {
	case EpochUnit::Seconds:
		return 1000000;
	case EpochUnit::Milliseconds:
		return 1000;
	case EpochUnit::Microseconds:
		return 1;
	}
	return 0;
}

// parse_epoch_unit ----------------------------------------------------------------

TEST(ParseEpochUnit, KnownUnits)
{
	EXPECT_EQ(parse_epoch_unit("s"), EpochUnit::Seconds);
	EXPECT_EQ(parse_epoch_unit("ms"), EpochUnit::Milliseconds);
	EXPECT_EQ(parse_epoch_unit("us"), EpochUnit::Microseconds);
}

TEST(ParseEpochUnit, AnythingElseRefused)
{
	for (const char *text : {"", "S", "MS", "Us", "sec", "seconds", "ns", "m", " s", "s ", "ms\n", "µs", "u"})
		EXPECT_EQ(parse_epoch_unit(text), std::nullopt) << '"' << text << '"';
	EXPECT_EQ(parse_epoch_unit(std::string_view("s\0", 2)), std::nullopt);
}

// epoch_cutoff --------------------------------------------------------------------

TEST(EpochCutoff, ExactMultiples)
{
	EXPECT_EQ(epoch_cutoff(1'700'000'000'000'000, EpochUnit::Seconds), 1'700'000'000);
	EXPECT_EQ(epoch_cutoff(1'700'000'000'000'000, EpochUnit::Milliseconds), 1'700'000'000'000);
	EXPECT_EQ(epoch_cutoff(1'700'000'000'000'000, EpochUnit::Microseconds), 1'700'000'000'000'000);
	EXPECT_EQ(epoch_cutoff(0, EpochUnit::Seconds), 0);
	EXPECT_EQ(epoch_cutoff(-3'000'000, EpochUnit::Seconds), -3);
}

TEST(EpochCutoff, RoundsUp)
{
	// 1.5 s: a stored 1 (1.0 s) is older than the cutoff, 2 is not.
	EXPECT_EQ(epoch_cutoff(1'500'000, EpochUnit::Seconds), 2);
	EXPECT_EQ(epoch_cutoff(1, EpochUnit::Seconds), 1);
	EXPECT_EQ(epoch_cutoff(1'001, EpochUnit::Milliseconds), 2);
}

TEST(EpochCutoff, NegativeRoundsTowardPositive)
{
	// -1.5 s: -2 (-2.0 s) is older, -1 (-1.0 s) is not: the cutoff is -1.
	EXPECT_EQ(epoch_cutoff(-1'500'000, EpochUnit::Seconds), -1);
	EXPECT_EQ(epoch_cutoff(-1, EpochUnit::Seconds), 0);
	EXPECT_EQ(epoch_cutoff(-999'999, EpochUnit::Seconds), 0);
	EXPECT_EQ(epoch_cutoff(-1'000'001, EpochUnit::Seconds), -1);
	EXPECT_EQ(epoch_cutoff(-1'999, EpochUnit::Milliseconds), -1);
}

TEST(EpochCutoff, ExtremeInputs)
{
	EXPECT_EQ(epoch_cutoff(kMax, EpochUnit::Microseconds), kMax);
	EXPECT_EQ(epoch_cutoff(kMin, EpochUnit::Microseconds), kMin);
	EXPECT_EQ(epoch_cutoff(kMax, EpochUnit::Seconds), kMax / 1'000'000 + 1);
	EXPECT_EQ(epoch_cutoff(kMin, EpochUnit::Seconds), kMin / 1'000'000);
	EXPECT_EQ(epoch_cutoff(kMax, EpochUnit::Milliseconds), kMax / 1'000 + 1);
	EXPECT_EQ(epoch_cutoff(kMin, EpochUnit::Milliseconds), kMin / 1'000);
}

TEST(EpochCutoff, SplitsStoredValuesExactly)
{
	// For every stored X near the cutoff: X < cutoff exactly when X * unit < c.
	std::vector<std::int64_t> cutoffs{kMin, kMin + 1, kMax, kMax - 1, 0, 1, -1};
	for (std::int64_t base : {std::int64_t{0}, std::int64_t{1'700'000'000'000'000}, std::int64_t{-86'400'000'000},
	                          std::int64_t{5'000'000}, std::int64_t{-5'000'000}})
		for (std::int64_t delta = -2'001; delta <= 2'001; delta += 3)
			cutoffs.push_back(base + delta);
	for (std::int64_t multiple = -5; multiple <= 5; ++multiple) {
		cutoffs.push_back(multiple * 1'000'000);
		cutoffs.push_back(multiple * 1'000);
	}

	for (EpochUnit unit : {EpochUnit::Seconds, EpochUnit::Milliseconds, EpochUnit::Microseconds}) {
		const Wide divisor = divisor_of(unit);
		for (std::int64_t c : cutoffs) {
			const std::int64_t result = epoch_cutoff(c, unit);
			for (Wide x = static_cast<Wide>(result) - 3; x <= static_cast<Wide>(result) + 3; ++x)
				EXPECT_EQ(x < result, x * divisor < c)
				    << "cutoff " << c << " unit " << static_cast<int>(unit) << " x " << static_cast<long long>(x);
		}
	}
}

// next_block_range ----------------------------------------------------------------

TEST(NextBlockRange, EmptyRangeGrowsFourfold)
{
	EXPECT_EQ(next_block_range(100, 0, 1000, 1, 1'000'000), 400u);
	EXPECT_EQ(next_block_range(100, -5, 1000, 1, 1'000'000), 400u);
}

TEST(NextBlockRange, EmptyRangeGrowthCappedAtMax)
{
	EXPECT_EQ(next_block_range(100, 0, 1000, 1, 300), 300u);
	EXPECT_EQ(next_block_range(kMaxBlocks32, 0, 1000, 1, kMaxBlocks32), kMaxBlocks32);
	EXPECT_EQ(next_block_range(kMaxBlocks32 / 2, 0, 1000, 1, kMaxBlocks32), kMaxBlocks32);
}

TEST(NextBlockRange, ScalesToTheBatchSize)
{
	// 1000 rows wanted, 500 found in 100 blocks: 200 blocks.
	EXPECT_EQ(next_block_range(100, 500, 1000, 1, 1'000'000), 200u);
	// 2000 found in 100 blocks: 50 blocks.
	EXPECT_EQ(next_block_range(100, 2000, 1000, 1, 1'000'000), 50u);
	// Exactly on target: unchanged.
	EXPECT_EQ(next_block_range(100, 1000, 1000, 1, 1'000'000), 100u);
}

TEST(NextBlockRange, GrowthAtMostFourfold)
{
	EXPECT_EQ(next_block_range(100, 1, 1000, 1, 1'000'000), 400u);
	EXPECT_EQ(next_block_range(100, 249, 1000, 1, 1'000'000), 400u);
	EXPECT_EQ(next_block_range(100, 250, 1000, 1, 1'000'000), 400u);
	EXPECT_EQ(next_block_range(100, 300, 1000, 1, 1'000'000), 333u);
}

TEST(NextBlockRange, ShrinkAtMostFourfold)
{
	EXPECT_EQ(next_block_range(100, 100'000, 1000, 1, 1'000'000), 25u);
	EXPECT_EQ(next_block_range(100, 4000, 1000, 1, 1'000'000), 25u);
	EXPECT_EQ(next_block_range(3, 100'000, 1000, 1, 1'000'000), 1u);
	EXPECT_EQ(next_block_range(1, 100'000, 1000, 1, 1'000'000), 1u);
}

TEST(NextBlockRange, StaysWithinMinAndMax)
{
	EXPECT_EQ(next_block_range(100, 100'000, 1000, 64, 1'000'000), 64u);
	EXPECT_EQ(next_block_range(100, 1, 1000, 1, 150), 150u);
	EXPECT_EQ(next_block_range(10, 1000, 1000, 32, 1024), 32u);
	EXPECT_EQ(next_block_range(5000, 1000, 1000, 32, 1024), 1024u);
}

TEST(NextBlockRange, ZeroLastRangeStartsAtMin)
{
	EXPECT_EQ(next_block_range(0, 0, 1000, 16, 1'000'000), 64u);
	EXPECT_EQ(next_block_range(0, 16, 16, 16, 1'000'000), 16u);
	EXPECT_EQ(next_block_range(0, 0, 1000, 0, 1'000'000), 4u);
}

TEST(NextBlockRange, NeverZeroBlocks)
{
	EXPECT_EQ(next_block_range(1, 1'000'000, 1, 0, 0), 1u);
	EXPECT_EQ(next_block_range(0, 0, 0, 0, 0), 1u);
	EXPECT_GE(next_block_range(8, 5, 0, 0, 100), 1u);
}

TEST(NextBlockRange, MinAboveMaxYieldsToMax)
{
	EXPECT_EQ(next_block_range(100, 100, 100, 500, 200), 200u);
}

TEST(NextBlockRange, NonPositiveBatchSizeShrinks)
{
	EXPECT_EQ(next_block_range(100, 10, 0, 1, 1'000'000), 25u);
	EXPECT_EQ(next_block_range(100, 10, -1000, 1, 1'000'000), 25u);
}

TEST(NextBlockRange, HugeValuesDoNotOverflow)
{
	EXPECT_EQ(next_block_range(kMaxBlocks32, 1, kMax, 1, kMaxBlocks32), kMaxBlocks32);
	EXPECT_EQ(next_block_range(kMaxBlocks32, kMax, kMax, 1, kMaxBlocks32), kMaxBlocks32);
	EXPECT_EQ(next_block_range(kMaxBlocks32, kMax, 1, 1, kMaxBlocks32), kMaxBlocks32 / 4);
	EXPECT_EQ(next_block_range(1'000'000, kMax / 2, kMax, 1, kMaxBlocks32), 2'000'000u);
}

TEST(NextBlockRange, ConvergesOnUniformDensity)
{
	// 10 expired rows per block, batches of 5000: 500 blocks.
	std::uint32_t blocks = 8;
	for (int step = 0; step < 20; ++step)
		blocks = next_block_range(blocks, static_cast<std::int64_t>(blocks) * 10, 5000, 1, 1'000'000);
	EXPECT_EQ(blocks, 500u);
}

} // namespace
} // namespace retention::prune::plan
