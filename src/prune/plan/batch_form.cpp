// Batch forms and what follows a failure: see batch_form.hpp.
#include "prune/plan/batch_form.hpp"

namespace retention::prune::plan {

BatchForm first_form(bool by_key, bool contended) {
	if (by_key)
		return BatchForm::KeySlice;
	return contended ? BatchForm::RangeRowsSkipLocked : BatchForm::RangeWhole;
}

std::optional<BatchForm> form_after(BatchForm form, BatchFailure failure) {
	switch (failure) {
	case BatchFailure::LockTimeout:
		// Someone holds rows of this batch: skip them instead of waiting.
		if (form == BatchForm::KeySlice)
			return BatchForm::KeyRowsSkipLocked;
		if (form == BatchForm::RangeWhole || form == BatchForm::RangeRows)
			return BatchForm::RangeRowsSkipLocked;
		return std::nullopt;
	case BatchFailure::MoreThanABatch:
		// The range was denser than estimated: the same range with the row limit.
		if (form == BatchForm::RangeWhole)
			return BatchForm::RangeRows;
		return std::nullopt;
	case BatchFailure::Other:
		return std::nullopt;
	}
	return std::nullopt;
}

bool skips_locked(BatchForm form) {
	return form == BatchForm::KeyRowsSkipLocked || form == BatchForm::RangeRowsSkipLocked;
}

bool range_done(BatchForm form, long long rows, long long row_limit) {
	return form == BatchForm::RangeWhole || rows < row_limit;
}

} // namespace retention::prune::plan
