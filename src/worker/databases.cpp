#include <utility>

#include "worker/databases.hpp"
#include "run/workers.hpp"
#include "border/shared_memory.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::worker {

namespace {

struct Entry {
	Oid database;          // InvalidOid: unused
	TimestampTz next_due;
	TimestampTz view_time;  // of the publication that set next_due
	TimestampTz history_pruned_at;
};

struct Table {
	slock_t mutex;
	int size;
	pg_atomic_uint32 unknown_wakeup; // a database not in the table was woken
	Entry entries[FLEXIBLE_ARRAY_MEMBER];
};

Table *table = nullptr;
bool callback_registered = false;
bool wake_pending = false;
bool rescan_pending = false;

Size table_size() {
	return add_size(offsetof(Table, entries), mul_size(setting_max_databases, sizeof(Entry)));
}

void initialize_table(void *memory) {
	auto *fresh = static_cast<Table *>(memory);
	SpinLockInit(&fresh->mutex);
	fresh->size = setting_max_databases;
	pg_atomic_init_u32(&fresh->unknown_wakeup, 0);
	for (int i = 0; i < fresh->size; i++)
		fresh->entries[i] = Entry{InvalidOid, 0, 0, 0};
}

// Under the mutex.
Entry *find(Oid database) {
	for (int i = 0; i < table->size; i++)
		if (table->entries[i].database == database)
			return &table->entries[i];
	return nullptr;
}

// At commit the new extension or policy is visible to the worker the
// launcher is about to start; before it, it would not be.
void wake_on_commit(XactEvent event, void *) {
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_COMMIT &&
	    event != XACT_EVENT_PARALLEL_ABORT)
		return;
	bool wake = wake_pending && event == XACT_EVENT_COMMIT;
	bool rescan = rescan_pending && event == XACT_EVENT_COMMIT;
	wake_pending = false;
	rescan_pending = false;
	if (!table)
		return;
	if (rescan) {
		pg_atomic_write_u32(&table->unknown_wakeup, 1);
		run::wake_launcher();
	}
	if (!wake)
		return;
	SpinLockAcquire(&table->mutex);
	Entry *entry = find(MyDatabaseId);
	if (entry) {
		entry->next_due = 0;
		entry->view_time = GetCurrentTimestamp();
	}
	SpinLockRelease(&table->mutex);
	if (!entry)
		pg_atomic_write_u32(&table->unknown_wakeup, 1);
	run::wake_launcher();
}

} // namespace

void request_database_table_memory() {
	border::request_shared_struct(
	    {"retention databases", table_size, initialize_table, reinterpret_cast<void **>(&table)});
}

void publish_next_due(TimestampTz next_due, TimestampTz view_time) {
	if (!table)
		return;
	bool earlier = false;
	SpinLockAcquire(&table->mutex);
	Entry *entry = find(MyDatabaseId);
	if (entry && view_time >= entry->view_time) {
		earlier = next_due < entry->next_due;
		entry->next_due = next_due;
		entry->view_time = view_time;
	}
	SpinLockRelease(&table->mutex);
	// The launcher sleeps until the earliest due time it knew; a database it
	// does not know yet (created since its last look) makes it look again.
	if (!entry)
		pg_atomic_write_u32(&table->unknown_wakeup, 1);
	if (earlier || !entry)
		run::wake_launcher();
}

bool take_history_prune(int64 every_usecs) {
	if (!table)
		return false;
	TimestampTz now = GetCurrentTimestamp();
	bool take = false;
	SpinLockAcquire(&table->mutex);
	Entry *entry = find(MyDatabaseId);
	if (entry && (entry->history_pruned_at == 0 || now - entry->history_pruned_at >= every_usecs)) {
		entry->history_pruned_at = now;
		take = true;
	}
	SpinLockRelease(&table->mutex);
	return take;
}

static void register_callback() {
	if (!callback_registered) {
		RegisterXactCallback(wake_on_commit, nullptr);
		callback_registered = true;
	}
}

void wake_database_at_commit() {
	if (!table)
		return;
	register_callback();
	wake_pending = true;
}

void rescan_databases_at_commit() {
	if (!table)
		return;
	register_callback();
	rescan_pending = true;
}

bool sync_databases(const Oid *served, int count) {
	bool all_fit = true;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		Entry &entry = table->entries[i];
		bool still = false;
		for (int s = 0; s < count && !still; s++)
			still = served[s] == entry.database;
		if (!still)
			entry = Entry{InvalidOid, 0, 0, 0};
	}
	for (int s = 0; s < count; s++) {
		if (find(served[s]))
			continue;
		Entry *free_entry = find(InvalidOid);
		if (!free_entry) {
			all_fit = false;
			continue;
		}
		*free_entry = Entry{served[s], 0, 0, 0}; // due now: its first look tells
	}
	SpinLockRelease(&table->mutex);
	return all_fit;
}

DatabaseDue *due_databases(TimestampTz now, int *count) {
	auto *due = static_cast<DatabaseDue *>(palloc(sizeof(DatabaseDue) * Max(table->size, 1)));
	*count = 0;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size; i++) {
		const Entry &entry = table->entries[i];
		if (OidIsValid(entry.database) && entry.next_due <= now)
			due[(*count)++] = DatabaseDue{entry.database, entry.next_due};
	}
	SpinLockRelease(&table->mutex);
	// Most overdue first: no database waits behind one that became due later.
	for (int i = 1; i < *count; i++)
		for (int j = i; j > 0 && due[j].next_due < due[j - 1].next_due; j--)
			std::swap(due[j], due[j - 1]);
	return due;
}

bool fair_share_reached(Oid database) {
	if (!table)
		return false;
	int share = Max(1, setting_max_workers - 1);
	if (run::workers_of(database).running < share)
		return false;
	bool others = false;
	SpinLockAcquire(&table->mutex);
	for (int i = 0; i < table->size && !others; i++) {
		const Entry &entry = table->entries[i];
		others = OidIsValid(entry.database) && entry.database != database && entry.next_due != never_due;
	}
	SpinLockRelease(&table->mutex);
	return others;
}

TimestampTz earliest_due(bool (*has_worker)(Oid database)) {
	TimestampTz earliest = never_due;
	SpinLockAcquire(&table->mutex);
	int size = table->size;
	Entry *copy = static_cast<Entry *>(palloc(sizeof(Entry) * Max(size, 1)));
	memcpy(copy, table->entries, sizeof(Entry) * size);
	SpinLockRelease(&table->mutex);
	for (int i = 0; i < size; i++)
		if (OidIsValid(copy[i].database) && copy[i].next_due < earliest && !has_worker(copy[i].database))
			earliest = copy[i].next_due;
	pfree(copy);
	return earliest;
}

void postpone_if_unseen(Oid database, TimestampTz started_at, TimestampTz until) {
	SpinLockAcquire(&table->mutex);
	Entry *entry = find(database);
	if (entry && entry->view_time < started_at && entry->next_due < until) {
		entry->next_due = until;
		entry->view_time = started_at;
	}
	SpinLockRelease(&table->mutex);
}

bool take_unknown_wakeup() { return table && pg_atomic_exchange_u32(&table->unknown_wakeup, 0) != 0; }

void all_due_now() {
	SpinLockAcquire(&table->mutex);
	TimestampTz now = GetCurrentTimestamp();
	for (int i = 0; i < table->size; i++)
		if (OidIsValid(table->entries[i].database)) {
			table->entries[i].next_due = 0;
			table->entries[i].view_time = now;
			table->entries[i].history_pruned_at = 0; // new history limits apply at once
		}
	SpinLockRelease(&table->mutex);
}

} // namespace retention::worker
