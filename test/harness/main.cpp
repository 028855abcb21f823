// The harness runner: runs every registered check (or those whose name
// contains one of the command-line arguments) in a fresh database, prints
// "ok NAME" or "FAIL NAME: reason" for each, and ends with the line
// "N passed, N failed". Exits 1 if anything failed.
//
//   retention_harness [--list] [--keep] [NAME-FRAGMENT...]
//     --list   print the check names and exit
//     --keep   keep the database of a failed check for inspection
#include "harness.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>

namespace harness {

std::vector<Check> &registry() {
	static std::vector<Check> checks;
	return checks;
}

Registrar::Registrar(const char *name, CheckFunction run) { registry().push_back(Check{name, std::move(run)}); }

std::string trimmed(std::string text) {
	while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
		text.pop_back();
	return text;
}

std::string expect_sql_error(const std::function<void()> &body, const std::string &sqlstate,
                             const std::vector<std::string> &message_contains, const std::string &what) {
	try {
		body();
	} catch (const pqxx::sql_error &error) {
		std::string message = trimmed(error.what());
		if (error.sqlstate() != sqlstate)
			throw failure(what + ": expected SQLSTATE " + sqlstate + ", got " + std::string(error.sqlstate()) + " (" + message +
			              ")");
		for (const std::string &fragment : message_contains)
			if (message.find(fragment) == std::string::npos)
				throw failure(what + ": error message does not mention \"" + fragment + "\": " + message);
		return message;
	}
	throw failure(what + ": expected an error with SQLSTATE " + sqlstate + ", but it succeeded");
}

std::string connection_string_for(const std::string &database) {
	// libpq connection strings quote values with single quotes, escaping ' and \.
	std::string quoted = "'";
	for (char c : database) {
		if (c == '\'' || c == '\\')
			quoted += '\\';
		quoted += c;
	}
	return "dbname=" + quoted + "'";
}

pqxx::connection connect_to(pqxx::connection &conn) { return pqxx::connection{connection_string_for(conn.dbname())}; }

std::vector<std::string> run_parallel(pqxx::connection &conn, int threads, const ParallelBody &body) {
	const std::string target = connection_string_for(conn.dbname());
	std::latch ready{threads};
	std::mutex errors_mutex;
	std::vector<std::string> errors;
	auto record = [&](int index, const std::string &message) {
		std::lock_guard<std::mutex> lock{errors_mutex};
		errors.push_back("thread " + std::to_string(index) + ": " + trimmed(message));
	};
	std::vector<std::thread> workers;
	for (int index = 0; index < threads; index++)
		workers.emplace_back([&, index] {
			std::optional<pqxx::connection> own;
			try {
				own.emplace(target);
			} catch (const std::exception &error) {
				record(index, std::string("cannot connect: ") + error.what());
			}
			ready.arrive_and_wait(); // also when connecting failed, so nobody waits forever
			if (!own)
				return;
			try {
				body(index, *own);
			} catch (const pqxx::sql_error &error) {
				record(index, "SQL error " + std::string(error.sqlstate()) + ": " + error.what());
			} catch (const std::exception &error) {
				record(index, error.what());
			} catch (...) {
				record(index, "non-standard exception");
			}
		});
	for (auto &worker : workers)
		worker.join();
	return errors;
}

std::string query_text(pqxx::connection &conn, const std::string &sql) {
	pqxx::nontransaction tx{conn};
	pqxx::result result = tx.exec(sql);
	std::string text;
	for (const auto &row : result) {
		for (pqxx::row::size_type i = 0; i < row.size(); i++) {
			if (i > 0)
				text += '|';
			text += row[i].is_null() ? "<null>" : row[i].c_str();
		}
		text += '\n';
	}
	return text;
}

} // namespace harness

namespace {

// Lowercase letters, digits and underscores only, so the name needs no quoting.
std::string database_name_for(const std::string &check) {
	std::string name = "retention_check_";
	for (char c : check)
		name += (std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_');
	name = name.substr(0, 50);
	return name + "_" + std::to_string(getpid());
}

void drop_database(pqxx::connection &admin, const std::string &database) {
	pqxx::nontransaction tx{admin};
	tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(database) + " WITH (FORCE)");
}

// Runs one check in a fresh database; returns the reason it failed, or "" if it passed.
std::string run_check(pqxx::connection &admin, const harness::Check &check, bool keep_failed) {
	const std::string database = database_name_for(check.name);
	std::string reason;
	try {
		drop_database(admin, database);
		{
			pqxx::nontransaction tx{admin};
			tx.exec0("CREATE DATABASE " + tx.quote_name(database));
		}
		pqxx::connection conn{harness::connection_string_for(database)};
		{
			pqxx::nontransaction tx{conn};
			tx.exec0("CREATE EXTENSION retention");
		}
		check.run(conn);
	} catch (const harness::failure &failure) {
		reason = failure.what();
	} catch (const pqxx::sql_error &error) {
		reason = "unexpected SQL error " + std::string(error.sqlstate()) + ": " + harness::trimmed(error.what());
		if (!error.query().empty())
			reason += "\n    query: " + harness::trimmed(std::string(error.query()));
	} catch (const std::exception &error) {
		reason = std::string("unexpected exception: ") + error.what();
	} catch (...) {
		reason = "unexpected non-standard exception";
	}
	reason = harness::trimmed(reason);
	if (reason.empty() || !keep_failed) {
		try {
			drop_database(admin, database);
		} catch (const std::exception &error) {
			if (reason.empty())
				reason = std::string("could not drop database ") + database + ": " + error.what();
		}
	} else {
		reason += "\n    (database " + database + " kept)";
	}
	return reason;
}

} // namespace

int main(int argc, char **argv) {
	bool list = false, keep_failed = false;
	std::vector<std::string> filters;
	for (int i = 1; i < argc; i++) {
		std::string arg = argv[i];
		if (arg == "--list")
			list = true;
		else if (arg == "--keep")
			keep_failed = true;
		else
			filters.push_back(arg);
	}

	std::vector<harness::Check> checks = harness::registry();
	std::stable_sort(checks.begin(), checks.end(),
	                 [](const harness::Check &a, const harness::Check &b) { return a.name < b.name; });
	if (!filters.empty())
		std::erase_if(checks, [&](const harness::Check &check) {
			return std::none_of(filters.begin(), filters.end(),
			                    [&](const std::string &f) { return check.name.find(f) != std::string::npos; });
		});
	if (list) {
		for (const auto &check : checks)
			std::cout << check.name << "\n";
		return 0;
	}

	int passed = 0, failed = 0;
	try {
		pqxx::connection admin{"dbname=postgres"};
		for (const auto &check : checks) {
			auto start = std::chrono::steady_clock::now();
			std::string reason = run_check(admin, check, keep_failed);
			auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
			              .count();
			if (reason.empty()) {
				passed++;
				std::cout << "ok   " << check.name << " (" << ms << " ms)" << std::endl;
			} else {
				failed++;
				std::cout << "FAIL " << check.name << ": " << reason << std::endl;
			}
		}
	} catch (const std::exception &error) {
		failed++;
		std::cout << "FAIL harness: " << harness::trimmed(error.what()) << std::endl;
	}
	if (checks.empty()) {
		failed++;
		std::cout << "FAIL harness: no checks selected" << std::endl;
	}
	std::cout << passed << " passed, " << failed << " failed" << std::endl;
	return failed == 0 ? 0 : 1;
}
