// Cutoff arithmetic that needs no server.
#pragma once

#include <cstdint>
#include <string_view>
#include <optional>

namespace retention::prune::plan {

// Units of integer epoch time columns, as policies spell them: "s", "ms", "us".
enum class EpochUnit { Seconds, Milliseconds, Microseconds };
std::optional<EpochUnit> parse_epoch_unit(std::string_view text);

// The integer cutoff for an epoch column: the smallest value C such that a
// stored value X is expired (X * unit < cutoff) exactly when X < C.
// cutoff_unix_usecs is the cutoff instant in microseconds since 1970-01-01 UTC.
std::int64_t epoch_cutoff(std::int64_t cutoff_unix_usecs, EpochUnit unit);

// Block-range walk: the number of heap blocks the next range should cover so
// that it holds about batch_size expired rows, given that the last range of
// last_range_blocks blocks held rows_found of them. Grows at most 4x and
// shrinks at most 4x per step, stays within [min_blocks, max_blocks].
std::uint32_t next_block_range(std::uint32_t last_range_blocks, std::int64_t rows_found, std::int64_t batch_size,
                               std::uint32_t min_blocks, std::uint32_t max_blocks);

} // namespace retention::prune::plan
