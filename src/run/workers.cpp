#include "run/workers.hpp"
#include "run/request.hpp"
#include "border/shared_memory.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::run {

namespace {

// A reserved slot whose worker never adopted it within this long: its
// starter gave up or died; the launcher frees it.
constexpr int64 reservation_lifetime_usecs = 60 * USECS_PER_SEC;

struct Slot {
	SlotState state;
	Oid database;
	int pid;               // the worker's, once adopted
	int procno;
	TimestampTz since;     // when it entered its state
	dsm_handle request;    // reserved or claimed: the request to serve (0: a pass)
	uint64 claims;         // requests handed to this slot so far
	TimestampTz last_run;  // when its worker last ended a run
	uint64 reservations;   // times it was reserved: names one reservation
	bool pass_requested;
	bool leave_requested;
};

struct Table {
	slock_t mutex;
	int size;
	int manual_waiters;
	bool database_waiting;  // the launcher has a due database and no slot for it
	int launcher_procno;    // -1 until the launcher announces itself
	Slot slots[FLEXIBLE_ARRAY_MEMBER];
};

// What a starter hands its worker besides the database (bgw_main_arg).
struct StartArguments {
	int slot;
	dsm_handle request;
	uint64 reservation;
};
static_assert(sizeof(StartArguments) <= BGW_EXTRALEN);

Table *table = nullptr;
int my_slot = -1;

Size table_size() { return add_size(offsetof(Table, slots), mul_size(max_worker_processes, sizeof(Slot))); }

void initialize_table(void *memory) {
	auto *fresh = static_cast<Table *>(memory);
	SpinLockInit(&fresh->mutex);
	fresh->size = max_worker_processes;
	fresh->manual_waiters = 0;
	fresh->database_waiting = false;
	fresh->launcher_procno = -1;
	for (int i = 0; i < fresh->size; i++)
		fresh->slots[i] = Slot{SlotState::free, InvalidOid, 0, 0, 0, 0, 0, 0, 0, false, false};
}

// Under the mutex.
int count_in_use() {
	int used = 0;
	for (int i = 0; i < table->size; i++)
		used += table->slots[i].state != SlotState::free ? 1 : 0;
	return used;
}

void enter(Slot &slot, SlotState state) {
	TimestampTz now = GetCurrentTimestamp();
	if (slot.state == SlotState::running && state != SlotState::running)
		slot.last_run = now;
	slot.state = state;
	slot.since = now;
}

void release_at_exit(int, Datum) { release_slot(); }

} // namespace

void request_worker_table_memory() {
	border::request_shared_struct(
	    {"retention workers", table_size, initialize_table, reinterpret_cast<void **>(&table)});
}

bool have_worker_table() { return table != nullptr; }

int reserve_slot(Oid database, dsm_handle request, uint64 *reservation) {
	int chosen = -1;
	SpinLockAcquire(&table->mutex);
	if (count_in_use() < setting_max_workers)
		for (int i = 0; i < table->size && chosen < 0; i++) {
			Slot &slot = table->slots[i];
			if (slot.state != SlotState::free)
				continue;
			slot = Slot{SlotState::reserved, database, 0, 0, GetCurrentTimestamp(), request, slot.claims, 0,
			            slot.reservations + 1, false, false};
			*reservation = slot.reservations;
			chosen = i;
		}
	SpinLockRelease(&table->mutex);
	return chosen;
}

void unreserve_slot(int slot, uint64 reservation) {
	SpinLockAcquire(&table->mutex);
	if (table->slots[slot].state == SlotState::reserved && table->slots[slot].reservations == reservation)
		table->slots[slot].state = SlotState::free;
	SpinLockRelease(&table->mutex);
}

bool start_worker(Oid database, int slot, uint64 reservation, dsm_handle request, BackgroundWorkerHandle **handle) {
	BackgroundWorker worker;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART; // whoever started it starts another
	strlcpy(worker.bgw_library_name, "retention", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "retention_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "retention worker", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "retention worker", BGW_MAXLEN);
	worker.bgw_main_arg = ObjectIdGetDatum(database);
	StartArguments arguments{slot, request, reservation};
	memcpy(worker.bgw_extra, &arguments, sizeof(arguments));
	worker.bgw_notify_pid = MyProcPid;
	return RegisterDynamicBackgroundWorker(&worker, handle);
}

void read_start_arguments(int *slot, uint64 *reservation, dsm_handle *request) {
	StartArguments arguments;
	memcpy(&arguments, MyBgworkerEntry->bgw_extra, sizeof(arguments));
	*slot = arguments.slot;
	*reservation = arguments.reservation;
	*request = arguments.request;
}

ClaimResult claim_idle_worker(dsm_handle request, bool may_wait, Claim *claim) {
	if (!table)
		return ClaimResult::none;
	SpinLockAcquire(&table->mutex);
	// The one that ended a run last: the others idle on towards their
	// timeout, so a database keeps as many workers as its runs need. If that
	// one is passing, it is idle in a moment (unless it found a due policy).
	int idle = -1;
	int passing = -1;
	for (int i = 0; i < table->size; i++) {
		const Slot &slot = table->slots[i];
		if (slot.database != MyDatabaseId || slot.leave_requested)
			continue;
		if (slot.state == SlotState::idle && (idle < 0 || slot.last_run > table->slots[idle].last_run))
			idle = i;
		if (slot.state == SlotState::passing && (passing < 0 || slot.last_run > table->slots[passing].last_run))
			passing = i;
	}
	ClaimResult result = ClaimResult::none;
	if (may_wait && passing >= 0 && (idle < 0 || table->slots[passing].last_run > table->slots[idle].last_run)) {
		result = ClaimResult::wait;
	} else if (idle >= 0) {
		Slot &slot = table->slots[idle];
		enter(slot, SlotState::claimed);
		slot.request = request;
		slot.claims++;
		*claim = Claim{idle, slot.pid, slot.procno, slot.claims};
		result = ClaimResult::claimed;
	}
	SpinLockRelease(&table->mutex);
	if (result == ClaimResult::claimed)
		wake_claimed(*claim);
	return result;
}

bool claim_served(const Claim &claim) {
	SpinLockAcquire(&table->mutex);
	const Slot &slot = table->slots[claim.slot];
	bool serving = slot.pid == claim.pid && slot.claims == claim.claims &&
	               (slot.state == SlotState::claimed || slot.state == SlotState::running);
	SpinLockRelease(&table->mutex);
	return serving;
}

void wake_claimed(const Claim &claim) { SetLatch(compat::proc_latch(claim.procno)); }

void register_launcher(int procno) {
	SpinLockAcquire(&table->mutex);
	table->launcher_procno = procno;
	SpinLockRelease(&table->mutex);
}

void wake_launcher() {
	if (!table)
		return;
	SpinLockAcquire(&table->mutex);
	int procno = table->launcher_procno;
	SpinLockRelease(&table->mutex);
	if (procno >= 0)
		SetLatch(compat::proc_latch(procno));
}

bool request_pass(Oid database) {
	int procno = -1;
	bool asked = false;
	SpinLockAcquire(&table->mutex);
	// An idle worker passes now. One that is passing may have looked before
	// what made the database due: it passes again before it idles.
	const SlotState preferred[] = {SlotState::idle, SlotState::passing};
	for (SlotState state : preferred)
		for (int i = 0; i < table->size && !asked; i++) {
			Slot &slot = table->slots[i];
			if (slot.state != state || slot.database != database || slot.leave_requested)
				continue;
			slot.pass_requested = true;
			procno = slot.procno;
			asked = true;
		}
	SpinLockRelease(&table->mutex);
	if (procno >= 0)
		SetLatch(compat::proc_latch(procno));
	return asked;
}

bool evict_idle_worker(Oid except) {
	int chosen = -1;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		const Slot &slot = table->slots[i];
		if (slot.state != SlotState::idle || slot.leave_requested || (OidIsValid(except) && slot.database == except))
			continue;
		if (chosen < 0 || slot.since < table->slots[chosen].since)
			chosen = i;
	}
	int procno = -1;
	if (chosen >= 0) {
		table->slots[chosen].leave_requested = true;
		procno = table->slots[chosen].procno;
	}
	SpinLockRelease(&table->mutex);
	if (procno >= 0)
		SetLatch(compat::proc_latch(procno));
	return procno >= 0;
}

void sweep_slots() {
	TimestampTz now = GetCurrentTimestamp();
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		Slot &slot = table->slots[i];
		if (slot.state == SlotState::reserved && now - slot.since > reservation_lifetime_usecs)
			slot.state = SlotState::free;
		// Its PGPROC names it from the process's start (before it connects,
		// unlike the proc array): another pid there, the worker is gone.
		else if (slot.state != SlotState::free && slot.state != SlotState::reserved &&
		         compat::proc_pid(slot.procno) != slot.pid)
			slot.state = SlotState::free;
	}
	SpinLockRelease(&table->mutex);
}

DatabaseWorkers workers_of(Oid database) {
	DatabaseWorkers workers{0, 0};
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		const Slot &slot = table->slots[i];
		if (slot.database != database || slot.leave_requested)
			continue;
		switch (slot.state) {
		case SlotState::reserved:
			// A worker started for a manual run also looks for due policies after it.
		case SlotState::passing:
		case SlotState::idle:
		case SlotState::claimed:
			workers.looking++;
			break;
		case SlotState::running:
			workers.running++;
			break;
		default:
			break;
		}
	}
	SpinLockRelease(&table->mutex);
	return workers;
}

int slots_in_use() {
	SpinLockAcquire(&table->mutex);
	int used = count_in_use();
	SpinLockRelease(&table->mutex);
	return used;
}

void note_manual_waiter(bool waiting) {
	SpinLockAcquire(&table->mutex);
	table->manual_waiters += waiting ? 1 : -1;
	SpinLockRelease(&table->mutex);
}

bool manual_waiters() {
	SpinLockAcquire(&table->mutex);
	bool waiting = table->manual_waiters > 0;
	SpinLockRelease(&table->mutex);
	return waiting;
}

void note_database_waiting(bool waiting) {
	SpinLockAcquire(&table->mutex);
	table->database_waiting = waiting;
	SpinLockRelease(&table->mutex);
}

bool slot_wanted() {
	if (!table)
		return false;
	SpinLockAcquire(&table->mutex);
	bool wanted = table->manual_waiters > 0 || table->database_waiting;
	SpinLockRelease(&table->mutex);
	return wanted;
}

bool adopt_slot(int slot_index, uint64 reservation, Oid database, dsm_handle *request) {
	bool adopted = false;
	SpinLockAcquire(&table->mutex);
	Slot &slot = table->slots[slot_index];
	if (slot.state == SlotState::reserved && slot.reservations == reservation && slot.database == database) {
		*request = slot.request;
		slot.pid = MyProcPid;
		slot.procno = compat::my_proc_number();
		enter(slot, *request != 0 ? SlotState::running : SlotState::passing);
		adopted = true;
		my_slot = slot_index;
	}
	SpinLockRelease(&table->mutex);
	// After the process's row in pg_stat_activity is gone (a
	// before_shmem_exit callback): pg_stat_activity never shows more
	// retention workers than there are slots taken.
	if (adopted)
		on_shmem_exit(release_at_exit, 0);
	return adopted;
}

namespace {

void set_state(SlotState state) {
	if (my_slot < 0)
		return;
	SpinLockAcquire(&table->mutex);
	enter(table->slots[my_slot], state);
	SpinLockRelease(&table->mutex);
}

} // namespace

void set_passing() { set_state(SlotState::passing); }
void set_running() { set_state(SlotState::running); }

bool have_slot() { return my_slot >= 0; }

bool over_budget() {
	if (!table)
		return false;
	SpinLockAcquire(&table->mutex);
	bool over = count_in_use() > setting_max_workers;
	SpinLockRelease(&table->mutex);
	return over;
}

Work wait_for_work(TimestampTz leave_at, TimestampTz pass_at, dsm_handle *request) {
	*request = 0;
	set_state(SlotState::idle);
	bool reloaded = false;
	for (;;) {
		Work work = Work::leave;
		bool decided = true;
		TimestampTz now = GetCurrentTimestamp();
		SpinLockAcquire(&table->mutex);
		Slot &slot = table->slots[my_slot];
		if (slot.state == SlotState::claimed) {
			// Served even when the worker was about to leave: its requester waits.
			*request = slot.request;
			enter(slot, SlotState::running);
			work = Work::serve;
		} else if (slot.leave_requested || termination_requested() || now >= leave_at ||
		           count_in_use() > setting_max_workers) {
			enter(slot, SlotState::leaving); // no claim can come any more
			work = Work::leave;
		} else if (slot.pass_requested || reloaded || now >= pass_at) {
			// After a reload a pass applies the new settings at once.
			slot.pass_requested = false;
			enter(slot, SlotState::passing);
			work = Work::pass;
		} else {
			decided = false;
		}
		SpinLockRelease(&table->mutex);
		if (decided)
			return work;
		long wait_ms = long(Max(Min(leave_at, pass_at) - now, int64(0)) / 1000) + 1;
		(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		// Absorbs procsignal barriers (DROP DATABASE of any database waits
		// for every backend to) and handles interrupts.
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending) {
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			reloaded = true;
		}
	}
}

void release_slot() {
	if (my_slot < 0)
		return;
	SpinLockAcquire(&table->mutex);
	table->slots[my_slot].state = SlotState::free;
	table->slots[my_slot].pid = 0;
	SpinLockRelease(&table->mutex);
	my_slot = -1;
	// A database or a manual run may wait for this slot.
	wake_launcher();
}

} // namespace retention::run
