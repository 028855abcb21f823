#include "prune/plan/run_order.hpp"

#include <algorithm>
#include <functional>
#include <queue>

namespace retention::prune::plan {

namespace {

using Edges = std::vector<std::pair<std::size_t, std::size_t>>;

struct Graph {
	std::vector<std::vector<std::size_t>> parents;   // parents[child]: nodes that must come after child
	std::vector<std::vector<std::size_t>> children;  // children[parent]: nodes that must come before parent
};

// Drops self-edges, out-of-range indices and duplicates, so every remaining
// edge is counted exactly once when children are ticked off.
Graph build_graph(std::size_t n, const Edges &edges)
{
	Edges kept;
	kept.reserve(edges.size());
	for (const auto &[child, parent] : edges)
		if (child < n && parent < n && child != parent)
			kept.emplace_back(child, parent);
	std::sort(kept.begin(), kept.end());
	kept.erase(std::unique(kept.begin(), kept.end()), kept.end());

	Graph graph{std::vector<std::vector<std::size_t>>(n), std::vector<std::vector<std::size_t>>(n)};
	for (const auto &[child, parent] : kept) {
		graph.parents[child].push_back(parent);
		graph.children[parent].push_back(child);
	}
	return graph;
}

// Strongly connected components of the nodes not yet emitted, following
// child edges (iterative Tarjan, so long chains cannot overflow the stack).
// Returns the component id of every remaining node.
std::vector<std::size_t> components(const Graph &graph, const std::vector<bool> &emitted)
{
	const std::size_t n = emitted.size();
	constexpr std::size_t kUnvisited = static_cast<std::size_t>(-1);
	std::vector<std::size_t> index(n, kUnvisited), low(n, 0), component(n, kUnvisited);
	std::vector<bool> on_stack(n, false);
	std::vector<std::size_t> stack;
	std::vector<std::pair<std::size_t, std::size_t>> frames;  // (node, next child position)
	std::size_t next_index = 0, next_component = 0;

	for (std::size_t root = 0; root < n; ++root) {
		if (emitted[root] || index[root] != kUnvisited)
			continue;
		frames.emplace_back(root, 0);
		index[root] = low[root] = next_index++;
		stack.push_back(root);
		on_stack[root] = true;
		while (!frames.empty()) {
			auto &[node, position] = frames.back();
			const auto &kids = graph.children[node];
			if (position < kids.size()) {
				const std::size_t kid = kids[position++];
				if (emitted[kid])
					continue;
				if (index[kid] == kUnvisited) {
					index[kid] = low[kid] = next_index++;
					stack.push_back(kid);
					on_stack[kid] = true;
					frames.emplace_back(kid, 0);
				} else if (on_stack[kid]) {
					low[node] = std::min(low[node], index[kid]);
				}
				continue;
			}
			const std::size_t done = node;
			frames.pop_back();
			if (!frames.empty())
				low[frames.back().first] = std::min(low[frames.back().first], low[done]);
			if (low[done] == index[done]) {
				std::size_t member;
				do {
					member = stack.back();
					stack.pop_back();
					on_stack[member] = false;
					component[member] = next_component;
				} while (member != done);
				++next_component;
			}
		}
	}
	return component;
}

// When nothing is ready, the blocking cycles are the components that wait on
// no other component: every remaining child of their members is inside the
// component itself. Breaking one of those (never a node that merely waits on
// a cycle) keeps every ordering that is not itself part of a cycle.
std::size_t cycle_breaker(const std::vector<std::string> &names, const Graph &graph, const std::vector<bool> &emitted)
{
	const std::size_t n = names.size();
	const std::vector<std::size_t> component = components(graph, emitted);
	std::vector<bool> waits_outside(n, false);  // indexed by component id
	for (std::size_t node = 0; node < n; ++node) {
		if (emitted[node])
			continue;
		for (std::size_t kid : graph.children[node])
			if (!emitted[kid] && component[kid] != component[node])
				waits_outside[component[node]] = true;
	}
	std::size_t best = n;
	for (std::size_t node = 0; node < n; ++node) {
		if (emitted[node] || waits_outside[component[node]])
			continue;
		if (best == n || names[node] < names[best])
			best = node;
	}
	return best;
}

} // namespace

std::vector<std::size_t> children_first(const std::vector<std::string> &names, const Edges &child_parent_edges)
{
	const std::size_t n = names.size();
	const Graph graph = build_graph(n, child_parent_edges);

	std::vector<std::size_t> waiting(n);  // children not yet emitted
	for (std::size_t node = 0; node < n; ++node)
		waiting[node] = graph.children[node].size();

	// Smallest name first; equal names by index, so the order is deterministic.
	auto later = [&names](std::size_t a, std::size_t b) { return names[a] != names[b] ? names[a] > names[b] : a > b; };
	std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
	for (std::size_t node = 0; node < n; ++node)
		if (waiting[node] == 0)
			ready.push(node);

	std::vector<std::size_t> order;
	order.reserve(n);
	std::vector<bool> emitted(n, false);
	while (order.size() < n) {
		std::size_t node;
		if (!ready.empty()) {
			node = ready.top();
			ready.pop();
		} else {
			node = cycle_breaker(names, graph, emitted);
		}
		emitted[node] = true;
		order.push_back(node);
		for (std::size_t parent : graph.parents[node])
			if (!emitted[parent] && --waiting[parent] == 0)
				ready.push(parent);
	}
	return order;
}

} // namespace retention::prune::plan
