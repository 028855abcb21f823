#include "worker/session.hpp"
#include "border/settings.hpp"

namespace retention::worker {

namespace {

struct ServerSetting {
	const char *name;
	const char *value;
};

// The settings as the postmaster handed them to this process, sorted by
// name (as PostgreSQL keeps its own table). Lives in TopMemoryContext.
ServerSetting *server_settings = nullptr;
int server_setting_count = 0;

int compare_names(const void *a, const void *b) {
	return strcmp(static_cast<const ServerSetting *>(a)->name, static_cast<const ServerSetting *>(b)->name);
}

void capture_server_settings() {
	MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
	int count = 0;
	struct config_generic **variables = compat::setting_variables(&count);
	server_settings = static_cast<ServerSetting *>(palloc0(sizeof(ServerSetting) * Max(count, 1)));
	for (int i = 0; i < count; i++) {
		const struct config_generic *variable = variables[i];
		if (variable->flags & GUC_CUSTOM_PLACEHOLDER)
			continue;
		const char *value = GetConfigOption(variable->name, true, false);
		server_settings[server_setting_count++] = ServerSetting{pstrdup(variable->name), value ? pstrdup(value) : nullptr};
	}
	qsort(server_settings, server_setting_count, sizeof(ServerSetting), compare_names);
	MemoryContextSwitchTo(caller);
}

bool set_by_database_or_role(GucSource source) {
	return source == PGC_S_GLOBAL || source == PGC_S_DATABASE || source == PGC_S_USER || source == PGC_S_DATABASE_USER;
}

// Needs a transaction: the checks of some settings read the catalog.
void restore_server_settings() {
	int count = 0;
	struct config_generic **variables = compat::setting_variables(&count);
	for (int i = 0; i < count; i++) {
		const struct config_generic *variable = variables[i];
		if (!set_by_database_or_role(variable->source))
			continue;
		ServerSetting key{variable->name, nullptr};
		auto *saved = static_cast<ServerSetting *>(
		    bsearch(&key, server_settings, server_setting_count, sizeof(ServerSetting), compare_names));
		if (!saved || !saved->value)
			continue; // a placeholder of a custom setting: none of ours reads it
		// With the source the value came from: it becomes the reset value
		// too, so RESET ALL brings back the server's value, not the database's.
		(void)set_config_option(variable->name, saved->value, PGC_SUSET, variable->source, GUC_ACTION_SET, true, 0,
		                        false);
	}
}

} // namespace

void pin_worker_search_path() {
	(void)set_config_option("search_path", border::internal_search_path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
	                        true, 0, false);
}

void connect_worker_session(Oid database) {
	capture_server_settings();
	BackgroundWorkerInitializeConnectionByOid(database, BOOTSTRAP_SUPERUSERID, 0);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	restore_server_settings();
	pin_worker_search_path();
	CommitTransactionCommand();
}

} // namespace retention::worker
