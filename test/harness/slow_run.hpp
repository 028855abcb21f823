// What the checks of runs in flight share: the "slow" policy (200 expired
// rows, 10 per batch, 300 ms between batches: a run of about 6 s that a
// check can act on while it runs), a run in a thread of its own
// (BackgroundRun), waiting for the run's audit row, and a private cluster
// for checks that crash or reconfigure the server.
#pragma once

#include "harness.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace harness::slow {

using harness::expect;
using harness::expect_eq;
using harness::query_text;
using harness::query_value;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int expired_rows = 200, young_rows = 5, batch_size = 10, full_batches = expired_rows / batch_size;

inline void create_slow_policy(pqxx::connection &conn) {
	pqxx::work tx{conn};
	tx.exec0("CREATE TABLE public.slow_events (id int PRIMARY KEY, created_at timestamptz NOT NULL, payload text)");
	tx.exec0("CREATE INDEX ON public.slow_events (created_at)");
	tx.exec0("INSERT INTO public.slow_events "
	         "SELECT i, now() - interval '40 days' - i * interval '1 minute', 'old ' || i "
	         "FROM generate_series(1, " + std::to_string(expired_rows) + ") i");
	tx.exec0("INSERT INTO public.slow_events "
	         "SELECT i, now() - (i - " + std::to_string(expired_rows) + ") * interval '1 minute', 'young ' || i "
	         "FROM generate_series(" + std::to_string(expired_rows + 1) + ", " +
	         std::to_string(expired_rows + young_rows) + ") i");
	tx.exec0("INSERT INTO retention.policies (name, relation, time_column, retain, batch_size, batch_delay, enabled) "
	         "VALUES ('slow', 'public.slow_events', 'created_at', '30 days', " + std::to_string(batch_size) +
	         ", '300 ms', false)");
	tx.commit();
}

inline long expired_left(pqxx::connection &conn) {
	return query_value<long>(conn, "SELECT count(*) FROM public.slow_events WHERE id <= " +
	                                   std::to_string(expired_rows));
}
inline long young_left(pqxx::connection &conn) {
	return query_value<long>(conn, "SELECT count(*) FROM public.slow_events WHERE id > " +
	                                   std::to_string(expired_rows));
}

// Polls condition (every 50 ms) until it holds or timeout passes.
template <typename Condition> bool eventually(std::chrono::milliseconds timeout, Condition condition) {
	const auto deadline = Clock::now() + timeout;
	for (;;) {
		if (condition())
			return true;
		if (Clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(50ms);
	}
}

inline double seconds_since(Clock::time_point start) {
	return std::chrono::duration<double>(Clock::now() - start).count();
}

// What retention.run() did for a caller running in a thread of its own.
struct CallerOutcome {
	bool returned = false;  // run() returned its row
	std::string status;     // of that row
	long rows_pruned = -1, run_id = -1;
	int batches = -1, worker_pid = -1;
	bool sql_error = false; // run() failed with an SQL error ...
	std::string sqlstate, message;
	bool broken = false;    // ... or the connection broke
};

// `SELECT * FROM retention.run('slow')` on a connection of its own, in a
// thread. If it is still running when this object goes away (a check failed
// early), its caller is cancelled first so nothing outlives the check.
class BackgroundRun {
  public:
	enum class Call { function, procedure }; // SELECT * FROM retention.run(), or CALL retention.prune()

	BackgroundRun(std::string conninfo, std::string policy, Call how = Call::function)
	    : conninfo_(std::move(conninfo)), how_(how) {
		std::future<int> pid = pid_.get_future();
		outcome_ = std::async(std::launch::async, [this, policy] { return call(policy); });
		caller_pid_ = pid.get();
		if (caller_pid_ <= 0)
			throw harness::failure("the caller of run() could not connect: " + outcome_.get().message);
	}
	BackgroundRun(const BackgroundRun &) = delete;
	BackgroundRun &operator=(const BackgroundRun &) = delete;
	~BackgroundRun() {
		if (!outcome_.valid() || outcome_.wait_for(0s) == std::future_status::ready)
			return;
		try {
			pqxx::connection control{conninfo_};
			pqxx::nontransaction tx{control};
			tx.exec("SELECT pg_cancel_backend(" + std::to_string(caller_pid_) + ")");
		} catch (...) {
		}
	}

	int caller_pid() const { return caller_pid_; }

	// Waits for run() to end, at most timeout; a caller still waiting then is
	// terminated and the check fails: a run must never hang.
	CallerOutcome finish(std::chrono::seconds timeout) {
		if (outcome_.wait_for(timeout) != std::future_status::ready) {
			try {
				pqxx::connection control{conninfo_};
				pqxx::nontransaction tx{control};
				tx.exec("SELECT pg_terminate_backend(" + std::to_string(caller_pid_) + ")");
			} catch (...) {
			}
			outcome_.wait();
			throw harness::failure("retention.run() did not end within " + std::to_string(timeout.count()) + " s");
		}
		return outcome_.get();
	}

  private:
	CallerOutcome call(const std::string &policy) {
		CallerOutcome outcome;
		std::optional<pqxx::connection> own;
		try {
			own.emplace(conninfo_);
			pid_.set_value(own->backendpid());
		} catch (const std::exception &error) {
			outcome.message = error.what();
			pid_.set_value(-1);
			return outcome;
		}
		try {
			pqxx::nontransaction tx{*own};
			const std::string columns = "status, rows_pruned, batches, id, pid";
			pqxx::row row = [&] {
				if (how_ == Call::function)
					return tx.exec1("SELECT " + columns + " FROM retention.run(" + tx.quote(policy) + ")");
				// CALL reports no row: its run's row is read from retention.runs.
				tx.exec0("CALL retention.prune(" + tx.quote(policy) + ")");
				return tx.exec1("SELECT " + columns + " FROM retention.runs WHERE policy = " + tx.quote(policy) +
				                " AND NOT dry_run ORDER BY id DESC LIMIT 1");
			}();
			outcome.returned = true;
			outcome.status = row[0].as<std::string>();
			outcome.rows_pruned = row[1].as<long>();
			outcome.batches = row[2].as<int>();
			outcome.run_id = row[3].as<long>();
			outcome.worker_pid = row[4].as<int>();
		} catch (const pqxx::sql_error &error) {
			outcome.sql_error = true;
			outcome.sqlstate = std::string(error.sqlstate());
			outcome.message = harness::trimmed(error.what());
		} catch (const pqxx::broken_connection &error) {
			outcome.broken = true;
			outcome.message = harness::trimmed(error.what());
		} catch (const std::exception &error) {
			outcome.message = harness::trimmed(error.what());
		}
		return outcome;
	}

	std::string conninfo_;
	Call how_;
	std::promise<int> pid_;
	std::future<CallerOutcome> outcome_;
	int caller_pid_ = -1;
};

inline std::string describe(const CallerOutcome &outcome) {
	if (outcome.returned)
		return "returned status " + outcome.status + ", " + std::to_string(outcome.rows_pruned) + " rows";
	if (outcome.sql_error)
		return "SQL error " + outcome.sqlstate + ": " + outcome.message;
	return (outcome.broken ? "broken connection: " : "failed: ") + outcome.message;
}

// The real run of the slow policy that is in progress: its id and its
// worker's pid (retention.runs.pid), once it has committed at least
// min_batches batches.
struct RunningRun {
	long id;
	int pid;
};
inline RunningRun await_running(pqxx::connection &conn, int min_batches, std::chrono::milliseconds timeout) {
	std::optional<RunningRun> found;
	eventually(timeout, [&] {
		pqxx::nontransaction tx{conn};
		pqxx::result rows = tx.exec("SELECT id, pid FROM retention.runs WHERE policy = 'slow' AND NOT dry_run "
		                            "AND status = 'running' AND batches >= " + std::to_string(min_batches));
		if (rows.size() == 1)
			found = RunningRun{rows[0][0].as<long>(), rows[0][1].as<int>()};
		return found.has_value();
	});
	expect(found.has_value(), "no real run of policy slow was running with at least " + std::to_string(min_batches) +
	                              " batches committed");
	return *found;
}

// Waits until the run's audit row is no longer 'running'; returns its status.
inline std::string await_settled(pqxx::connection &conn, long run_id, std::chrono::milliseconds timeout) {
	std::string status;
	eventually(timeout, [&] {
		status = query_value<std::string>(conn, "SELECT status FROM retention.runs WHERE id = " + std::to_string(run_id));
		return status != "running";
	});
	expect(status != "running", "run " + std::to_string(run_id) + " was still 'running' after its caller went away");
	return status;
}

inline long count_run_workers(pqxx::connection &conn) {
	return query_value<long>(conn, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker' "
	                                  "AND datname = current_database()");
}

inline void expect_no_run_worker_left(pqxx::connection &conn) {
	expect(eventually(5000ms, [&] { return count_run_workers(conn) == 0; }),
	       "a 'retention worker' worker was still in pg_stat_activity 5 s after its run ended:\n" +
	           query_text(conn, "SELECT pid, state, query FROM pg_stat_activity WHERE backend_type = 'retention worker' "
	                           "AND datname = current_database()"));
}

// The audit row of a run that stopped early, against what the table lost.
// Returns its rows_pruned.
inline long expect_consistent_stop(pqxx::connection &conn, long run_id, int min_batches) {
	pqxx::row row = [&] {
		pqxx::nontransaction tx{conn};
		return tx.exec1("SELECT rows_pruned, batches, finished_at IS NOT NULL FROM retention.runs WHERE id = " +
		                std::to_string(run_id));
	}();
	const long rows = row[0].as<long>();
	const int batches = row[1].as<int>();
	expect(row[2].as<bool>(), "the stopped run has no finished_at");
	expect_eq(rows, long(batch_size) * batches, "rows_pruned of the stopped run (10 per committed batch)");
	expect(batches >= min_batches && batches < full_batches,
	       "the stopped run committed " + std::to_string(batches) + " batches; expected at least " +
	           std::to_string(min_batches) + " and fewer than " + std::to_string(full_batches));
	expect_eq(expired_left(conn), expired_rows - rows, "expired rows left after the stopped run");
	expect_eq(young_left(conn), long(young_rows), "young rows after the stopped run");
	return rows;
}

// After a stopped run: a new run (without the delay) prunes exactly the
// rest, and two audit rows exist for the policy's real runs.
inline void expect_next_run_prunes_rest(pqxx::connection &conn, long already_pruned, const std::string &first_status) {
	{
		pqxx::nontransaction tx{conn};
		tx.exec0("UPDATE retention.policies SET batch_delay = '0' WHERE name = 'slow'");
	}
	pqxx::row row = [&] {
		pqxx::nontransaction tx{conn};
		return tx.exec1("SELECT status, rows_pruned FROM retention.run('slow')");
	}();
	expect_eq(row[0].as<std::string>(), std::string("succeeded"), "status of the next run");
	expect_eq(row[1].as<long>(), expired_rows - already_pruned, "rows_pruned of the next run");
	expect_eq(expired_left(conn), 0L, "expired rows after the next run");
	expect_eq(young_left(conn), long(young_rows), "young rows after the next run");
	expect_eq(query_text(conn, "SELECT status FROM retention.runs WHERE policy = 'slow' AND NOT dry_run ORDER BY id"),
	          first_status + "\nsucceeded\n", "statuses of the policy's real runs");
}


// A throwaway cluster of our own, as the OS user running the harness, with
// the extension preloaded. Stopped (immediately) and removed on destruction.
class PrivateCluster {
  public:
	explicit PrivateCluster(const std::string &superuser) {
		char pattern[] = "/tmp/retention-harness-kill.XXXXXX";
		if (!mkdtemp(pattern))
			throw harness::failure("mkdtemp failed");
		dir_ = pattern;
		bindir_ = pg_bindir();
		const char *env_port = std::getenv("PGPORT");
		port_ = env_port && *env_port ? env_port : "5432";
		shell(bin("initdb") + " -D " + dir_ + "/data -A trust -U " + superuser + " --no-sync >" + dir_ +
		          "/initdb.log 2>&1",
		      "initdb");
		shell("printf '%s\\n' \"listen_addresses = ''\" \"port = " + port_ + "\" \"unix_socket_directories = '" +
		          dir_ + "'\" \"shared_preload_libraries = 'retention'\" \"max_worker_processes = 16\" "
		          "\"fsync = off\" \"restart_after_crash = on\" >>" + dir_ + "/data/postgresql.conf",
		      "configure");
		shell(bin("pg_ctl") + " -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 start >/dev/null 2>&1",
		      "pg_ctl start");
		started_ = true;
		superuser_ = superuser;
	}
	PrivateCluster(const PrivateCluster &) = delete;
	PrivateCluster &operator=(const PrivateCluster &) = delete;
	~PrivateCluster() {
		if (started_)
			(void)std::system((bin("pg_ctl") + " -D " + dir_ + "/data -m immediate -w stop >/dev/null 2>&1").c_str());
		(void)std::system(("rm -rf " + dir_).c_str());
	}

	std::string conninfo(const std::string &database) const {
		return "host=" + dir_ + " port=" + port_ + " user=" + superuser_ + " dbname=" + database;
	}
	std::string log_tail() const {
		std::string text;
		if (FILE *pipe = popen(("tail -n 30 " + dir_ + "/server.log 2>&1").c_str(), "r")) {
			char buffer[512];
			while (fgets(buffer, sizeof(buffer), pipe))
				text += buffer;
			pclose(pipe);
		}
		return text;
	}

  private:
	static std::string pg_bindir() {
		std::string out;
		if (FILE *pipe = popen("pg_config --bindir 2>/dev/null", "r")) {
			char buffer[512];
			while (fgets(buffer, sizeof(buffer), pipe))
				out += buffer;
			pclose(pipe);
		}
		return harness::trimmed(out);
	}
	std::string bin(const std::string &program) const { return bindir_.empty() ? program : bindir_ + "/" + program; }
	void shell(const std::string &command, const std::string &what) const {
		int status = std::system(command.c_str());
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			throw harness::failure("private cluster: " + what + " failed (see " + dir_ + ")");
	}

	std::string dir_, bindir_, port_, superuser_;
	bool started_ = false;
};

// Waits until a connection works, retrying while the server restarts after a crash.
inline void await_connectable(const std::string &conninfo, std::chrono::seconds timeout) {
	const auto deadline = Clock::now() + timeout;
	for (;;) {
		try {
			pqxx::connection conn{conninfo};
			pqxx::nontransaction tx{conn};
			tx.exec("SELECT 1");
			return;
		} catch (const std::exception &error) {
			if (Clock::now() >= deadline)
				throw harness::failure(std::string("could not reconnect after the crash: ") + error.what());
		}
		std::this_thread::sleep_for(200ms);
	}
}


} // namespace harness::slow
