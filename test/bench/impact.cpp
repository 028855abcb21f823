// The benchmark of issue 13: what foreground writers and a streaming standby
// notice while each contender prunes. On the dense, sparse and no-index
// shapes, side by side, repetitions alternating: the single DELETE with
// wal_compression = lz4 (the fastest plain DELETE), retention.run() with
// default settings, and retention.run() "as fast as you can"
// (retention.max_wal_per_second = 0). Then the brakes one by one: a standby
// slowed down (its startup process stopped 95% of the time) with and without
// retention.max_replica_lag = '5s', and max_rows_per_second.
//
// A standby's lag is measured as the brake measures it: the age of the
// oldest WAL the primary had written (sampled every 50 ms) that the standby
// has not replayed; pg_stat_replication.replay_lag is reported beside it.
#include "bench.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

namespace bench {

namespace {

struct Variant {
	std::string label;
	Contender contender; // run or delete_lz4
	std::vector<std::pair<std::string, std::string>> settings; // ALTER SYSTEM for the measurement
	bool slow_standby = false;
	long long max_rows_per_second = 0; // set on the policy right before the run
	std::vector<std::pair<std::string, std::string>> policy = {}; // other policy columns set then
};

void set_system(pqxx::connection &control, const std::vector<std::pair<std::string, std::string>> &settings,
                bool reset) {
	if (settings.empty())
		return;
	for (const auto &[name, value] : settings)
		exec(control, reset ? "ALTER SYSTEM RESET " + name : "ALTER SYSTEM SET " + name + " = '" + value + "'");
	exec(control, "SELECT pg_reload_conf()");
	// Every process reads the file when its SIGHUP arrives; a warm worker
	// between runs does so at once.
	std::this_thread::sleep_for(std::chrono::milliseconds(500));
}

// Samples the primary's WAL position and the standby's replay position.
class LagSampler {
  public:
	explicit LagSampler(const std::string &database) : conn_(connect(database, app_poller)) {}
	~LagSampler() {
		if (thread_.joinable()) {
			stop_ = true;
			thread_.join();
		}
	}
	void start() {
		stop_ = false;
		peak_age_ = peak_replay_lag_ = 0;
		samples_ = 0;
		thread_ = std::thread([this] { loop(); });
	}
	// Peak (age of the oldest unreplayed WAL, replay_lag) in seconds.
	std::pair<double, double> stop() {
		stop_ = true;
		thread_.join();
		if (!error_.empty())
			throw std::runtime_error("lag sampler: " + error_);
		return {peak_age_, peak_replay_lag_};
	}

  private:
	void loop() {
		try {
			std::deque<std::pair<Clock::time_point, double>> history; // (when, current lsn)
			while (!stop_) {
				pqxx::nontransaction tx{*conn_};
				pqxx::row row = tx.exec1(
				    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8, "
				    "(SELECT pg_wal_lsn_diff(replay_lsn, '0/0')::float8 FROM pg_stat_replication LIMIT 1), "
				    "(SELECT extract(epoch FROM replay_lag)::float8 FROM pg_stat_replication LIMIT 1)");
				const Clock::time_point now = Clock::now();
				history.emplace_back(now, row[0].as<double>());
				if (!row[1].is_null()) {
					const double replayed = row[1].as<double>();
					while (history.size() > 1 && history.front().second <= replayed)
						history.pop_front();
					if (history.front().second > replayed)
						peak_age_ = std::max(peak_age_, seconds_between(history.front().first, now));
				}
				if (!row[2].is_null())
					peak_replay_lag_ = std::max(peak_replay_lag_, row[2].as<double>());
				samples_++;
				std::this_thread::sleep_for(std::chrono::milliseconds(50));
			}
		} catch (const std::exception &error) {
			error_ = error.what();
		}
	}
	std::unique_ptr<pqxx::connection> conn_;
	std::thread thread_;
	std::atomic<bool> stop_{false};
	double peak_age_ = 0, peak_replay_lag_ = 0;
	long samples_ = 0;
	std::string error_;
};

// A slower standby: its startup process (WAL replay) stopped 190 ms of
// every 200 ms while started.
class StandbyThrottle {
  public:
	explicit StandbyThrottle(const std::string &standby) {
		auto conn = std::make_unique<pqxx::connection>(standby);
		pqxx::nontransaction tx{*conn};
		pid_ = tx.exec1("SELECT pid FROM pg_stat_activity WHERE backend_type = 'startup'")[0].as<int>();
	}
	~StandbyThrottle() { stop(); }
	void start() {
		stop_ = false;
		thread_ = std::thread([this] {
			while (!stop_) {
				::kill(pid_, SIGSTOP);
				std::this_thread::sleep_for(std::chrono::milliseconds(190));
				::kill(pid_, SIGCONT);
				std::this_thread::sleep_for(std::chrono::milliseconds(10));
			}
		});
	}
	void stop() {
		stop_ = true;
		if (thread_.joinable())
			thread_.join();
		::kill(pid_, SIGCONT);
	}

  private:
	int pid_ = 0;
	std::thread thread_;
	std::atomic<bool> stop_{false};
};

struct Measured {
	ForegroundResult result;
	double peak_lag_s = 0, peak_replay_lag_s = 0;
	double longest_batch_ms = 0;
};

double median(std::vector<double> values) {
	if (values.empty())
		return 0;
	std::sort(values.begin(), values.end());
	return values[values.size() / 2];
}

std::string ratio(double value) { return fixed(value, 2) + "×"; }
std::string verdict(bool met) { return met ? "yes" : "NO"; }

} // namespace

std::string impact(pqxx::connection &control, const Settings &settings, const ImpactOptions &options,
                   std::vector<std::string> &problems) {
	const long long unit = options.quick ? 50000 : 1000000;
	const std::vector<std::pair<std::string, Shape>> shapes{
	    {"dense_indexed", {2 * unit, unit, true, false}},
	    {"sparse_indexed", {5 * unit, 5 * unit / 100, true, false}},
	    {"dense_noindex", {2 * unit, unit, false, false}},
	};
	std::vector<Variant> contenders{
	    {"single DELETE, lz4", Contender::delete_lz4, {}},
	    {"run(), defaults", Contender::run, {}},
	    {"run(), as fast as it can", Contender::run, {{"retention.max_wal_per_second", "0"}}},
	};
	// For choosing defaults: RETENTION_IMPACT_TRY="a=1,b=2;a=3" measures runs
	// with each group of settings (dense_indexed only, no brakes section).
	std::vector<std::pair<std::string, Shape>> tried_shapes = shapes;
	if (const char *tries = std::getenv("RETENTION_IMPACT_TRY")) {
		tried_shapes.resize(1);
		std::stringstream groups(tries);
		for (std::string group; std::getline(groups, group, ';');) {
			Variant variant{"run(), " + group, Contender::run, {}};
			std::stringstream items(group);
			for (std::string item; std::getline(items, item, ',');)
				if (auto eq = item.find('='); eq != std::string::npos)
					(item.find('.') < eq ? variant.settings : variant.policy)
					    .emplace_back(item.substr(0, eq), item.substr(eq + 1));
			contenders.push_back(variant);
		}
	}
	const bool has_standby = !options.standby.empty();
	std::unique_ptr<LagSampler> sampler;
	if (has_standby)
		sampler = std::make_unique<LagSampler>(settings.database);

	auto measure_one = [&](const Variant &variant, const Shape &shape, const std::string &shape_name,
	                       int rep) -> std::optional<Measured> {
		if (Clock::now() > settings.deadline) {
			problems.push_back(shape_name + " " + variant.label + " rep " + std::to_string(rep + 1) +
			                   ": skipped, time budget exhausted");
			return std::nullopt;
		}
		Measured m;
		std::unique_ptr<StandbyThrottle> throttle;
		if (variant.slow_standby && has_standby)
			throttle = std::make_unique<StandbyThrottle>(options.standby);
		ForegroundOptions fg = options.foreground;
		fg.baseline_seconds = options.quick ? 3 : 10;
		fg.read_newest_by_id = true;
		fg.on_prune_start = [&] {
			if (variant.max_rows_per_second > 0)
				exec(control, "UPDATE retention.policies SET max_rows_per_second = " +
				                  std::to_string(variant.max_rows_per_second) + " WHERE name = '" + policy_name + "'");
			for (const auto &[column, value] : variant.policy) {
				if (column == "nice") { // experiments: the workers' CPU priority (raised for good)
					pqxx::nontransaction tx{control};
					for (const auto &row : tx.exec("SELECT pid FROM pg_stat_activity WHERE backend_type = "
					                               "'retention worker'"))
						(void)setpriority(PRIO_PROCESS, id_t(row[0].as<int>()), std::stoi(value));
					continue;
				}
				exec(control, "UPDATE retention.policies SET " + column + " = '" + value + "' WHERE name = '" +
				                  policy_name + "'");
			}
			if (throttle)
				throttle->start();
			if (sampler)
				sampler->start();
		};
		fg.on_prune_end = [&] {
			if (sampler)
				std::tie(m.peak_lag_s, m.peak_replay_lag_s) = sampler->stop();
			if (throttle)
				throttle->stop();
		};
		set_system(control, variant.settings, false);
		try {
			m.result = foreground(variant.contender, control, shape, settings, fg);
		} catch (const std::exception &error) {
			set_system(control, variant.settings, true);
			problems.push_back(shape_name + " " + variant.label + ": ERROR: " + error.what());
			std::cout << "  " << shape_name << " " << variant.label << ": ERROR: " << error.what() << "\n"
			          << std::flush;
			return std::nullopt;
		}
		set_system(control, variant.settings, true);
		if (variant.contender == Contender::run)
			m.longest_batch_ms =
			    query_double(control, "SELECT coalesce(max(longest_batch_ms), 0) FROM retention.runs WHERE id = "
			                          "(SELECT max(id) FROM retention.runs)");
		if (!m.result.problem.empty())
			problems.push_back(shape_name + " " + variant.label + ": " + m.result.problem);
		const ForegroundResult &r = m.result;
		std::cout << "  impact " << shape_name << " rep " << rep + 1 << "  " << variant.label << ": prune "
		          << fixed(r.prune_seconds, 2) << " s, ops/s " << fixed(r.idle.ops_per_second, 0) << " -> "
		          << fixed(r.during.ops_per_second, 0) << ", p99 " << fixed(r.idle.p99_ms, 2) << " -> "
		          << fixed(r.during.p99_ms, 2) << " ms"
		          << (has_standby ? ", standby lag peak " + fixed(m.peak_lag_s, 2) + " s" : "")
		          << (r.problem.empty() ? "" : "  " + r.problem) << "\n"
		          << std::flush;
		return m;
	};

	std::string markdown;
	auto heading = [&](const std::string &text) {
		std::cout << "\n" << text << "\n";
		markdown += "\n## " + text + "\n\n";
	};
	auto paragraph = [&](const std::string &text) {
		std::cout << text << "\n";
		markdown += text + "\n\n";
	};
	auto table = [&](const Grid &grid) {
		std::cout << grid.text();
		markdown += grid.markdown() + "\n";
	};

	markdown += "# retention impact benchmark (issue 13)\n\n";
	if (!options.command.empty())
		markdown += "- Command: `" + options.command + "`\n";
	if (!options.tree.empty())
		markdown += "- Source tree: " + options.tree + "\n";
	markdown += "- Server: " + query_text(control, "SELECT version()") + "\n";
	markdown += "- Settings: " +
	            query_text(control, "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) "
	                                "FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', "
	                                "'wal_compression', 'max_wal_size', 'retention.max_wal_per_second', "
	                                "'retention.batch_time_target', 'retention.max_replica_lag')") +
	            "\n";
	markdown += std::string("- Standby: ") + (has_standby ? "streaming from the server (asynchronous)" : "none") + "\n";

	// ---- writers and the standby, per shape and contender
	struct Row {
		std::string shape, contender;
		Measured pooled;
		double seconds;
		long long rows;
	};
	std::vector<Row> rows;
	for (const auto &[shape_name, shape] : tried_shapes) {
		std::map<std::string, std::vector<Measured>> runs;
		for (int rep = 0; rep < options.reps; rep++) {
			std::vector<Variant> order = contenders;
			std::rotate(order.begin(), order.begin() + long(size_t(rep) % order.size()), order.end());
			for (const Variant &variant : order)
				if (auto m = measure_one(variant, shape, shape_name, rep))
					runs[variant.label].push_back(*m);
		}
		for (const Variant &variant : contenders) {
			if (!runs.count(variant.label))
				continue;
			Row row{shape_name, variant.label, {}, 0, shape.expired};
			std::vector<LatencyWindow> idle, during;
			std::vector<double> seconds;
			for (const Measured &m : runs.at(variant.label)) {
				idle.push_back(m.result.idle);
				during.push_back(m.result.during);
				seconds.push_back(m.result.prune_seconds);
				row.pooled.peak_lag_s = std::max(row.pooled.peak_lag_s, m.peak_lag_s);
				row.pooled.peak_replay_lag_s = std::max(row.pooled.peak_replay_lag_s, m.peak_replay_lag_s);
			}
			row.pooled.result.idle = pooled(idle);
			row.pooled.result.during = pooled(during);
			row.seconds = median(seconds);
			rows.push_back(row);
		}
	}

	heading("Writers and the standby while each contender prunes");
	paragraph(std::to_string(options.foreground.clients) +
	          " client threads paced at " + fixed(options.foreground.rate_per_client, 0) +
	           " operations/s each (INSERT, UPDATE of a recent row, SELECT of the 20 newest rows by id, autocommit, "
	          "synchronous_commit = on); a " +
	          fixed(options.quick ? 3 : 10, 0) +
	          " s idle baseline, then the prune on a freshly built table (after a CHECKPOINT). " +
	          std::to_string(options.reps) +
	          " repetition(s), contenders alternating; operations pooled per contender, prune s the median, "
	          "standby lag the peak of any repetition.");
	Grid grid;
	grid.headers = {"shape",        "contender",         "prune s",          "rows/s",
	                "× DELETE lz4", "ops/s × idle",      "p50 ms idle → run", "p99 ms idle → run",
	                "p99 × idle",   "INSERT p99 × idle", "UPDATE p99 × idle", "SELECT p99 × idle",
	                "ops in prune", "standby lag peak s", "replay_lag peak s"};
	std::map<std::string, double> delete_seconds;
	for (const Row &row : rows)
		if (row.contender == contenders[0].label)
			delete_seconds[row.shape] = row.seconds;
	for (const Row &row : rows) {
		const LatencyWindow &idle = row.pooled.result.idle, &during = row.pooled.result.during;
		const double speed = delete_seconds.count(row.shape) && row.seconds > 0
		                         ? delete_seconds.at(row.shape) / row.seconds
		                         : 0;
		grid.rows.push_back(
		    {row.shape, row.contender, fixed(row.seconds, 2), grouped((long long)(double(row.rows) / row.seconds)),
		     ratio(speed), ratio(idle.ops_per_second > 0 ? during.ops_per_second / idle.ops_per_second : 0),
		     fixed(idle.p50_ms, 2) + " → " + fixed(during.p50_ms, 2),
		     fixed(idle.p99_ms, 2) + " → " + fixed(during.p99_ms, 2),
		     ratio(idle.p99_ms > 0 ? during.p99_ms / idle.p99_ms : 0),
		     ratio(idle.statement_p99_ms[0] > 0 ? during.statement_p99_ms[0] / idle.statement_p99_ms[0] : 0),
		     ratio(idle.statement_p99_ms[1] > 0 ? during.statement_p99_ms[1] / idle.statement_p99_ms[1] : 0),
		     ratio(idle.statement_p99_ms[2] > 0 ? during.statement_p99_ms[2] / idle.statement_p99_ms[2] : 0),
		     grouped(during.ops), has_standby ? fixed(row.pooled.peak_lag_s, 2) : "-",
		     has_standby ? fixed(row.pooled.peak_replay_lag_s, 2) : "-"});
	}
	table(grid);

	// ---- the brakes
	heading("The brakes");
	std::vector<std::pair<Variant, Measured>> brakes;
	const Shape lag_shape{6 * unit, 3 * unit, true, false};
	std::vector<Variant> brake_variants;
	if (has_standby && !std::getenv("RETENTION_IMPACT_TRY")) {
		brake_variants.push_back(
		    {"slow standby, as fast as it can", Contender::run, {{"retention.max_wal_per_second", "0"}}, true});
		brake_variants.push_back({"slow standby, as fast as it can, max_replica_lag = 5s",
		                          Contender::run,
		                          {{"retention.max_wal_per_second", "0"}, {"retention.max_replica_lag", "5s"}},
		                          true});
	}
	const long long rate = options.quick ? 50000 : 200000;
	if (!std::getenv("RETENTION_IMPACT_TRY"))
		brake_variants.push_back({"max_rows_per_second = " + grouped(rate) + ", max_wal_per_second = 0",
		                          Contender::run,
		                          {{"retention.max_wal_per_second", "0"}},
		                          false,
		                          rate});
	for (const Variant &variant : brake_variants)
		if (auto m = measure_one(variant, lag_shape, "brakes", 0))
			brakes.emplace_back(variant, *m);
	paragraph("On a table of " + grouped(lag_shape.rows) + " rows, " + grouped(lag_shape.expired) +
	          " expired, indexed; one repetition each. The slow standby's startup process is stopped 190 ms of "
	          "every 200 ms while the run prunes (it replays at about a twentieth of its speed).");
	Grid brake_grid;
	brake_grid.headers = {"brake", "prune s", "rows/s", "longest batch ms", "p99 × idle", "standby lag peak s",
	                      "replay_lag peak s"};
	for (const auto &[variant, m] : brakes) {
		const LatencyWindow &idle = m.result.idle, &during = m.result.during;
		brake_grid.rows.push_back({variant.label, fixed(m.result.prune_seconds, 2),
		                           grouped((long long)(double(lag_shape.expired) / m.result.prune_seconds)),
		                           fixed(m.longest_batch_ms, 0), ratio(idle.p99_ms > 0 ? during.p99_ms / idle.p99_ms : 0),
		                           has_standby ? fixed(m.peak_lag_s, 2) : "-",
		                           has_standby ? fixed(m.peak_replay_lag_s, 2) : "-"});
	}
	table(brake_grid);

	// ---- targets
	heading("Targets of issue 13 (this run)");
	Grid targets;
	targets.headers = {"target", "measured", "met"};
	for (const Row &row : rows) {
		const LatencyWindow &idle = row.pooled.result.idle, &during = row.pooled.result.during;
		const double speed = delete_seconds.count(row.shape) ? delete_seconds.at(row.shape) / row.seconds : 0;
		if (row.contender == contenders[1].label) {
			const double p99 = idle.p99_ms > 0 ? during.p99_ms / idle.p99_ms : 0;
			const double ops = idle.ops_per_second > 0 ? during.ops_per_second / idle.ops_per_second : 0;
			targets.rows.push_back({row.shape + ", defaults: writers' p99 ≤ 1.5× idle", ratio(p99), verdict(p99 <= 1.5)});
			targets.rows.push_back(
			    {row.shape + ", defaults: writers' throughput ≥ 0.9× idle", ratio(ops), verdict(ops >= 0.9)});
			targets.rows.push_back(
			    {row.shape + ", defaults: ≥ 0.5× the lz4 single DELETE", ratio(speed), verdict(speed >= 0.5)});
		}
		if (row.contender == contenders[2].label && row.shape != "sparse_indexed")
			targets.rows.push_back(
			    {row.shape + ", as fast as it can: ≥ 1.0× the lz4 single DELETE", ratio(speed), verdict(speed >= 1.0)});
	}
	for (const auto &[variant, m] : brakes) {
		if (variant.max_rows_per_second > 0) {
			const double measured = double(lag_shape.expired) / m.result.prune_seconds;
			const double off = measured / double(variant.max_rows_per_second) - 1;
			targets.rows.push_back({"max_rows_per_second within 10%",
			                        grouped((long long)measured) + " rows/s (" + fixed(off * 100, 1) + "%)",
			                        verdict(std::abs(off) <= 0.10)});
		} else if (variant.settings.size() > 1) {
			const double bound = 5 + m.longest_batch_ms / 1000;
			targets.rows.push_back({"max_replica_lag = 5s: standby's peak lag ≤ 5 s + one batch (" +
			                            fixed(bound, 2) + " s)",
			                        fixed(m.peak_lag_s, 2) + " s", verdict(m.peak_lag_s <= bound)});
		}
	}
	table(targets);
	return markdown;
}

} // namespace bench
