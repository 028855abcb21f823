// What a run tries after a failed batch, and when a block range is done.
#include "prune/plan/batch_form.hpp"

#include <gtest/gtest.h>

using namespace retention::prune::plan;

TEST(BatchForm, FirstFormFollowsThePathAndContention) {
	EXPECT_EQ(first_form(true, false), BatchForm::KeySlice);
	EXPECT_EQ(first_form(true, true), BatchForm::KeySlice); // the index path starts every batch afresh
	EXPECT_EQ(first_form(false, false), BatchForm::RangeWhole);
	EXPECT_EQ(first_form(false, true), BatchForm::RangeRowsSkipLocked);
}

TEST(BatchForm, ALockedRowTurnsWaitingFormsIntoSkipLocked) {
	EXPECT_EQ(form_after(BatchForm::KeySlice, BatchFailure::LockTimeout), BatchForm::KeyRowsSkipLocked);
	EXPECT_EQ(form_after(BatchForm::RangeWhole, BatchFailure::LockTimeout), BatchForm::RangeRowsSkipLocked);
	EXPECT_EQ(form_after(BatchForm::RangeRows, BatchFailure::LockTimeout), BatchForm::RangeRowsSkipLocked);
	// Already skipping: a lock timeout there is on the table, retried with a pause.
	EXPECT_FALSE(form_after(BatchForm::KeyRowsSkipLocked, BatchFailure::LockTimeout));
	EXPECT_FALSE(form_after(BatchForm::RangeRowsSkipLocked, BatchFailure::LockTimeout));
}

TEST(BatchForm, ADenseRangeIsRedoneWithTheRowLimit) {
	EXPECT_EQ(form_after(BatchForm::RangeWhole, BatchFailure::MoreThanABatch), BatchForm::RangeRows);
	EXPECT_FALSE(form_after(BatchForm::RangeRows, BatchFailure::MoreThanABatch));
	EXPECT_FALSE(form_after(BatchForm::KeySlice, BatchFailure::MoreThanABatch));
}

TEST(BatchForm, OtherFailuresHaveNoOtherForm) {
	for (BatchForm form : {BatchForm::KeySlice, BatchForm::KeyRowsSkipLocked, BatchForm::RangeWhole,
	                       BatchForm::RangeRows, BatchForm::RangeRowsSkipLocked})
		EXPECT_FALSE(form_after(form, BatchFailure::Other));
}

TEST(BatchForm, OnlySkipLockedFormsSkip) {
	EXPECT_TRUE(skips_locked(BatchForm::KeyRowsSkipLocked));
	EXPECT_TRUE(skips_locked(BatchForm::RangeRowsSkipLocked));
	EXPECT_FALSE(skips_locked(BatchForm::KeySlice));
	EXPECT_FALSE(skips_locked(BatchForm::RangeWhole));
	EXPECT_FALSE(skips_locked(BatchForm::RangeRows));
}

TEST(BatchForm, ARangeIsDoneAfterAWholePassOrAShortLimitedOne) {
	EXPECT_TRUE(range_done(BatchForm::RangeWhole, 5000, 1000)); // cannot happen (rolled back), still done
	EXPECT_TRUE(range_done(BatchForm::RangeWhole, 0, 1000));
	EXPECT_TRUE(range_done(BatchForm::RangeRows, 999, 1000));
	EXPECT_FALSE(range_done(BatchForm::RangeRows, 1000, 1000));
	EXPECT_FALSE(range_done(BatchForm::RangeRowsSkipLocked, 1000, 1000));
	EXPECT_TRUE(range_done(BatchForm::RangeRowsSkipLocked, 10, 1000));
}
