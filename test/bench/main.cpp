// retention_bench: the side-by-side prune benchmark of issue 5.
//
//   retention_bench [--quick] [--reps N] [--cases a,b,c] [--markdown FILE]
//                   [--fg-clients N] [--fg-rate OPS] [--max-minutes M]
//                   [--command TEXT] [--tree TEXT] [--database NAME]
//
//   --quick        every case at 1/20 of its size, 1 repetition (a smoke run)
//   --reps N       repetitions per case (default 3; scale_10m, noindex_10m: 2 unless given)
//   --cases LIST   dense_indexed, dense_noindex, sparse_indexed, scale_1m,
//                  scale_10m, noindex_1m, noindex_10m, partitioned, foreground,
//                  fixed_cost (default: all;
//                  fixed_cost also comes with sparse_indexed)
//   --markdown F   also write the report as Markdown to F
//   --fg-clients N foreground client threads (default 4)
//   --fg-rate OPS  operations per second per client (default 200; 0: unpaced)
//   --max-minutes  time budget; measurements past it are skipped (default 75, quick 5)
//   --impact       the benchmark of issue 13 instead (impact.cpp): writers and a standby
//                  during the lz4 DELETE and runs with and without the brakes
//   --standby C    libpq conninfo of a standby streaming from the server (--impact)
//   --command, --tree  shown in the report (the exact command, the source tree)
//
// Expects a server with the retention extension installed, reachable
// through libpq's environment (run.sh starts one). Creates (and drops first)
// the database retention_bench. Exits 1 if any result failed its check.
#include "bench.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace bench {
namespace {

struct Options {
	bool quick = false;
	int reps = 3;
	bool reps_given = false;
	std::vector<std::string> cases;
	std::string markdown;
	std::string command;
	std::string tree;
	std::string database = "retention_bench";
	ForegroundOptions foreground;
	double max_minutes = 0;
	bool impact = false;
	std::string standby;
};

[[noreturn]] void usage(const std::string &problem) {
	std::cerr << "retention_bench: " << problem
	          << "\nusage: retention_bench [--quick] [--reps N] [--cases a,b,c] [--markdown FILE] [--fg-clients N] "
	             "[--fg-rate OPS] [--max-minutes M] [--command TEXT] [--tree TEXT] [--database NAME]\n";
	std::exit(2);
}

std::vector<std::string> split(const std::string &list) {
	std::vector<std::string> parts;
	std::stringstream in(list);
	for (std::string part; std::getline(in, part, ',');)
		if (!part.empty())
			parts.push_back(part);
	return parts;
}

Options parse(int argc, char **argv) {
	Options options;
	for (int i = 1; i < argc; i++) {
		const std::string arg = argv[i];
		auto value = [&]() -> std::string {
			if (i + 1 >= argc)
				usage(arg + " needs a value");
			return argv[++i];
		};
		try {
			if (arg == "--quick")
				options.quick = true;
			else if (arg == "--reps") {
				options.reps = std::stoi(value());
				options.reps_given = true;
				if (options.reps < 1)
					usage("--reps must be at least 1");
			} else if (arg == "--cases")
				options.cases = split(value());
			else if (arg == "--markdown")
				options.markdown = value();
			else if (arg == "--command")
				options.command = value();
			else if (arg == "--tree")
				options.tree = value();
			else if (arg == "--database")
				options.database = value();
			else if (arg == "--fg-clients")
				options.foreground.clients = std::max(1, std::stoi(value()));
			else if (arg == "--fg-rate")
				options.foreground.rate_per_client = std::max(0.0, std::stod(value()));
			else if (arg == "--impact")
				options.impact = true;
			else if (arg == "--standby")
				options.standby = value();
			else if (arg == "--max-minutes")
				options.max_minutes = std::stod(value());
			else
				usage("unknown option " + arg);
		} catch (const std::invalid_argument &) {
			usage("bad value for " + arg);
		}
	}
	if (options.quick && !options.reps_given)
		options.reps = 1;
	if (options.max_minutes <= 0)
		options.max_minutes = options.quick ? 5 : 75;
	return options;
}

std::string read_first_line(const std::string &path, const std::string &prefix) {
	std::ifstream in(path);
	for (std::string line; std::getline(in, line);)
		if (line.rfind(prefix, 0) == 0)
			return line;
	return "";
}

std::string load_average() {
	std::ifstream in("/proc/loadavg");
	std::string one, five, fifteen;
	in >> one >> five >> fifteen;
	return one + " / " + five + " / " + fifteen;
}

std::string now_utc() {
	std::time_t t = std::time(nullptr);
	char buffer[64];
	std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
	return buffer;
}

// The middle value (the lower one of an even count): always a measured run.
size_t median_index(const std::vector<Measurement> &runs) {
	std::vector<size_t> order(runs.size());
	for (size_t i = 0; i < order.size(); i++)
		order[i] = i;
	std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return runs[a].seconds < runs[b].seconds; });
	return order[(order.size() - 1) / 2];
}

template <typename F> double median_of(const std::vector<Measurement> &runs, F value) {
	std::vector<double> values;
	for (const Measurement &m : runs)
		values.push_back(value(m));
	std::sort(values.begin(), values.end());
	return values[(values.size() - 1) / 2];
}

struct Summary {
	Contender contender;
	int reps = 0;
	double seconds = 0, min_seconds = 0, max_seconds = 0;
	double rows_per_second = 0;
	double longest_ms = 0;
	std::string longest_source;
	double polled_worker_ms = 0;
	double wal_per_row = 0;
	double dead = 0;
	std::string notes;
};

struct CaseResult {
	CaseSpec spec;
	std::map<Contender, std::vector<Measurement>> runs;
	std::vector<std::string> problems;
	std::map<Contender, Summary> summaries;
	double build_seconds = 0;
};

Summary summarize(Contender contender, const std::vector<Measurement> &runs, long long expired) {
	Summary s;
	s.contender = contender;
	s.reps = int(runs.size());
	const Measurement &middle = runs[median_index(runs)];
	s.seconds = middle.seconds;
	s.min_seconds = s.max_seconds = runs[0].seconds;
	for (const Measurement &m : runs) {
		s.min_seconds = std::min(s.min_seconds, m.seconds);
		s.max_seconds = std::max(s.max_seconds, m.seconds);
	}
	s.rows_per_second = s.seconds > 0 ? double(expired) / s.seconds : 0;
	s.longest_ms = median_of(runs, [](const Measurement &m) { return m.longest_txn_ms; });
	s.longest_source = middle.longest_source;
	s.polled_worker_ms = median_of(runs, [](const Measurement &m) { return m.polled_worker_ms; });
	s.wal_per_row = median_of(runs, [](const Measurement &m) { return m.wal_bytes / double(std::max(1LL, m.rows)); });
	s.dead = median_of(runs, [](const Measurement &m) { return double(m.dead_tuples); });
	s.notes = middle.notes;
	if (s.longest_source == "polled")
		s.notes += "; longest txn: worker xact_start polled every 20 ms";
	else if (s.longest_source == "retention.runs")
		s.notes += "; longest txn: retention.runs.longest_batch_ms";
	return s;
}

Grid case_grid(const CaseResult &result) {
	Grid grid;
	grid.headers = {"contender", "seconds", "min–max s", "rows/s", "× DELETE", "longest txn ms", "WAL B/row",
	                "dead tuples", "notes"};
	const auto reference = result.summaries.find(Contender::delete_all);
	for (Contender contender : result.spec.contenders) {
		const auto found = result.summaries.find(contender);
		if (found == result.summaries.end()) {
			grid.rows.push_back({label(contender), "-", "-", "-", "-", "-", "-", "-", "not measured (see problems)"});
			continue;
		}
		const Summary &s = found->second;
		std::string ratio = "-";
		if (reference != result.summaries.end() && reference->second.rows_per_second > 0)
			ratio = fixed(s.rows_per_second / reference->second.rows_per_second, 2);
		std::string name = label(contender);
		if (contender == Contender::run_drop)
			name = "(apart) " + name;
		grid.rows.push_back({name, fixed(s.seconds, 2), fixed(s.min_seconds, 2) + "–" + fixed(s.max_seconds, 2),
		                     grouped((long long)(s.rows_per_second + 0.5)), ratio, fixed(s.longest_ms, 0),
		                     fixed(s.wal_per_row, 0), grouped((long long)(s.dead + 0.5)),
		                     s.notes + (s.reps > 1 ? "" : "; 1 rep")});
	}
	return grid;
}

// What every prune pays whatever it deletes, measured on a small table with
// nothing expired: retention.run() (a run worker started, connected, the run
// row written and completed) against a DELETE that finds nothing, medians of
// alternating calls.
struct FixedCost {
	int calls = 0;
	double run_ms = 0, delete_ms = 0, run_min_ms = 0, run_max_ms = 0;
};

FixedCost measure_fixed_cost(pqxx::connection &control, int calls) {
	exec(control, "DROP TABLE IF EXISTS bench_fixed");
	exec(control, "DELETE FROM retention.policies WHERE name = 'bench_fixed'");
	exec(control, "CREATE TABLE bench_fixed (id bigint PRIMARY KEY, created_at timestamptz NOT NULL)");
	exec(control, "INSERT INTO bench_fixed SELECT i, now() - i * interval '1 second' FROM generate_series(1, 1000) i");
	exec(control, "CREATE INDEX ON bench_fixed (created_at)");
	exec(control, "VACUUM ANALYZE bench_fixed");
	exec(control, "INSERT INTO retention.policies (name, relation, time_column, retain, enabled) "
	              "VALUES ('bench_fixed', 'bench_fixed', 'created_at', '30 days', false)");
	std::vector<double> run, del;
	for (int i = 0; i < calls; i++) {
		Clock::time_point t = Clock::now();
		exec(control, "SELECT retention.run('bench_fixed')");
		run.push_back(seconds_between(t, Clock::now()) * 1000);
		t = Clock::now();
		exec(control, "DELETE FROM bench_fixed WHERE created_at < now() - interval '30 days'");
		del.push_back(seconds_between(t, Clock::now()) * 1000);
	}
	exec(control, "DELETE FROM retention.policies WHERE name = 'bench_fixed'");
	exec(control, "DROP TABLE bench_fixed");
	std::sort(run.begin(), run.end());
	std::sort(del.begin(), del.end());
	FixedCost cost;
	cost.calls = calls;
	cost.run_ms = run[run.size() / 2];
	cost.run_min_ms = run.front();
	cost.run_max_ms = run.back();
	cost.delete_ms = del[del.size() / 2];
	std::cout << "  fixed cost: retention.run() with nothing to prune " << fixed(cost.run_ms, 1)
	          << " ms (median of " << calls << "), DELETE finding nothing " << fixed(cost.delete_ms, 2) << " ms\n"
	          << std::flush;
	return cost;
}

std::string holder(const std::string &who, Contender contender) {
	if (who.empty())
		return "-";
	if (who == app_prune)
		return contender == Contender::run          ? "caller of retention.run() (waiting)"
		       : contender == Contender::prune_call ? "caller of CALL retention.prune() (waiting)"
		                                             : "the prune's own transaction";
	if (who == "retention worker")
		return "run worker";
	return who;
}

struct Report {
	std::string text, markdown;
	void heading(const std::string &title, int level) {
		text += '\n';
		text += title;
		text += '\n';
		text.append(title.size() > 80 ? 80 : title.size(), level == 1 ? '=' : '-');
		text += '\n';
		markdown.append(size_t(level), '#');
		markdown += ' ';
		markdown += title;
		markdown += "\n\n";
	}
	void paragraph(const std::string &line) {
		text += line + "\n";
		markdown += line + "\n\n";
	}
	void bullet(const std::string &line) {
		text += "  - " + line + "\n";
		markdown += "- " + line + "\n";
	}
	void end_list() { markdown += "\n"; }
	void grid(const Grid &grid) {
		text += '\n';
		text += grid.text();
		markdown += grid.markdown() + "\n";
	}
};

int main_checked(int argc, char **argv) {
	const Options options = parse(argc, argv);
	const Clock::time_point started = Clock::now();
	std::set<std::string> wanted(options.cases.begin(), options.cases.end());
	std::vector<CaseSpec> cases;
	std::set<std::string> known{"foreground", "fixed_cost"};
	for (const CaseSpec &spec : all_cases(options.quick, options.reps, options.reps_given)) {
		known.insert(spec.name);
		if (wanted.empty() || wanted.count(spec.name))
			cases.push_back(spec);
	}
	for (const std::string &name : wanted)
		if (!known.count(name))
			usage("unknown case " + name);
	const bool run_foreground = wanted.empty() || wanted.count("foreground");
	const bool run_fixed_cost = wanted.empty() || wanted.count("fixed_cost") || wanted.count("sparse_indexed");

	Settings settings;
	settings.database = options.database;
	settings.deadline =
	    started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.max_minutes * 60));

	{
		auto admin = connect("postgres", app_control);
		exec(*admin, "DROP DATABASE IF EXISTS " + options.database);
		exec(*admin, "CREATE DATABASE " + options.database);
	}
	auto control = connect(options.database, app_control);
	exec(*control, "CREATE EXTENSION retention");
	// Where the scheduler serves the database (run.sh), its warm run worker
	// serves the runs: wait for it, as a server running for a while has it.
	const std::string warm_worker_sql = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'retention worker' "
	                                    "AND datname = current_database() AND state = 'idle'";
	for (int i = 0; i < 100 && query_double(*control, warm_worker_sql) == 0; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	const bool warm_worker = query_double(*control, warm_worker_sql) > 0;
	exec(*control, "SET stats_fetch_consistency = none");
	exec(*control, "SET maintenance_work_mem = '1GB'"); // index builds of the tables (not the prunes)
	settings.runs_has_longest_batch =
	    query_double(*control, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'retention' "
	                           "AND table_name = 'runs' AND column_name = 'longest_batch_ms'") > 0;

	if (options.impact) {
		ImpactOptions impact_options;
		impact_options.quick = options.quick;
		impact_options.reps = options.reps_given ? options.reps : (options.quick ? 1 : 2);
		impact_options.standby = options.standby;
		impact_options.foreground = options.foreground;
		impact_options.command = options.command;
		impact_options.tree = options.tree;
		std::vector<std::string> problems;
		std::string markdown = impact(*control, settings, impact_options, problems);
		if (!problems.empty()) {
			std::cout << "\nProblems:\n";
			markdown += "\n## Problems\n\n";
			for (const std::string &problem : problems) {
				std::cout << "- " << problem << "\n";
				markdown += "- " + problem + "\n";
			}
		}
		if (!options.markdown.empty())
			std::ofstream(options.markdown) << markdown;
		return problems.empty() ? 0 : 1;
	}

	const std::string version = query_text(*control, "SELECT version()");
	const std::string server_settings = query_text(
	    *control,
	    "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings "
	    "WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'synchronous_commit', 'fsync', "
	    "'full_page_writes', 'wal_level', 'autovacuum', 'track_io_timing', 'wal_compression', 'work_mem', "
	    "'retention.databases', 'retention.batch_time_target', 'retention.warm_worker')");
	const std::string load_at_start = load_average();

	std::cout << "retention_bench: " << cases.size() << " cases" << (run_foreground ? " + foreground" : "")
	          << (options.quick ? " (quick)" : "") << ", reps " << options.reps << ", budget " << options.max_minutes
	          << " min\n"
	          << std::flush;

	// ---- the cases
	std::vector<CaseResult> results;
	for (const CaseSpec &spec : cases) {
		CaseResult result{spec, {}, {}, {}, 0};
		int builds = 0;
		for (int rep = 0; rep < spec.reps; rep++) {
			// Alternate: each repetition starts with the next contender.
			std::vector<Contender> order = spec.contenders;
			std::rotate(order.begin(), order.begin() + long(size_t(rep) % order.size()), order.end());
			for (Contender contender : order) {
				if (Clock::now() > settings.deadline) {
					result.problems.push_back(label(contender) + " rep " + std::to_string(rep + 1) +
					                          ": skipped, time budget exhausted");
					continue;
				}
				try {
					const BuiltTable table = build_table(*control, spec.shape);
					result.build_seconds += table.build_seconds;
					builds++;
					Measurement m = measure(contender, *control, table, settings);
					std::cout << "  " << spec.name << " rep " << rep + 1 << "/" << spec.reps << "  " << label(contender)
					          << ": " << fixed(m.seconds, 2) << " s, longest txn " << fixed(m.longest_txn_ms, 0)
					          << " ms, WAL " << fixed(m.wal_bytes / double(std::max(1LL, m.rows)), 0)
					          << " B/row, dead " << m.dead_tuples << ", " << m.notes << " (table built in "
					          << fixed(table.build_seconds, 1) << " s)" << (m.problem.empty() ? "" : "  " + m.problem)
					          << "\n"
					          << std::flush;
					if (!m.problem.empty())
						result.problems.push_back(label(contender) + " rep " + std::to_string(rep + 1) + ": " +
						                          m.problem);
					result.runs[contender].push_back(m);
				} catch (const std::exception &error) {
					const std::string message = label(contender) + " rep " + std::to_string(rep + 1) +
					                            ": ERROR: " + error.what();
					std::cout << "  " << spec.name << " " << message << "\n" << std::flush;
					result.problems.push_back(message);
				}
			}
		}
		if (builds > 0)
			result.build_seconds /= builds;
		for (const auto &[contender, runs] : result.runs)
			result.summaries[contender] = summarize(contender, runs, spec.shape.expired);
		results.push_back(result);
	}

	// ---- foreground impact, on the dense_indexed shape
	std::vector<ForegroundResult> foreground_results;
	std::vector<std::string> foreground_problems;
	const CaseSpec dense = all_cases(options.quick, options.reps, options.reps_given)[0];
	const double min_window = options.quick ? 2 : 5, max_window = options.quick ? 5 : 60;
	// ---- the fixed cost of a run: a prune with nothing to delete
	FixedCost fixed_cost;
	if (run_fixed_cost)
		fixed_cost = measure_fixed_cost(*control, options.quick ? 5 : 21);

	// Contenders alternate within each repetition; a contender's repetitions
	// are pooled (operations and latencies), so its p99 rests on every
	// sample of every repetition.
	const int fg_reps = options.quick ? 1 : std::max(1, options.reps);
	std::vector<Contender> fg_contenders = dense.contenders;
	fg_contenders.insert(fg_contenders.begin() + 1, Contender::prune_call);
	std::map<Contender, std::vector<ForegroundResult>> fg_runs;
	if (run_foreground) {
		for (int rep = 0; rep < fg_reps; rep++) {
			std::vector<Contender> order = fg_contenders;
			std::rotate(order.begin(), order.begin() + long(rep % order.size()), order.end());
			for (Contender contender : order) {
				if (Clock::now() > settings.deadline) {
					foreground_problems.push_back(label(contender) + ": repetition " + std::to_string(rep + 1) +
					                              " skipped, time budget exhausted");
					continue;
				}
				// The idle baseline lasts about as long as this contender's prune.
				ForegroundOptions fg = options.foreground;
				fg.baseline_seconds = options.quick ? min_window : 10;
				const Contender measured_as = contender == Contender::prune_call ? Contender::run : contender;
				for (const CaseResult &result : results)
					if (result.spec.name == "dense_indexed" && result.summaries.count(measured_as))
						fg.baseline_seconds =
						    std::clamp(result.summaries.at(measured_as).seconds, min_window, max_window);
				try {
					ForegroundResult r = foreground(contender, *control, dense.shape, settings, fg);
					std::cout << "  foreground rep " << rep + 1 << "/" << fg_reps << "  " << label(contender)
					          << ": prune " << fixed(r.prune_seconds, 2) << " s, ops/s "
					          << fixed(r.idle.ops_per_second, 0) << " -> " << fixed(r.during.ops_per_second, 0)
					          << ", p99 " << fixed(r.idle.p99_ms, 2) << " -> " << fixed(r.during.p99_ms, 2)
					          << " ms, horizon held " << fixed(r.prune_horizon.horizon_ms, 0) << " ms by "
					          << holder(r.prune_horizon.horizon_by, contender)
					          << (r.problem.empty() ? "" : "  " + r.problem) << "\n"
					          << std::flush;
					if (!r.problem.empty())
						foreground_problems.push_back(label(contender) + ": " + r.problem);
					fg_runs[contender].push_back(std::move(r));
				} catch (const std::exception &error) {
					foreground_problems.push_back(label(contender) + ": ERROR: " + error.what());
					std::cout << "  foreground " << label(contender) << ": ERROR: " << error.what() << "\n"
					          << std::flush;
				}
			}
		}
	}
	// Pooled per contender: windows merged, prune seconds the median, the
	// horizon the longest held in any repetition.
	std::vector<LatencyWindow> all_idle_first, all_idle_second;
	for (Contender contender : fg_contenders) {
		if (!fg_runs.count(contender))
			continue;
		const std::vector<ForegroundResult> &runs = fg_runs.at(contender);
		ForegroundResult r;
		r.contender = contender;
		std::vector<LatencyWindow> idle, during;
		std::vector<double> seconds;
		for (const ForegroundResult &one : runs) {
			idle.push_back(one.idle);
			during.push_back(one.during);
			all_idle_first.push_back(one.idle_first);
			all_idle_second.push_back(one.idle_second);
			seconds.push_back(one.prune_seconds);
			if (one.prune_horizon.horizon_ms >= r.prune_horizon.horizon_ms)
				r.prune_horizon = one.prune_horizon;
			if (one.idle_horizon.horizon_ms >= r.idle_horizon.horizon_ms)
				r.idle_horizon = one.idle_horizon;
		}
		std::sort(seconds.begin(), seconds.end());
		r.prune_seconds = seconds[seconds.size() / 2];
		r.idle = pooled(idle);
		r.during = pooled(during);
		foreground_results.push_back(std::move(r));
	}
	const LatencyWindow noise_first = pooled(all_idle_first), noise_second = pooled(all_idle_second);
	const double total_seconds = seconds_between(started, Clock::now());

	// ---- the report
	Report report;
	report.heading("retention prune benchmark (issue 5), " + now_utc(), 1);
	report.bullet("Command: `" + (options.command.empty() ? std::string("retention_bench") : options.command) + "`");
	if (!options.tree.empty())
		report.bullet("Source tree: " + options.tree);
	std::string cpu = read_first_line("/proc/cpuinfo", "model name");
	cpu = cpu.empty() ? "" : " (" + cpu.substr(cpu.find(':') + 2) + ")";
	std::string memory = read_first_line("/proc/meminfo", "MemTotal:");
	double memory_gib = memory.empty() ? 0 : std::stod(memory.substr(9)) / 1024.0 / 1024.0;
	report.bullet("Machine: " + std::to_string(std::thread::hardware_concurrency()) + " CPUs" + cpu + ", " +
	              fixed(memory_gib, 1) + " GiB RAM; " + version);
	report.bullet("Load average (1/5/15 min) at start " + load_at_start + ", at end " + load_average() +
	              ": the CPUs are shared with other work, so expect noise; min–max shows the spread");
	report.bullet("Server settings: " + server_settings);
	report.bullet(warm_worker ? "Runs served by the warm run worker of the benchmark's database (it waited, "
	                            "connected, when the benchmark began)"
	                          : "No warm run worker in the benchmark's database: every run started a worker of its "
	                            "own");
	report.bullet("Benchmark time: " + fixed(total_seconds / 60, 1) + " min" +
	              (options.quick ? " (--quick: every case at 1/20 of its size)" : ""));
	report.end_list();
	report.paragraph(
	    "Each contender prunes its own freshly built identical table (rows in time order, id bigint primary key, "
	    "created_at timestamptz, ~100-byte text payload; VACUUM ANALYZE after loading; CHECKPOINT before each "
	    "prune); contenders alternate within a repetition; figures are medians over the repetitions. rows/s = "
	    "expired rows / seconds; × DELETE = rows/s over the single DELETE's. Longest txn: client-side "
	    "BEGIN..COMMIT for the SQL contenders; for retention.run() the run worker's transaction age, sampled "
	    "every 20 ms from pg_stat_activity (so up to 20 ms short), unless retention.runs has longest_batch_ms. "
	    "WAL B/row: pg_current_wal_insert_lsn() difference over the prune (full-page images after the "
	    "checkpoint included) / expired rows. Dead tuples: pg_stat_user_tables.n_dead_tup after the prune, with "
	    "autovacuum off during the benchmark so nothing removes them; fewer means the contender pruned pages "
	    "itself as it went.");

	for (const CaseResult &result : results) {
		const Shape &shape = result.spec.shape;
		report.heading(result.spec.name, 2);
		report.paragraph(grouped(shape.rows) + " rows, " + grouped(shape.expired) + " expired; " + result.spec.note +
		                 "; " + std::to_string(result.spec.reps) + " rep" + (result.spec.reps == 1 ? "" : "s") +
		                 "; table build " + fixed(result.build_seconds, 1) + " s on average (not timed).");
		report.grid(case_grid(result));
		for (const std::string &problem : result.problems)
			report.bullet("problem: " + problem);
		if (!result.problems.empty())
			report.end_list();
	}

	// Scaling: 10x the expired rows, through the index and through the heap.
	struct ScalingPair {
		const char *small, *large, *path;
	};
	std::map<std::string, std::map<Contender, double>> scaling; // by the large case's name
	for (const ScalingPair pair : {ScalingPair{"scale_1m", "scale_10m", "index"},
	                               ScalingPair{"noindex_1m", "noindex_10m", "no index: blocks"}}) {
		const CaseResult *small = nullptr, *large = nullptr;
		for (const CaseResult &result : results) {
			if (result.spec.name == pair.small)
				small = &result;
			if (result.spec.name == pair.large)
				large = &result;
		}
		if (!small || !large)
			continue;
		report.heading(std::string("Scaling (") + pair.small + " → " + pair.large + ", " + pair.path + ")", 2);
		const double factor = double(large->spec.shape.expired) / double(small->spec.shape.expired);
		for (Contender contender : {Contender::run, Contender::delete_all})
			if (small->summaries.count(contender) && large->summaries.count(contender)) {
				double &ratio = scaling[pair.large][contender];
				ratio = large->summaries.at(contender).seconds / small->summaries.at(contender).seconds;
				report.bullet(label(contender) + ": " + fixed(factor, 0) + "× the expired rows took " +
				              fixed(ratio, 2) + "× the time (" + fixed(small->summaries.at(contender).seconds, 2) +
				              " s → " + fixed(large->summaries.at(contender).seconds, 2) + " s)");
			}
		report.end_list();
	}

	if (fixed_cost.calls > 0) {
		report.heading("Fixed cost of a run", 2);
		report.paragraph(
		    "retention.run() on a 1,000-row indexed table with nothing expired, " + std::to_string(fixed_cost.calls) +
		    " calls alternating with a DELETE that finds nothing: median " + fixed(fixed_cost.run_ms, 1) + " ms (" +
		    fixed(fixed_cost.run_min_ms, 1) + "–" + fixed(fixed_cost.run_max_ms, 1) + " ms) against " +
		    fixed(fixed_cost.delete_ms, 2) +
		    " ms. Every run pays it on top of its batches: the request is handed to the warm run worker (or a "
		    "run worker is started and connects), which takes the run lock, writes its run row, plans and "
		    "completes the row.");
	}

	if (run_foreground) {
		report.heading("Foreground impact (dense_indexed shape)", 2);
		report.paragraph(
		    std::to_string(options.foreground.clients) + " client threads, each on its own connection, " +
		    (options.foreground.rate_per_client > 0
		         ? "paced at " + fixed(options.foreground.rate_per_client, 0) + " operations/s each"
		         : std::string("unpaced")) +
		    ", rotate INSERT of a new row, UPDATE of a random row among the newest 100,000, and SELECT of the 20 "
		    "newest rows (index on created_at), each autocommit; latency = the statement's round trip. For each "
		    "contender, on a freshly built table: 1 s warm-up, an idle baseline about as long as the contender's "
		    "prune in dense_indexed (clamped to " +
		    fixed(min_window, 0) + "–" + fixed(max_window, 0) +
		    " s), then the prune with the clients still running. Horizon held: the oldest transaction of the "
		    "database holding an xid or xmin (pg_stat_activity, sampled every 20 ms, the poller and the clients "
		    "left out), i.e. how long vacuum could not remove rows dead since it began. The clients are paced, so \"× idle\" "
		    "stays near 1 unless they fall behind. " + std::to_string(fg_reps) +
		    " repetition(s), contenders alternating; each contender's repetitions are pooled: ops/s and p50/p99 "
		    "over every operation of every repetition (\"ops in prune\" samples), prune s the median, horizon the "
		    "longest. CALL retention.prune() is the same run as retention.run() with a caller that holds no "
		    "snapshot while it waits.");
		Grid grid;
		grid.headers = {"contender",   "prune s",  "idle ops/s", "ops/s during", "× idle",      "idle p50 ms",
		                "p50 ms",      "idle p99 ms", "p99 ms",   "p99 × idle",   "ops in prune", "errors",
		                "horizon held ms", "held by"};
		for (const ForegroundResult &r : foreground_results)
			grid.rows.push_back(
			    {label(r.contender), fixed(r.prune_seconds, 2), fixed(r.idle.ops_per_second, 0),
			     fixed(r.during.ops_per_second, 0),
			     r.idle.ops_per_second > 0 ? fixed(r.during.ops_per_second / r.idle.ops_per_second, 2) : "-",
			     fixed(r.idle.p50_ms, 2), fixed(r.during.p50_ms, 2), fixed(r.idle.p99_ms, 2), fixed(r.during.p99_ms, 2),
			     r.idle.p99_ms > 0 ? fixed(r.during.p99_ms / r.idle.p99_ms, 2) : "-", grouped(r.during.ops),
			     std::to_string(r.idle.errors + r.during.errors), fixed(r.prune_horizon.horizon_ms, 0),
			     holder(r.prune_horizon.horizon_by, r.contender)});
		report.grid(grid);
		report.paragraph("p99 by statement, idle → during the prune (ms), the same operations as above:");
		Grid statements;
		statements.headers = {"contender", "INSERT", "UPDATE", "SELECT"};
		for (const ForegroundResult &r : foreground_results) {
			std::vector<std::string> row{label(r.contender)};
			for (size_t i = 0; i < 3; i++)
				row.push_back(fixed(r.idle.statement_p99_ms[i], 2) + " → " + fixed(r.during.statement_p99_ms[i], 2) +
				              (r.idle.statement_p99_ms[i] > 0
				                   ? " (" + fixed(r.during.statement_p99_ms[i] / r.idle.statement_p99_ms[i], 2) + "×)"
				                   : std::string()));
			statements.rows.push_back(row);
		}
		report.grid(statements);
		double idle_horizon = 0;
		for (const ForegroundResult &r : foreground_results)
			idle_horizon = std::max(idle_horizon, r.idle_horizon.horizon_ms);
		report.paragraph("During the idle baselines the oldest such transaction was " + fixed(idle_horizon, 0) +
		                 " ms old.");
		if (noise_first.ops > 0 && noise_first.p99_ms > 0)
			report.paragraph("Noise floor, with nothing pruning: the second half of every idle baseline against its "
			                 "first half (" + grouped(noise_first.ops) + " and " + grouped(noise_second.ops) +
			                 " operations): p50 " + fixed(noise_first.p50_ms, 2) + " → " +
			                 fixed(noise_second.p50_ms, 2) + " ms, p99 " + fixed(noise_first.p99_ms, 2) + " → " +
			                 fixed(noise_second.p99_ms, 2) + " ms (" +
			                 fixed(noise_second.p99_ms / noise_first.p99_ms, 2) + "×).");
		for (const std::string &problem : foreground_problems)
			report.bullet("problem: " + problem);
		if (!foreground_problems.empty())
			report.end_list();
	}

	// Targets of issue 5, as far as this run measured them.
	Grid targets;
	targets.headers = {"target", "measured", "met"};
	auto ratio_in = [&](const std::string &name, Contender a, Contender b, double &out) {
		for (const CaseResult &result : results)
			if (result.spec.name == name && result.summaries.count(a) && result.summaries.count(b) &&
			    result.summaries.at(b).rows_per_second > 0) {
				out = result.summaries.at(a).rows_per_second / result.summaries.at(b).rows_per_second;
				return true;
			}
		return false;
	};
	auto verdict = [](bool met) { return std::string(met ? "yes" : "NO"); };
	double ratio = 0;
	if (ratio_in("dense_indexed", Contender::run, Contender::delete_all, ratio)) {
		const Summary *run = nullptr;
		for (const CaseResult &result : results)
			if (result.spec.name == "dense_indexed")
				run = &result.summaries.at(Contender::run);
		targets.rows.push_back({"dense_indexed: ≥ 0.9× DELETE", fixed(ratio, 2) + "×", verdict(ratio >= 0.9)});
		targets.rows.push_back({"dense_indexed: no batch transaction over 250 ms (" + run->longest_source + ")",
		                        fixed(run->longest_ms, 0) + " ms", verdict(run->longest_ms <= 250)});
		if (run->longest_source != "polled")
			targets.rows.push_back({"dense_indexed: no run-worker transaction of any kind over 250 ms (polled)",
			                        fixed(run->polled_worker_ms, 0) + " ms", verdict(run->polled_worker_ms <= 250)});
	}
	if (ratio_in("dense_noindex", Contender::run, Contender::delete_all, ratio))
		targets.rows.push_back({"dense_noindex: ≥ 0.8× DELETE", fixed(ratio, 2) + "×", verdict(ratio >= 0.8)});
	if (ratio_in("sparse_indexed", Contender::run, Contender::delete_all, ratio))
		targets.rows.push_back({"sparse_indexed: ≥ 0.8× DELETE", fixed(ratio, 2) + "×", verdict(ratio >= 0.8)});
	if (scaling["scale_10m"].count(Contender::run)) {
		const double ratio = scaling["scale_10m"][Contender::run];
		targets.rows.push_back({"10× the expired rows → ≤ 11× the time", fixed(ratio, 2) + "×", verdict(ratio <= 11)});
	}
	if (scaling["noindex_10m"].count(Contender::run)) {
		const double ratio = scaling["noindex_10m"][Contender::run];
		targets.rows.push_back({"dense_noindex: total time linear in table size (10× the table → ≤ 11× the time)",
		                        fixed(ratio, 2) + "×", verdict(ratio <= 11)});
	}
	for (const std::string name : {"dense_indexed", "dense_noindex", "sparse_indexed", "partitioned"})
		if (ratio_in(name, Contender::run, Contender::cte, ratio))
			targets.rows.push_back({std::string(name) + ": ≥ 3× seed 004's CTE batches", fixed(ratio, 2) + "×",
			                        verdict(ratio >= 3)});
	for (const ForegroundResult &r : foreground_results)
		if ((r.contender == Contender::run || r.contender == Contender::prune_call) && r.idle.ops_per_second > 0 &&
		    r.idle.p99_ms > 0) {
			const std::string who = r.contender == Contender::run ? "run()" : "CALL prune()";
			const double throughput = r.during.ops_per_second / r.idle.ops_per_second;
			const double p99 = r.during.p99_ms / r.idle.p99_ms;
			targets.rows.push_back({"foreground during " + who + ": throughput ≥ 0.9× idle",
			                        fixed(throughput, 2) + "×", verdict(throughput >= 0.9)});
			targets.rows.push_back(
			    {"foreground during " + who + ": p99 ≤ 1.5× idle", fixed(p99, 2) + "×", verdict(p99 <= 1.5)});
		}
	if (!targets.rows.empty()) {
		report.heading("Targets of issue 5 (this run)", 2);
		report.grid(targets);
	}

	std::cout << report.text << std::flush;
	if (!options.markdown.empty()) {
		std::ofstream out(options.markdown);
		out << report.markdown;
		if (!out)
			std::cerr << "retention_bench: could not write " << options.markdown << "\n";
	}

	bool failed = !foreground_problems.empty();
	for (const CaseResult &result : results)
		failed = failed || !result.problems.empty();
	return failed ? 1 : 0;
}

} // namespace
} // namespace bench

int main(int argc, char **argv) {
	try {
		return bench::main_checked(argc, argv);
	} catch (const std::exception &error) {
		std::cerr << "retention_bench: " << error.what() << "\n";
		return 1;
	}
}
