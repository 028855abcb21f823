// Foreground impact: client threads, each on its own connection, insert new
// rows, update recent rows and read the newest rows in a paced loop, first
// with nothing else running (the idle baseline), then while one contender
// prunes the same table. Latency is each statement's round trip (autocommit).
#include "bench.hpp"

#include <algorithm>
#include <latch>
#include <mutex>
#include <random>
#include <stdexcept>

namespace bench {

namespace {

struct Sample {
	double start_s; // since the clients' common origin
	double latency_ms;
	bool ok;
	int statement; // 0 INSERT, 1 UPDATE, 2 SELECT
};

struct ClientLog {
	std::vector<Sample> samples;
	long long inserted = 0;
	std::string error;
};

void client_loop(int index, const std::string &database, const Shape &shape, const ForegroundOptions &options,
                 Clock::time_point origin, std::latch &ready, const std::atomic<bool> &stop, ClientLog &log) {
	std::unique_ptr<pqxx::connection> conn;
	try {
		conn = connect(database, std::string(app_foreground) + "-" + std::to_string(index));
		const std::string t = table_name;
		conn->prepare("insert", "INSERT INTO " + t + " (id, created_at, payload) VALUES ($1, now(), $2)");
		conn->prepare("update", "UPDATE " + t + " SET payload = $2 WHERE id = $1");
		conn->prepare("read", "SELECT id, payload FROM " + t + " ORDER BY " +
		                          (options.read_newest_by_id ? "id" : "created_at") + " DESC LIMIT 20");
	} catch (const std::exception &error) {
		log.error = error.what();
		ready.count_down();
		return;
	}
	ready.count_down();
	ready.wait();

	std::mt19937_64 random(1234567 + index);
	const long long recent = std::max(1LL, std::min(100000LL, (shape.rows - shape.expired) / 10));
	std::uniform_int_distribution<long long> recent_id(shape.rows - recent + 1, shape.rows);
	const std::string payload(100, 'f');
	long long next_insert = shape.rows + 1 + index;
	const Clock::time_point paced_from = Clock::now();
	for (long long k = 0; !stop; k++) {
		if (options.rate_per_client > 0)
			std::this_thread::sleep_until(paced_from + std::chrono::duration_cast<Clock::duration>(
			                                               std::chrono::duration<double>(k / options.rate_per_client)));
		if (stop)
			break;
		const Clock::time_point begun = Clock::now();
		bool ok = true;
		const int statement = int((k + index) % 3);
		try {
			pqxx::nontransaction tx{*conn};
			switch (statement) {
			case 0:
				tx.exec_prepared("insert", next_insert, payload);
				next_insert += options.clients;
				log.inserted++;
				break;
			case 1:
				tx.exec_prepared("update", recent_id(random), payload);
				break;
			default:
				tx.exec_prepared("read");
			}
		} catch (const pqxx::broken_connection &error) {
			log.error = error.what();
			return;
		} catch (const pqxx::sql_error &) {
			ok = false;
		}
		const Clock::time_point done = Clock::now();
		log.samples.push_back(Sample{seconds_between(origin, begun),
		                             std::chrono::duration<double, std::milli>(done - begun).count(), ok, statement});
	}
}

double percentile(std::vector<double> &values, double fraction) {
	if (values.empty())
		return 0;
	const size_t at = std::min(values.size() - 1, static_cast<size_t>(fraction * double(values.size())));
	std::nth_element(values.begin(), values.begin() + long(at), values.end());
	return values[at];
}

LatencyWindow window(const std::vector<ClientLog> &logs, double from, double to) {
	LatencyWindow w;
	w.seconds = to - from;
	std::vector<double> latencies;
	for (const ClientLog &log : logs)
		for (const Sample &sample : log.samples) {
			if (sample.start_s < from || sample.start_s >= to)
				continue;
			if (!sample.ok) {
				w.errors++;
				continue;
			}
			w.ops++;
			latencies.push_back(sample.latency_ms);
			w.statement_latencies_ms[size_t(sample.statement)].push_back(sample.latency_ms);
		}
	w.ops_per_second = w.seconds > 0 ? double(w.ops) / w.seconds : 0;
	w.latencies_ms = latencies;
	w.p50_ms = percentile(latencies, 0.50);
	w.p99_ms = percentile(latencies, 0.99);
	for (size_t i = 0; i < w.statement_latencies_ms.size(); i++) {
		std::vector<double> copy = w.statement_latencies_ms[i];
		w.statement_p99_ms[i] = percentile(copy, 0.99);
	}
	return w;
}

} // namespace

LatencyWindow pooled(const std::vector<LatencyWindow> &windows) {
	LatencyWindow all;
	for (const LatencyWindow &w : windows) {
		all.seconds += w.seconds;
		all.ops += w.ops;
		all.errors += w.errors;
		all.latencies_ms.insert(all.latencies_ms.end(), w.latencies_ms.begin(), w.latencies_ms.end());
		for (size_t i = 0; i < w.statement_latencies_ms.size(); i++)
			all.statement_latencies_ms[i].insert(all.statement_latencies_ms[i].end(),
			                                     w.statement_latencies_ms[i].begin(),
			                                     w.statement_latencies_ms[i].end());
	}
	for (size_t i = 0; i < all.statement_latencies_ms.size(); i++) {
		std::vector<double> copy = all.statement_latencies_ms[i];
		all.statement_p99_ms[i] = percentile(copy, 0.99);
	}
	all.ops_per_second = all.seconds > 0 ? double(all.ops) / all.seconds : 0;
	std::vector<double> latencies = all.latencies_ms;
	all.p50_ms = percentile(latencies, 0.50);
	all.p99_ms = percentile(latencies, 0.99);
	return all;
}

ForegroundResult foreground(Contender contender, pqxx::connection &control, const Shape &shape,
                            const Settings &settings, const ForegroundOptions &options) {
	ForegroundResult result;
	result.contender = contender;
	const BuiltTable table = build_table(control, shape);
	if (contender == Contender::run || contender == Contender::prune_call)
		create_policy(control, table, "");
	auto session = connect(settings.database, app_prune);
	Poller poller{settings.database};
	exec(control, "CHECKPOINT");

	std::vector<ClientLog> logs(size_t(options.clients));
	std::atomic<bool> stop{false};
	std::latch ready{options.clients};
	const Clock::time_point origin = Clock::now();
	std::vector<std::thread> clients;
	for (int i = 0; i < options.clients; i++)
		clients.emplace_back(client_loop, i, std::cref(settings.database), std::cref(shape), std::cref(options), origin,
		                     std::ref(ready), std::cref(stop), std::ref(logs[size_t(i)]));
	auto finish = [&] {
		stop = true;
		for (std::thread &client : clients)
			client.join();
	};

	double idle_from = 0, idle_to = 0, prune_from = 0, prune_to = 0;
	try {
		ready.wait();
		std::this_thread::sleep_for(std::chrono::seconds(1)); // warm-up, not counted
		idle_from = seconds_between(origin, Clock::now());
		poller.start();
		std::this_thread::sleep_for(std::chrono::duration<double>(options.baseline_seconds));
		result.idle_horizon = poller.stop();
		idle_to = seconds_between(origin, Clock::now());

		prune_from = idle_to;
		poller.start();
		PruneOutcome outcome;
		try {
			if (options.on_prune_start)
				options.on_prune_start();
			outcome = prune(contender, *session, control, table, settings);
			if (options.on_prune_end)
				options.on_prune_end();
		} catch (...) {
			if (options.on_prune_end)
				options.on_prune_end();
			(void)poller.stop();
			throw;
		}
		result.prune_horizon = poller.stop();
		prune_to = seconds_between(origin, Clock::now());
		result.prune_seconds = outcome.seconds;
		if (outcome.rows != shape.expired)
			result.problem = "CHECK FAILED: " + std::to_string(outcome.rows) + " rows deleted, expected " +
			                 std::to_string(shape.expired);
	} catch (...) {
		finish();
		throw;
	}
	finish();

	long long inserted = 0;
	for (const ClientLog &log : logs) {
		inserted += log.inserted;
		if (!log.error.empty())
			result.problem += (result.problem.empty() ? "" : "; ") + std::string("client: ") + log.error;
	}
	result.idle = window(logs, idle_from, idle_to);
	result.idle_first = window(logs, idle_from, (idle_from + idle_to) / 2);
	result.idle_second = window(logs, (idle_from + idle_to) / 2, idle_to);
	result.during = window(logs, prune_from, prune_to);

	pqxx::row counts = [&] {
		pqxx::nontransaction tx{control};
		return tx.exec_params1("SELECT count(*), count(*) FILTER (WHERE created_at < $1::timestamptz) FROM " +
		                           std::string(table_name),
		                       table.cutoff);
	}();
	const long long expected = shape.rows - shape.expired + inserted;
	if (counts[0].as<long long>() != expected || counts[1].as<long long>() != 0)
		result.problem += (result.problem.empty() ? "" : "; ") + std::string("CHECK FAILED: ") +
		                  counts[0].as<std::string>() + " rows left (expected " + std::to_string(expected) + "), " +
		                  counts[1].as<std::string>() + " expired rows left";
	return result;
}

} // namespace bench
