// How a batch deletes, and what a run tries next when a batch fails. Pure
// C++: the engine (src/prune/engine.cpp) maps PostgreSQL's errors to a
// BatchFailure and asks form_after().
#pragma once

#include <optional>

namespace retention::prune::plan {

enum class BatchForm {
	// Through an index on the time column, from the key cursor:
	KeySlice,             // the expired rows of a slice of keys (row_limit index entries), a plain DELETE
	                      // that waits briefly for a locked row (a slice of one key value: row_limit rows by ctid)
	KeyRowsSkipLocked,    // at most row_limit expired rows by ctid, skipping locked rows
	// Through a range of heap blocks, from the block cursor:
	RangeWhole,           // every expired row of the range in one pass (no row limit), waiting briefly for a locked row
	RangeRows,            // at most row_limit expired rows of the range, waiting briefly for a locked row
	RangeRowsSkipLocked,  // at most row_limit expired rows of the range, skipping locked rows
};

enum class BatchFailure {
	LockTimeout,     // a row (or the table) was locked longer than the batch waits
	MoreThanABatch,  // a RangeWhole pass found more than row_limit expired rows (rolled back)
	Other,           // anything else: retried with a pause when it is about timing, else the run fails
};

// The first form of a batch: through the index, a key slice; through blocks,
// the whole range, unless a row of the range was found locked earlier
// (contended), then skipping locked rows until the range is done.
BatchForm first_form(bool by_key, bool contended);

// The form to redo a failed batch with at once (the failure does not count
// as an attempt), or nullopt: retry the same form after a pause if the
// error is about timing, or fail the run.
std::optional<BatchForm> form_after(BatchForm form, BatchFailure failure);

// Whether the form skips locked rows (its batches wait for no row lock).
bool skips_locked(BatchForm form);

// Whether a batch of this form that deleted `rows` finished its block range:
// a whole-range pass always does; a limited one when it found fewer than its
// limit.
bool range_done(BatchForm form, long long rows, long long row_limit);

} // namespace retention::prune::plan
