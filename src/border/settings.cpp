#include "border/settings.hpp"

namespace retention::border {

int push_search_path(const char *path) {
	int level = NewGUCNestLevel();
	(void)set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

// isCommit = false: a plain SET (or set_config(..., false)) made inside the
// level would survive a "commit" of the level; restoring as an abort does
// undoes every kind of change.
void pop_settings(int level) { AtEOXact_GUC(false, level); }

} // namespace retention::border
