// Every SQL statement the server-side code writes as a literal qualifies
// every function and operator it calls (the lint of sql_lint.hpp). The
// sources are read from RETENTION_SOURCE_DIR (set by CMake): a statement
// added later without qualification fails here.
#include "sql_lint.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Statement {
	std::string file;
	std::string text;
};

// Adjacent string literals (C++ concatenates them) that start like a
// statement: SELECT, INSERT, UPDATE, DELETE, WITH.
std::vector<Statement> statements_in(const std::filesystem::path &path)
{
	std::ifstream in(path);
	std::stringstream buffer;
	buffer << in.rdbuf();
	const std::string source = buffer.str();
	std::vector<Statement> found;
	std::string run;
	bool in_run = false;
	auto finish = [&] {
		std::size_t start = run.find_first_not_of(" \t\n");
		std::string head = start == std::string::npos ? "" : run.substr(start, 6);
		for (char &c : head)
			c = char(std::toupper(static_cast<unsigned char>(c)));
		for (const char *keyword : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})
			if (head.rfind(keyword, 0) == 0)
				found.push_back(Statement{path.filename().string(), run});
		run.clear();
		in_run = false;
	};
	for (std::size_t i = 0; i < source.size();) {
		if (source.compare(i, 2, "//") == 0) {
			i = source.find('\n', i);
			continue;
		}
		if (source.compare(i, 2, "/*") == 0) {
			i = source.find("*/", i) + 2;
			continue;
		}
		if (source[i] == '\'') { // a character literal
			i += source[i + 1] == '\\' ? 4 : 3;
			continue;
		}
		if (source[i] == '"') {
			std::size_t j = i + 1;
			std::string literal;
			while (j < source.size() && source[j] != '"') {
				if (source[j] == '\\' && j + 1 < source.size()) {
					literal += source[j + 1] == 'n' ? '\n' : source[j + 1];
					j += 2;
				} else {
					literal += source[j++];
				}
			}
			run += literal;
			in_run = true;
			i = j + 1;
			continue;
		}
		if (in_run && !std::isspace(static_cast<unsigned char>(source[i])))
			finish();
		++i;
	}
	if (in_run)
		finish();
	return found;
}

TEST(InternalSql, EveryStatementQualifiesItsFunctionsAndOperators)
{
	std::size_t checked = 0;
	for (const auto &entry : std::filesystem::recursive_directory_iterator(RETENTION_SOURCE_DIR)) {
		if (entry.path().extension() != ".cpp")
			continue;
		for (const Statement &statement : statements_in(entry.path())) {
			++checked;
			std::vector<std::string> findings = retention::test::unqualified_names(statement.text);
			EXPECT_TRUE(findings.empty()) << statement.file << ": " << (findings.empty() ? "" : findings.front())
			                              << " in:\n" << statement.text;
		}
	}
	EXPECT_GE(checked, 15u) << "the scan found too few statements: is RETENTION_SOURCE_DIR right?";
}

TEST(InternalSql, AssignmentsAndNamedArgumentsAreNotComparisons)
{
	using retention::test::unqualified_names;
	EXPECT_TRUE(unqualified_names("UPDATE t SET a = $1, b = pg_catalog.greatest(b, $2) WHERE id OPERATOR(pg_catalog.=) $3")
	                .empty());
	EXPECT_TRUE(unqualified_names("SELECT pg_catalog.make_interval(mins => $1)").empty());
	EXPECT_EQ(unqualified_names("UPDATE t SET a = b + 1 WHERE id = $1"),
	          (std::vector<std::string>{"operator +", "operator ="}));
}

} // namespace
