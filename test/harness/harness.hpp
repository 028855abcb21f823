// The libpqxx test harness of retention: a registry of named checks, each run
// in a fresh database of its own, plus the assertions the checks use.
//
// A check is a function taking a pqxx::connection& to its fresh database
// (where `CREATE EXTENSION retention` has already run, as the connecting
// role, a superuser). It fails by throwing: harness::failure through the
// expect* helpers below, or any other exception (a pqxx error, say). Checks
// that need more connections (threads, several roles) open them with
// harness::connect_to(conn), never sharing one connection across threads.
//
// Add a check anywhere in test/harness/*.cpp:
//
//     RETENTION_CHECK(my_check_name) {
//         pqxx::work tx{conn};
//         harness::expect_eq(tx.exec1("SELECT 1")[0].as<int>(), 1, "one");
//     }
//
// Connection parameters come from libpq's environment (PGHOST, PGPORT, PGUSER).
#pragma once

#include <pqxx/pqxx>

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

using CheckFunction = std::function<void(pqxx::connection &)>;

struct Check {
	std::string name;
	CheckFunction run;
};

// Every registered check, in registration order within a file.
std::vector<Check> &registry();

struct Registrar {
	Registrar(const char *name, CheckFunction run);
};

// A check's assertion did not hold; what() is the reason.
class failure : public std::runtime_error {
  public:
	using std::runtime_error::runtime_error;
};

inline void expect(bool condition, const std::string &reason) {
	if (!condition)
		throw failure(reason);
}

template <typename T> std::string show(const T &value) {
	std::ostringstream out;
	out << value;
	return out.str();
}
inline std::string show(const std::string &value) {
	std::string shown = "\"";
	for (char c : value)
		shown += c == '\n' ? std::string("\\n") : std::string(1, c);
	return shown + "\"";
}
inline std::string show(const char *value) { return show(std::string(value)); }

template <typename A, typename E> void expect_eq(const A &actual, const E &expected, const std::string &what) {
	if (!(actual == expected))
		throw failure(what + ": expected " + show(expected) + ", got " + show(actual));
}

// Runs body, which must fail with a pqxx::sql_error of the given SQLSTATE
// whose message contains every one of the given fragments. Returns the message.
std::string expect_sql_error(const std::function<void()> &body, const std::string &sqlstate,
                             const std::vector<std::string> &message_contains, const std::string &what);

// A new connection to the same database as conn (other parameters from the
// environment). Each thread must use its own.
std::string connection_string_for(const std::string &database);
pqxx::connection connect_to(pqxx::connection &conn);

// text without trailing newlines and spaces (libpq messages end in "\n").
std::string trimmed(std::string text);

// Runs body(index, connection) on `threads` threads at once, each with a new
// connection of its own to conn's database: all threads connect first, then
// start together. Returns one message per thread that failed (connecting or
// by an exception out of body), empty if none did.
using ParallelBody = std::function<void(int index, pqxx::connection &own)>;
std::vector<std::string> run_parallel(pqxx::connection &conn, int threads, const ParallelBody &body);

// A single value of a query run in its own transaction.
template <typename T> T query_value(pqxx::connection &conn, const std::string &sql) {
	pqxx::nontransaction tx{conn};
	return tx.exec1(sql)[0].as<T>();
}

// The whole result of a query, rows separated by newlines and fields by '|',
// NULL shown as "<null>": handy to compare a table before and after.
std::string query_text(pqxx::connection &conn, const std::string &sql);

} // namespace harness

#define RETENTION_CHECK_CONCAT2(a, b) a##b
#define RETENTION_CHECK_CONCAT(a, b) RETENTION_CHECK_CONCAT2(a, b)
#define RETENTION_CHECK(check_name)                                                                                   \
	static void RETENTION_CHECK_CONCAT(check_, check_name)(pqxx::connection & conn);                                  \
	static const ::harness::Registrar RETENTION_CHECK_CONCAT(registrar_, check_name){                                 \
	    #check_name, RETENTION_CHECK_CONCAT(check_, check_name)};                                                     \
	static void RETENTION_CHECK_CONCAT(check_, check_name)(pqxx::connection & conn)
