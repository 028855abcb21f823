// One batch of a run: see batch.hpp.
#include "prune/batch.hpp"
#include "prune/identity.hpp"
#include "border/spi.hpp"
#include "catalog/runs.hpp"

#include "border/pg.hpp"

namespace retention::prune {

using plan::BatchForm;

namespace {

// A batch that waits for locked rows waits at most this long for one; then
// it fails with a lock timeout and is redone skipping locked rows.
constexpr char waiting_lock_timeout[] = "100ms";
// A batch that skips locked rows still waits this long for a lock on the table.
constexpr char skipping_lock_timeout[] = "1s";

// A key of the time column as a parameter: epochs widened to bigint.
Datum key_value(Datum value, Oid type) {
	switch (type) {
	case INT2OID:
		return Int64GetDatum(DatumGetInt16(value));
	case INT4OID:
		return Int64GetDatum(DatumGetInt32(value));
	default: // int8, timestamp, timestamptz, date: passed by value
		return value;
	}
}

// (count, max key) of a batch statement that returns them.
void read_count_and_max(BatchResult *result, bool *has_max, Datum *max) {
	bool isnull;
	result->rows = DatumGetInt64(border::spi_first_value(&isnull));
	Datum max_key = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	*has_max = !isnull;
	if (!isnull)
		*max = key_value(max_key, SPI_gettypeid(SPI_tuptable->tupdesc, 2));
}

// A statement that is a plain DELETE without an archive (rows = SPI_processed)
// or returns (count, max key).
void run_counting(const char *sql, int nargs, Oid *types, Datum *values, BatchResult *result, const char *what) {
	int status = SPI_execute_with_args(sql, nargs, types, values, nullptr, false, 0);
	if (status == SPI_OK_DELETE) {
		result->rows = int64(SPI_processed);
	} else if (status == SPI_OK_SELECT) {
		bool has_max;
		Datum max;
		read_count_and_max(result, &has_max, &max);
	} else {
		elog(ERROR, "retention: SPI returned %s for %s", SPI_result_code_string(status), what);
	}
}

// Through the index. KeySlice: find where a slice of row_limit index
// entries from the cursor ends and delete the slice's expired rows with a
// plain DELETE; when the whole slice is one time value (more than a batch
// of rows share it), take row_limit rows of it by ctid instead.
// KeyRowsSkipLocked: row_limit rows by ctid from the cursor, skipping locked
// rows.
void delete_by_key(const RunPlan &plan, const BatchInput &input, BatchResult *result) {
	const PolicyTarget *target = plan.target;
	const LeafTarget *leaf = input.leaf;
	Oid types[3] = {plan.cutoff_type, target->key_type, INT4OID};
	Datum values[3] = {plan.cutoff_value, input.lower_key, Int32GetDatum(input.row_limit)};
	bool skip_locked = input.form == BatchForm::KeyRowsSkipLocked;
	bool by_ctid = skip_locked;
	Datum slice_end = highest_key(target);
	bool found_end = false;
	if (!skip_locked) {
		border::spi_run(leaf->time_slice_end, 3, types, values, nullptr, SPI_OK_SELECT, true);
		if (SPI_processed > 0) {
			bool isnull;
			Datum end = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			slice_end = key_value(end, SPI_gettypeid(SPI_tuptable->tupdesc, 1));
			found_end = true;
			by_ctid = slice_end == input.lower_key;
		}
	}
	// A Citus table through the coordinator (a reference table): no batch
	// by ctid, which each copy would read as its own rows (the engine never
	// asks it to skip locked rows). A slice of one time value goes whole.
	if (by_ctid && !skip_locked && target->citus_kind != citus::TableKind::Plain) {
		by_ctid = false;
		slice_end = key_after(target, input.lower_key);
	}
	if (by_ctid) {
		border::spi_run(skip_locked ? leaf->delete_by_key : leaf->delete_by_key_directly, 3, types, values, nullptr,
		                SPI_OK_SELECT);
		bool has_max;
		Datum max = input.lower_key;
		read_count_and_max(result, &has_max, &max);
		result->reached_cutoff = result->rows < input.row_limit || !has_max;
		result->next_key = has_max ? max : input.lower_key;
		return;
	}
	Oid slice_types[3] = {plan.cutoff_type, target->key_type, target->key_type};
	Datum slice_values[3] = {plan.cutoff_value, input.lower_key, slice_end};
	run_counting(leaf->delete_time_slice, 3, slice_types, slice_values, result, "a time slice");
	result->reached_cutoff = !found_end;
	result->next_key = slice_end;
}

// Through a block range: the whole range in one pass, or at most row_limit
// rows of it (waiting briefly for locked rows, or skipping them).
void delete_by_blocks(const RunPlan &plan, const BatchInput &input, BatchResult *result) {
	const LeafTarget *leaf = input.leaf;
	ItemPointerData first, end;
	ItemPointerSet(&first, input.range_start, 0);
	ItemPointerSet(&end, input.range_end, 0);
	Oid types[4] = {plan.cutoff_type, TIDOID, TIDOID, INT4OID};
	Datum values[4] = {plan.cutoff_value, PointerGetDatum(&first), PointerGetDatum(&end),
	                   Int32GetDatum(input.row_limit)};
	if (input.form == BatchForm::RangeWhole) {
		run_counting(leaf->delete_block_range, 3, types, values, result, "a block range");
		if (result->rows > input.row_limit)
			ereport(ERROR, (errcode(ERRCODE_CARDINALITY_VIOLATION),
			                errmsg("retention: block range held %lld expired rows, more than a batch",
			                       (long long)result->rows)));
		return;
	}
	border::spi_run(input.form == BatchForm::RangeRows ? leaf->delete_by_blocks_directly : leaf->delete_by_blocks, 4,
	                types, values, nullptr, SPI_OK_SELECT);
	bool has_max;
	Datum max;
	read_count_and_max(result, &has_max, &max);
}

} // namespace

BatchResult delete_batch(const RunPlan &plan, const BatchInput &input) {
	BatchResult result{};
	result.next_key = input.lower_key;
	if (plan.on_record) {
		result.stop_reason = policy_change(plan.target, plan.has_cutoff, plan.cutoff, &result.max_rows_per_second);
		if (result.stop_reason)
			return result;
	} else {
		// A shard moved away (Citus changed its placement) is left to its
		// new node: its old relation's rows no longer count.
		result.max_rows_per_second = plan.target->max_rows_per_second;
		result.shard_moved = !OidIsValid(citus::shard_here(plan.target->citus_table, plan.target->citus_shard));
		if (result.shard_moved)
			return result;
	}
	RunIdentity identity = enter_run_identity(plan.target->run_role, plan::skips_locked(input.form)
	                                                                      ? skipping_lock_timeout
	                                                                      : waiting_lock_timeout);
	result.leaf_gone = !leaf_still_in_policy(plan.target, input.leaf);
	if (result.leaf_gone) {
		leave_run_identity(identity);
		ereport(LOG, (errmsg("retention: %s: %s is no longer a partition of the policy's table: left alone",
		                     plan.target->name, input.leaf->name)));
		return result;
	}
	bool by_key = input.form == BatchForm::KeySlice || input.form == BatchForm::KeyRowsSkipLocked;
	if (by_key)
		delete_by_key(plan, input, &result);
	else
		delete_by_blocks(plan, input, &result);
	leave_run_identity(identity);
	if (result.rows > 0 && plan.on_record)
		catalog::add_batch(plan.run_id, result.rows,
		                   int32((GetCurrentTimestamp() - GetCurrentTransactionStartTimestamp()) / 1000));
	return result;
}

BatchResult drop_partition(const RunPlan &plan, const LeafTarget *leaf, bool *went) {
	BatchResult result{};
	*went = false;
	result.stop_reason = policy_change(plan.target, plan.has_cutoff, plan.cutoff, &result.max_rows_per_second);
	if (result.stop_reason)
		return result;
	RunIdentity identity = enter_run_identity(plan.target->run_role);
	const char *statement = lock_whole_partition(plan.target, leaf);
	if (statement)
		border::spi_run(statement, 0, nullptr, nullptr, nullptr, SPI_OK_UTILITY);
	leave_run_identity(identity);
	if (!statement) {
		ereport(LOG, (errmsg("retention: %s: partition %s left alone: it no longer lies wholly before the cutoff in "
		                     "the policy's table",
		                     plan.target->name, leaf->name)));
		return result;
	}
	*went = true;
	Oid types[1] = {INT8OID};
	Datum values[1] = {Int64GetDatum(plan.run_id)};
	border::spi_run("UPDATE retention.runs SET partitions_dropped = partitions_dropped OPERATOR(pg_catalog.+) 1 "
	                "WHERE id OPERATOR(pg_catalog.=) $1",
	                1, types, values, nullptr, SPI_OK_UPDATE);
	return result;
}

} // namespace retention::prune
