// The brakes of a run: what holds it before its next batch (retention.pause,
// a standby further behind than retention.max_replica_lag) and the pace of
// a policy's max_rows_per_second. The engine asks them before every batch
// (engine.cpp, hold_before_batch), and waits, in one place.
#pragma once

#include "border/pg.hpp"

namespace retention::prune {

// What the run has seen of its own WAL: (when, pg_current_wal_lsn()) now and
// then, so that a standby whose replay_lsn is older than the WAL written
// max_replica_lag ago counts as behind, whatever its replay_lag says (a
// standby whose replay is paused keeps reporting its last replay_lag).
struct WalHistory {
	static constexpr int size = 64;
	int count;
	int next;
	TimestampTz at[size];
	XLogRecPtr lsn[size];
};

// Why the run must wait now, in words a person reads (palloc'd), or nullptr
// to go on. Checks the standbys (pg_stat_replication, in a transaction of
// its own) only when retention.max_replica_lag is set. Call outside a
// transaction, as the worker's own identity.
const char *brake_now(WalHistory *history);

// The standby furthest behind, beyond retention.max_replica_lag, in words
// (palloc'd), or nullptr. Inside a transaction, SPI connected, as the
// worker's own identity; records the WAL position in history.
const char *standby_behind(WalHistory *history);

// A pace (max_rows_per_second in rows, retention.max_wal_per_second in
// bytes): how long to wait before the next batch so that `amount` done since
// `since` takes at least amount / per_second seconds. 0 without a limit.
int64 pace_delay_usecs(int64 per_second, int64 amount, TimestampTz since, TimestampTz now);

// This run's share of retention.max_wal_per_second, in bytes per second
// (the runs in flight share it evenly); 0: no limit.
int64 wal_budget_bytes_per_second();

// WAL this process has written so far (its own, not the server's).
int64 own_wal_bytes();

} // namespace retention::prune
