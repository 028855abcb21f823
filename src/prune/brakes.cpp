// The brakes of a run: see brakes.hpp. No C++ object lives here.
#include "prune/brakes.hpp"
#include "run/in_flight.hpp"
#include "border/spi.hpp"
#include "border/transaction.hpp"
#include "settings.hpp"

#include "border/pg.hpp"

namespace retention::prune {

namespace {

// Keeps a sample of the WAL position at most every max_replica_lag / 32,
// so the history spans twice the setting.
void remember(WalHistory *history, TimestampTz now, XLogRecPtr lsn, int64 lag_usecs) {
	if (history->count > 0) {
		int last = (history->next + WalHistory::size - 1) % WalHistory::size;
		if (now - history->at[last] < lag_usecs / 32)
			return;
	}
	history->at[history->next] = now;
	history->lsn[history->next] = lsn;
	history->next = (history->next + 1) % WalHistory::size;
	history->count = Min(history->count + 1, WalHistory::size);
}

// The oldest sample, of those taken at least lag_usecs ago, that a standby
// at replay_lsn has not replayed: how long ago it was taken, or -1.
int64 unreplayed_age(const WalHistory *history, TimestampTz now, XLogRecPtr replay_lsn, int64 lag_usecs) {
	int64 age = -1;
	for (int i = 0; i < history->count; i++) {
		int64 since = now - history->at[i];
		if (since >= lag_usecs && history->lsn[i] > replay_lsn)
			age = Max(age, since);
	}
	return age;
}

struct ReplicaCheck {
	WalHistory *history;
	const char *behind; // palloc'd in the caller's context, or nullptr
	MemoryContext context;
};

void check_standbys(void *argument) {
	auto *check = static_cast<ReplicaCheck *>(argument);
	const char *behind = standby_behind(check->history);
	check->behind = behind ? MemoryContextStrdup(check->context, behind) : nullptr;
}

} // namespace

const char *standby_behind(WalHistory *history) {
	int64 lag_usecs = int64(setting_max_replica_lag_ms) * 1000;
	border::spi_run("SELECT pg_catalog.pg_current_wal_lsn(), "
	                "CASE WHEN s.application_name OPERATOR(pg_catalog.=) '' THEN 'a standby' ELSE s.application_name END, "
	                "coalesce(pg_catalog.host(s.client_addr), 'local'), s.replay_lsn, "
	                "pg_catalog.date_part('epoch', s.replay_lag) "
	                "FROM pg_catalog.pg_stat_replication s "
	                "WHERE s.state OPERATOR(pg_catalog.=) ANY (ARRAY['streaming', 'catchup']) "
	                "UNION ALL SELECT pg_catalog.pg_current_wal_lsn(), NULL, NULL, NULL, NULL",
	                0, nullptr, nullptr, nullptr, SPI_OK_SELECT, true);
	TimestampTz now = GetCurrentTimestamp();
	TupleDesc desc = SPI_tuptable->tupdesc;
	bool isnull;
	// Every row has the current position; the last one only that (so there
	// is a row without standbys).
	XLogRecPtr current = DatumGetLSN(SPI_getbinval(SPI_tuptable->vals[0], desc, 1, &isnull));
	remember(history, now, current, lag_usecs);
	int64 worst = -1;
	const char *worst_name = nullptr;
	const char *worst_host = nullptr;
	for (uint64 row = 0; row < SPI_processed; row++) {
		HeapTuple tuple = SPI_tuptable->vals[row];
		(void)SPI_getbinval(tuple, desc, 2, &isnull);
		if (isnull)
			continue; // the row without a standby
		int64 behind = -1;
		Datum replay_lag = SPI_getbinval(tuple, desc, 5, &isnull);
		if (!isnull)
			behind = int64(DatumGetFloat8(replay_lag) * USECS_PER_SEC);
		Datum replay_lsn = SPI_getbinval(tuple, desc, 4, &isnull);
		if (!isnull && DatumGetLSN(replay_lsn) >= current)
			continue; // caught up: its replay_lag may still say how late the last WAL it replayed was
		if (!isnull)
			behind = Max(behind, unreplayed_age(history, now, DatumGetLSN(replay_lsn), lag_usecs));
		if (behind > lag_usecs && behind > worst) {
			worst = behind;
			worst_name = SPI_getvalue(tuple, desc, 2);
			worst_host = SPI_getvalue(tuple, desc, 3);
		}
	}
	if (worst <= 0)
		return nullptr;
	return psprintf("replica lag: %s (%s) is %.1f s behind (retention.max_replica_lag = %.1f s)", worst_name,
	                worst_host, double(worst) / USECS_PER_SEC, double(setting_max_replica_lag_ms) / 1000);
}

const char *brake_now(WalHistory *history) {
	if (setting_pause)
		return "pause: retention.pause is on";
	if (setting_max_replica_lag_ms <= 0)
		return nullptr;
	MemoryContext caller = CurrentMemoryContext;
	ReplicaCheck check{history, nullptr, caller};
	ErrorData *error = nullptr;
	if (!border::run_in_transaction(check_standbys, &check, caller, &error)) {
		// Not a reason to stop the run, nor to wait for ever: say it and go on.
		ereport(LOG, (errmsg("retention: could not check the standbys' replay lag: %s", error->message)));
		FreeErrorData(error);
		return nullptr;
	}
	return check.behind;
}

int64 pace_delay_usecs(int64 per_second, int64 amount, TimestampTz since, TimestampTz now) {
	if (per_second <= 0 || amount <= 0)
		return 0;
	int64 due = since + int64(double(amount) * USECS_PER_SEC / double(per_second));
	return Max(int64(0), due - now);
}

int64 wal_budget_bytes_per_second() {
	if (setting_max_wal_per_second_kb <= 0)
		return 0;
	return int64(setting_max_wal_per_second_kb) * 1024 / run::real_runs_in_flight();
}

int64 own_wal_bytes() { return int64(pgWalUsage.wal_bytes); }

} // namespace retention::prune
