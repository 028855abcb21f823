#include <string>
#include <utility>
#include <vector>

#include "prune/plan/run_order.hpp"
#include "prune/policy_order.hpp"
#include "border/spi.hpp"

namespace retention::prune {

namespace {

// The C++ ordering runs over plain copies; no PostgreSQL call happens while
// the vectors live.
bool sort_children_first(int count, char **names, int edge_count, const int *edges, int *order) noexcept {
	try {
		std::vector<std::string> policy_names(names, names + count);
		std::vector<std::pair<std::size_t, std::size_t>> child_parent;
		for (int e = 0; e < edge_count; e++)
			child_parent.emplace_back(std::size_t(edges[2 * e]), std::size_t(edges[2 * e + 1]));
		std::vector<std::size_t> sorted = plan::children_first(policy_names, child_parent);
		for (std::size_t i = 0; i < sorted.size() && i < std::size_t(count); i++)
			order[i] = int(sorted[i]);
		return sorted.size() == std::size_t(count);
	} catch (...) {
		return false;
	}
}

int index_of(char **names, int count, const char *name) {
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

} // namespace

int policy_edges(char **names, int count, int **edges_out) {
	border::spi_run("SELECT DISTINCT child.name, parent.name "
	                "FROM retention.policies child "
	                "JOIN pg_catalog.pg_constraint c ON c.contype OPERATOR(pg_catalog.=) 'f' "
	                " AND c.conrelid OPERATOR(pg_catalog.=) child.relation::pg_catalog.oid "
	                "JOIN retention.policies parent ON parent.relation::pg_catalog.oid OPERATOR(pg_catalog.=) c.confrelid "
	                "WHERE child.name OPERATOR(pg_catalog.<>) parent.name",
	                0, nullptr, nullptr, nullptr, SPI_OK_SELECT, true);
	int edge_count = 0;
	int *edges = static_cast<int *>(palloc(sizeof(int) * 2 * Max(int(SPI_processed), 1)));
	for (uint64 row = 0; row < SPI_processed; row++) {
		int child = index_of(names, count, SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1));
		int parent = index_of(names, count, SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 2));
		if (child >= 0 && parent >= 0) {
			edges[2 * edge_count] = child;
			edges[2 * edge_count + 1] = parent;
			edge_count++;
		}
	}
	*edges_out = edges;
	return edge_count;
}

int *order_children_first(char **names, int count) {
	int *edges = nullptr;
	int edge_count = policy_edges(names, count, &edges);
	// Outlives SPI_finish: allocated in the caller's context.
	int *order = static_cast<int *>(SPI_palloc(sizeof(int) * Max(count, 1)));
	if (!sort_children_first(count, names, edge_count, edges, order))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory ordering retention policies")));
	return order;
}

} // namespace retention::prune
