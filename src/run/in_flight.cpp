#include "run/in_flight.hpp"
#include "run/request.hpp"
#include "border/shared_memory.hpp"

namespace retention::run {

struct InFlight {
	bool used;
	int pid;
	int procno;
	Oid database;
	Oid owner;
	int64 run_id;
	bool dry_run;
	bool scheduled;
	TimestampTz started_at;
	char policy[policy_name_max + 1];
	pg_atomic_uint32 cancel_requested_by; // an Oid; 0 (InvalidOid): none
	// Progress, under the table's mutex (written a few times per batch).
	char phase[32];
	int64 rows_pruned;
	int64 batches;
	int64 remaining_estimate;
	TimestampTz waiting_since;
	char waiting_for[160];
};

namespace {

struct InFlightTable {
	slock_t mutex;
	int size;
	InFlight entries[FLEXIBLE_ARRAY_MEMBER];
};

InFlightTable *table = nullptr;
// This process's entry, released at exit if a run is cut short.
InFlight *mine = nullptr;
bool exit_callback_registered = false;

// Each run is carried out by a background worker: never more at once.
Size table_size() {
	return add_size(offsetof(InFlightTable, entries), mul_size(max_worker_processes, sizeof(InFlight)));
}

void initialize_table(void *memory) {
	auto *fresh = static_cast<InFlightTable *>(memory);
	SpinLockInit(&fresh->mutex);
	fresh->size = max_worker_processes;
	for (int i = 0; i < fresh->size; i++) {
		memset(&fresh->entries[i], 0, sizeof(InFlight));
		pg_atomic_init_u32(&fresh->entries[i].cancel_requested_by, 0);
	}
}

void release_at_exit(int, Datum) { leave_in_flight(mine); }

} // namespace

void request_runs_in_flight_memory() {
	border::request_shared_struct(
	    {"retention runs in flight", table_size, initialize_table, reinterpret_cast<void **>(&table)});
}

InFlight *enter_in_flight(const char *policy, Oid owner, int64 run_id, bool dry_run, bool scheduled) {
	if (!table)
		return nullptr;
	if (!exit_callback_registered) {
		before_shmem_exit(release_at_exit, 0);
		exit_callback_registered = true;
	}
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size && !mine; i++) {
		InFlight &entry = table->entries[i];
		if (entry.used)
			continue;
		entry.used = true;
		entry.pid = MyProcPid;
		entry.procno = compat::my_proc_number();
		entry.database = MyDatabaseId;
		entry.owner = owner;
		entry.run_id = run_id;
		entry.dry_run = dry_run;
		entry.scheduled = scheduled;
		entry.started_at = GetCurrentTimestamp();
		strlcpy(entry.policy, policy, sizeof(entry.policy));
		pg_atomic_write_u32(&entry.cancel_requested_by, 0);
		strlcpy(entry.phase, "starting", sizeof(entry.phase));
		entry.rows_pruned = 0;
		entry.batches = 0;
		entry.remaining_estimate = -1;
		entry.waiting_since = 0;
		entry.waiting_for[0] = '\0';
		mine = &entry;
	}
	SpinLockRelease(&table->mutex);
	return mine;
}

void leave_in_flight(InFlight *run) {
	if (!run)
		return;
	SpinLockAcquire(&table->mutex);
	run->used = false;
	run->pid = 0;
	SpinLockRelease(&table->mutex);
	if (run == mine)
		mine = nullptr;
}

Oid cancel_requested_by(const InFlight *run) {
	return run ? Oid(pg_atomic_read_u32(const_cast<pg_atomic_uint32 *>(&run->cancel_requested_by))) : InvalidOid;
}

void note_phase(InFlight *run, const char *phase) {
	if (!run)
		return;
	SpinLockAcquire(&table->mutex);
	strlcpy(run->phase, phase, sizeof(run->phase));
	SpinLockRelease(&table->mutex);
}

void note_waiting(InFlight *run, const char *waiting_for) {
	if (!run)
		return;
	TimestampTz now = waiting_for ? GetCurrentTimestamp() : 0;
	SpinLockAcquire(&table->mutex);
	if (!waiting_for) {
		run->waiting_for[0] = '\0';
	} else {
		// The same wait goes on while its kind (the words before the first
		// colon: "replica lag", "pause") stays, though its details change.
		const char *colon = strchr(waiting_for, ':');
		size_t kind = colon ? size_t(colon - waiting_for) : strlen(waiting_for);
		bool same = run->waiting_for[0] != '\0' && strncmp(run->waiting_for, waiting_for, kind) == 0 &&
		            (run->waiting_for[kind] == ':' || run->waiting_for[kind] == '\0');
		if (!same)
			run->waiting_since = now;
		strlcpy(run->waiting_for, waiting_for, sizeof(run->waiting_for));
	}
	SpinLockRelease(&table->mutex);
}

void note_progress(InFlight *run, int64 rows, int64 batches, int64 remaining_estimate) {
	if (!run)
		return;
	SpinLockAcquire(&table->mutex);
	run->rows_pruned = rows;
	run->batches = batches;
	run->remaining_estimate = remaining_estimate;
	SpinLockRelease(&table->mutex);
}

int progress_of_database(ProgressRow **rows) {
	if (!table)
		return -1;
	auto *out = static_cast<ProgressRow *>(palloc0(sizeof(ProgressRow) * Max(table->size, 1)));
	int count = 0;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		const InFlight &entry = table->entries[i];
		if (!entry.used || entry.database != MyDatabaseId)
			continue;
		ProgressRow &row = out[count++];
		row.run_id = entry.run_id;
		strlcpy(row.policy, entry.policy, sizeof(row.policy));
		row.owner = entry.owner;
		row.pid = entry.pid;
		row.dry_run = entry.dry_run;
		row.scheduled = entry.scheduled;
		row.started_at = entry.started_at;
		row.waiting_since = entry.waiting_for[0] ? entry.waiting_since : 0;
		strlcpy(row.phase, entry.phase, sizeof(row.phase));
		row.rows_pruned = entry.rows_pruned;
		row.batches = entry.batches;
		row.remaining_estimate = entry.remaining_estimate;
		strlcpy(row.waiting_for, entry.waiting_for, sizeof(row.waiting_for));
	}
	SpinLockRelease(&table->mutex);
	*rows = out;
	return count;
}

bool progress_of_policy(const char *policy, ProgressRow *row) {
	ProgressRow *rows = nullptr;
	int count = progress_of_database(&rows);
	bool found = false;
	for (int i = 0; i < count && !found; i++)
		if (!rows[i].dry_run && strcmp(rows[i].policy, policy) == 0) {
			*row = rows[i];
			found = true;
		}
	if (rows)
		pfree(rows);
	return found;
}

int real_runs_in_flight() {
	if (!table)
		return 1;
	int count = 0;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++)
		count += table->entries[i].used && !table->entries[i].dry_run ? 1 : 0;
	SpinLockRelease(&table->mutex);
	return Max(count, 1);
}

int request_cancel(const char *policy) {
	if (!table)
		return -1;
	int asked = 0;
	int *procnos = static_cast<int *>(palloc(sizeof(int) * table->size));
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		InFlight &entry = table->entries[i];
		if (!entry.used || entry.database != MyDatabaseId || strcmp(entry.policy, policy) != 0)
			continue;
		pg_atomic_write_u32(&entry.cancel_requested_by, uint32(GetUserId()));
		procnos[asked++] = entry.procno;
	}
	SpinLockRelease(&table->mutex);
	// Woken, a worker sleeping between batches (batch_delay) sees it at once.
	for (int i = 0; i < asked; i++)
		SetLatch(compat::proc_latch(procnos[i]));
	pfree(procnos);
	return asked;
}

} // namespace retention::run
