#include "prune/identity.hpp"
#include "border/settings.hpp"

namespace retention::prune {

namespace {

// SET CONSTRAINTS ALL IMMEDIATE: from now on constraint triggers fire at the
// end of each statement, and every event queued as deferred so far fires now.
void all_constraints_immediate() {
	ConstraintsSetStmt *all_immediate = makeNode(ConstraintsSetStmt);
	all_immediate->constraints = NIL;
	all_immediate->deferred = false;
	AfterTriggerSetState(all_immediate);
}

void deferred_triggers_context(void *) {
	errcontext("retention: firing the constraint triggers that user code deferred during a run (runs check "
	           "constraints immediately: SET CONSTRAINTS ... DEFERRED in a trigger or a filter function is not "
	           "supported)");
}

} // namespace

RunIdentity enter_run_identity(Oid run_role, const char *lock_timeout) {
	RunIdentity identity;
	GetUserIdAndSecContext(&identity.saved_user, &identity.saved_context);
	SetUserIdAndSecContext(run_role,
	                       identity.saved_context | SECURITY_RESTRICTED_OPERATION | SECURITY_LOCAL_USERID_CHANGE);
	identity.guc_level = border::push_internal_search_path();
	// Batches wait at most this long for a lock (a migration's, say) before
	// they give up and are retried: nothing queues behind one for long.
	(void)set_config_option("lock_timeout", lock_timeout, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
	                        false);
	all_constraints_immediate();
	return identity;
}

void leave_run_identity(const RunIdentity &identity) {
	// User code may have deferred constraint triggers since entering: they
	// fire here, as the run role, not at commit as the worker. PostgreSQL
	// refuses to fire them in a security-restricted operation, so such a
	// batch fails, and the context says why.
	ErrorContextCallback callback{error_context_stack, deferred_triggers_context, nullptr};
	error_context_stack = &callback;
	all_constraints_immediate();
	error_context_stack = callback.previous;
	border::pop_settings(identity.guc_level);
	SetUserIdAndSecContext(identity.saved_user, identity.saved_context);
}

} // namespace retention::prune
