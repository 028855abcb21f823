// Settings of the extension, defined in _PG_init (src/module.cpp).
#pragma once

namespace retention {

// retention.enabled: off makes the background worker schedule nothing.
extern bool setting_enabled;
// retention.databases: comma-separated database names the worker serves; empty = all.
extern char *setting_databases;

} // namespace retention
