#include "prune/plan/run_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace retention::prune::plan {
namespace {

using Edges = std::vector<std::pair<std::size_t, std::size_t>>;

// The order as names, which reads better in failure messages.
std::vector<std::string> named_order(const std::vector<std::string> &names, const Edges &edges)
{
	std::vector<std::string> out;
	for (std::size_t index : children_first(names, edges))
		out.push_back(names.at(index));
	return out;
}

bool is_permutation_of_indices(const std::vector<std::size_t> &order, std::size_t n)
{
	std::vector<std::size_t> sorted = order;
	std::sort(sorted.begin(), sorted.end());
	for (std::size_t i = 0; i < sorted.size(); ++i)
		if (sorted[i] != i)
			return false;
	return sorted.size() == n;
}

TEST(RunOrder, EmptyInput)
{
	EXPECT_TRUE(children_first({}, {}).empty());
	// Edges that point nowhere are ignored.
	EXPECT_TRUE(children_first({}, {{0, 1}, {3, 2}}).empty());
}

TEST(RunOrder, ChainRunsChildrenFirst)
{
	// steps references runs, runs references projects.
	const std::vector<std::string> names{"projects", "runs", "steps"};
	EXPECT_EQ(named_order(names, {{2, 1}, {1, 0}}), (std::vector<std::string>{"steps", "runs", "projects"}));
	EXPECT_EQ(children_first(names, {{2, 1}, {1, 0}}), (std::vector<std::size_t>{2, 1, 0}));
}

TEST(RunOrder, Diamond)
{
	// d references b and c, both reference a.
	const std::vector<std::string> names{"a", "b", "c", "d"};
	EXPECT_EQ(named_order(names, {{3, 1}, {3, 2}, {1, 0}, {2, 0}}), (std::vector<std::string>{"d", "b", "c", "a"}));
}

TEST(RunOrder, IndependentNodesInNameOrder)
{
	const std::vector<std::string> names{"zeta", "alpha", "mu", "beta"};
	EXPECT_EQ(named_order(names, {}), (std::vector<std::string>{"alpha", "beta", "mu", "zeta"}));
}

TEST(RunOrder, NamesBreakTiesAmongReadyNodes)
{
	// Once "z_child" is out, both its parent and an independent node are
	// ready; the smaller name goes first.
	const std::vector<std::string> names{"b_parent", "z_child", "c_free"};
	EXPECT_EQ(named_order(names, {{1, 0}}), (std::vector<std::string>{"c_free", "z_child", "b_parent"}));
}

TEST(RunOrder, EqualNamesStayDeterministic)
{
	const std::vector<std::string> names{"same", "same", "same"};
	EXPECT_EQ(children_first(names, {}), (std::vector<std::size_t>{0, 1, 2}));
	EXPECT_EQ(children_first(names, {{0, 2}}), (std::vector<std::size_t>{0, 1, 2}));
	EXPECT_EQ(children_first(names, {{2, 0}}), (std::vector<std::size_t>{1, 2, 0}));
}

TEST(RunOrder, SelfEdgeIgnored)
{
	const std::vector<std::string> names{"b", "a"};
	EXPECT_EQ(named_order(names, {{0, 0}}), (std::vector<std::string>{"a", "b"}));
	EXPECT_EQ(named_order(names, {{1, 1}, {0, 1}}), (std::vector<std::string>{"b", "a"}));
}

TEST(RunOrder, DuplicateAndOutOfRangeEdgesHarmless)
{
	const std::vector<std::string> names{"projects", "runs", "steps"};
	EXPECT_EQ(named_order(names, {{2, 1}, {2, 1}, {1, 0}, {1, 0}, {2, 1}, {7, 0}, {0, 9}}),
	          (std::vector<std::string>{"steps", "runs", "projects"}));
}

TEST(RunOrder, TwoCycleInNameOrder)
{
	const std::vector<std::string> names{"b", "a"};
	EXPECT_EQ(named_order(names, {{0, 1}, {1, 0}}), (std::vector<std::string>{"a", "b"}));
}

TEST(RunOrder, TwoCycleDoesNotPullItsParentForward)
{
	// "a" waits on b, a member of the cycle {b, c}; though a's name is the
	// smallest, breaking the cycle must not emit it before b.
	const std::vector<std::string> names{"a", "b", "c"};
	EXPECT_EQ(named_order(names, {{1, 2}, {2, 1}, {1, 0}}), (std::vector<std::string>{"b", "a", "c"}));
	// Waiting on both members, it comes after both.
	EXPECT_EQ(named_order(names, {{1, 2}, {2, 1}, {1, 0}, {2, 0}}), (std::vector<std::string>{"b", "c", "a"}));
}

TEST(RunOrder, ThreeCycleWithOutsideChild)
{
	// x -> p -> q -> r -> p (child before parent); x is outside the cycle.
	const std::vector<std::string> names{"r", "q", "p", "x"};
	const Edges edges{{3, 2}, {2, 1}, {1, 0}, {0, 2}};
	// x is ready first; then the cycle blocks and its smallest name, p, is
	// emitted; the rest follow the remaining edges p -> q -> r.
	EXPECT_EQ(named_order(names, edges), (std::vector<std::string>{"x", "p", "q", "r"}));
}

TEST(RunOrder, ThreeCycleKeepsItsRemainingEdges)
{
	// a -> c -> b -> a: after breaking at a, the edge c -> b still holds.
	const std::vector<std::string> names{"a", "b", "c"};
	EXPECT_EQ(named_order(names, {{0, 2}, {2, 1}, {1, 0}}), (std::vector<std::string>{"a", "c", "b"}));
}

TEST(RunOrder, CycleWaitingOnAnotherCycleComesLater)
{
	// y references c, so the cycle {y, z} must come before the cycle {c, d}
	// although c and d have smaller names.
	const std::vector<std::string> names{"c", "d", "y", "z"};
	const Edges edges{{0, 1}, {1, 0}, {2, 3}, {3, 2}, {2, 0}};
	EXPECT_EQ(named_order(names, edges), (std::vector<std::string>{"y", "z", "c", "d"}));
}

TEST(RunOrder, EveryIndexExactlyOnceUnderArbitraryEdges)
{
	std::vector<std::string> names;
	for (int i = 0; i < 40; ++i)
		names.push_back("p" + std::to_string((i * 17) % 40));
	Edges edges;
	// Deterministic pseudo-random edges, cycles included.
	unsigned state = 12345;
	for (int i = 0; i < 120; ++i) {
		state = state * 1103515245u + 12345u;
		const std::size_t child = (state >> 8) % 45;
		state = state * 1103515245u + 12345u;
		const std::size_t parent = (state >> 8) % 45;
		edges.emplace_back(child, parent);
	}
	EXPECT_TRUE(is_permutation_of_indices(children_first(names, edges), names.size()));
}

TEST(RunOrder, AcyclicEdgesAlwaysRespected)
{
	std::vector<std::string> names;
	for (int i = 0; i < 60; ++i)
		names.push_back("n" + std::to_string((i * 7) % 60));
	Edges edges;
	unsigned state = 777;
	for (int i = 0; i < 200; ++i) {
		state = state * 1103515245u + 12345u;
		std::size_t a = (state >> 8) % 60;
		state = state * 1103515245u + 12345u;
		std::size_t b = (state >> 8) % 60;
		if (a == b)
			continue;
		// Children always have the larger index: no cycles.
		edges.emplace_back(std::max(a, b), std::min(a, b));
	}
	const std::vector<std::size_t> order = children_first(names, edges);
	ASSERT_TRUE(is_permutation_of_indices(order, names.size()));
	std::vector<std::size_t> position(names.size());
	for (std::size_t i = 0; i < order.size(); ++i)
		position[order[i]] = i;
	for (const auto &[child, parent] : edges)
		EXPECT_LT(position[child], position[parent]) << names[child] << " before " << names[parent];
}

TEST(RunOrder, LongChainIsFast)
{
	// Node i references node i + 1, so the chain runs from the last index
	// down; names are chosen to disagree with that order.
	constexpr std::size_t kNodes = 1000;
	std::vector<std::string> names;
	Edges edges;
	for (std::size_t i = 0; i < kNodes; ++i) {
		names.push_back("policy_" + std::to_string(kNodes - i));
		if (i + 1 < kNodes)
			edges.emplace_back(i, i + 1);
	}
	const auto start = std::chrono::steady_clock::now();
	const std::vector<std::size_t> order = children_first(names, edges);
	const auto elapsed = std::chrono::steady_clock::now() - start;
	ASSERT_EQ(order.size(), kNodes);
	for (std::size_t i = 0; i < kNodes; ++i)
		EXPECT_EQ(order[i], i);
	EXPECT_LT(elapsed, std::chrono::milliseconds(200));
}

TEST(RunOrder, LongRingIsFast)
{
	// One cycle through 1000 nodes: broken once, then plain Kahn.
	constexpr std::size_t kNodes = 1000;
	std::vector<std::string> names;
	Edges edges;
	for (std::size_t i = 0; i < kNodes; ++i) {
		names.push_back("policy_" + std::to_string(100000 + i));
		edges.emplace_back(i, (i + 1) % kNodes);
	}
	const auto start = std::chrono::steady_clock::now();
	const std::vector<std::size_t> order = children_first(names, edges);
	const auto elapsed = std::chrono::steady_clock::now() - start;
	ASSERT_EQ(order.size(), kNodes);
	for (std::size_t i = 0; i < kNodes; ++i)
		EXPECT_EQ(order[i], i);
	EXPECT_LT(elapsed, std::chrono::milliseconds(200));
}

} // namespace
} // namespace retention::prune::plan
