// A lint for SQL text the extension writes: every function call and every
// operator must be schema-qualified (pg_catalog.count(*), OPERATOR(pg_catalog.=)),
// so no schema on anyone's search_path can supply its own in their place.
// Test code only: a reader of SQL tokens, not a parser.
#pragma once

#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace retention::test {

// What in sql is not qualified: "operator <" or "function count", one per finding.
inline std::vector<std::string> unqualified_names(std::string_view sql)
{
	// Words that are followed by "(" without being function calls.
	static const std::set<std::string> keywords = {
	    "all",    "and",     "any",    "array",  "as",       "by",      "case",   "cast",     "coalesce", "delete",
	    "distinct", "else",  "end",    "exists", "filter",   "from",    "greatest", "group", "having",   "in",
	    "insert", "into",    "is",     "join",   "lateral",  "least",   "limit",  "not",      "nullif",   "offset",
	    "on",     "or",      "order",  "over",   "returning", "row",    "select", "set",      "some",     "then",
	    "update", "using",   "values", "when",   "where",    "with",    "ordinality", "operator", "only", "by",
	    "returns", "table",  "union",  "except", "intersect", "conflict", "do",    "nothing",  "for",      "skip",
	    "locked", "share",   "nowait", "interval"};
	std::vector<std::string> findings;
	std::size_t i = 0;
	// UPDATE ... SET a = x, b = y: those "=" assign, they compare nothing.
	bool in_set_list = false;
	int depth = 0;
	std::string previous_word; // the last word, or "," when a comma came after it
	auto lower = [](std::string word) {
		for (char &c : word)
			c = char(std::tolower(static_cast<unsigned char>(c)));
		return word;
	};
	while (i < sql.size()) {
		char c = sql[i];
		if (c == '\'' || c == '"') { // literals and quoted identifiers
			std::size_t end = i + 1;
			while (end < sql.size() && !(sql[end] == c && (end + 1 >= sql.size() || sql[end + 1] != c)))
				end += sql[end] == c ? 2 : 1;
			i = end + 1;
			continue;
		}
		if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
			std::size_t start = i;
			while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$'))
				++i;
			std::string word = lower(std::string(sql.substr(start, i - start)));
			if (word == "set")
				in_set_list = true, depth = 0;
			else if (word == "where" || word == "from" || word == "returning")
				in_set_list = false;
			bool qualified = start > 0 && sql[start - 1] == '.';
			std::size_t next = i;
			while (next < sql.size() && std::isspace(static_cast<unsigned char>(sql[next])))
				++next;
			if (word == "operator" && next < sql.size() && sql[next] == '(') {
				std::size_t close = sql.find(')', next);
				std::string_view inside = sql.substr(next + 1, close - next - 1);
				if (inside.find('.') == std::string_view::npos)
					findings.push_back("operator " + std::string(inside));
				i = close == std::string_view::npos ? sql.size() : close + 1;
				continue;
			}
			// Words that compare with an operator looked up by its bare name.
			static const std::set<std::string> implicit_operators = {"between", "like", "ilike", "similar", "nullif"};
			if (implicit_operators.count(word) || (word == "in" && next < sql.size() && sql[next] == '('))
				findings.push_back("implicit operator of " + word);
			else if (next < sql.size() && sql[next] == '(' && !qualified && !keywords.count(word) &&
			         previous_word != "ordinality" && previous_word != "as") // not an alias's column list
				findings.push_back("function " + word);
			// An assignment of the SET list: its "=" is skipped.
			if (in_set_list && depth == 0 && (previous_word == "set" || previous_word == ",") && next < sql.size() &&
			    sql[next] == '=' && (next + 1 >= sql.size() || sql[next + 1] != '>'))
				i = next + 1;
			previous_word = word;
			continue;
		}
		if (c == '(' || c == ')') {
			depth += c == '(' ? 1 : -1;
			++i;
			continue;
		}
		if (c == ',') {
			if (depth == 0)
				previous_word = ",";
			++i;
			continue;
		}
		if (c == '=' && i + 1 < sql.size() && sql[i + 1] == '>') { // a named argument
			i += 2;
			continue;
		}
		if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') { // a cast
			i += 2;
			continue;
		}
		if (c == '*' && ((i > 0 && (sql[i - 1] == '(' || sql[i - 1] == '.')) ||
		                 (i + 1 < sql.size() && sql[i + 1] == ')'))) { // count(*), t.*
			++i;
			continue;
		}
		if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') { // a comment
			while (i < sql.size() && sql[i] != '\n')
				++i;
			continue;
		}
		static const std::string operator_chars = "+-*/<>=~!@#%^&|`?";
		if (operator_chars.find(c) != std::string::npos) {
			std::size_t start = i;
			while (i < sql.size() && operator_chars.find(sql[i]) != std::string::npos)
				++i;
			findings.push_back("operator " + std::string(sql.substr(start, i - start)));
			continue;
		}
		++i;
	}
	return findings;
}

} // namespace retention::test
