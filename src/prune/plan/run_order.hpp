// The order in which run_all() and the scheduler run a set of policies:
// children (referencing tables) before their parents, so one pass prunes
// steps before the runs they belong to.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace retention::prune::plan {

// names[i] is policy i's name. Each edge (child, parent) says policy child
// prunes a table that references policy parent's table. Returns every index
// exactly once: children before parents; otherwise by name; cycles (and
// self-edges) never fail: when only cycles remain, the smallest-named member
// of a cycle that waits on nothing outside itself goes next, and the walk
// goes on (the cycle's other edges still order the rest of its members).
std::vector<std::size_t> children_first(const std::vector<std::string> &names,
                                        const std::vector<std::pair<std::size_t, std::size_t>> &child_parent_edges);

} // namespace retention::prune::plan
