#include "catalog/filter.hpp"

namespace retention::catalog {

namespace {

// The filter is parsed as the target of "SELECT ". A closing parenthesis or a
// semicolon in the filter cannot escape that: it is a syntax error or a
// second statement, and both are refused.
constexpr char select_prefix[] = "SELECT ";

struct FilterErrorContext {
	const char *query; // select_prefix + filter
};

// Reports parse error positions inside the filter text rather than inside the
// user's INSERT statement, and names what was being checked.
void filter_error_context(void *arg) {
	auto *context = static_cast<FilterErrorContext *>(arg);
	int position = geterrposition();
	if (position > 0) {
		errposition(0);
		int within_filter = position - int(sizeof(select_prefix) - 1);
		internalerrposition(within_filter > 0 ? within_filter : 1);
		internalerrquery(context->query + sizeof(select_prefix) - 1);
	}
	errcontext("retention policy filter");
}

bool is_plain_single_target(SelectStmt *select) {
	return select->op == SETOP_NONE && list_length(select->targetList) == 1 && select->distinctClause == NIL &&
	       select->intoClause == nullptr && select->fromClause == NIL && select->whereClause == nullptr &&
	       select->groupClause == NIL && select->havingClause == nullptr && select->windowClause == NIL &&
	       select->valuesLists == NIL && select->sortClause == NIL && select->limitOffset == nullptr &&
	       select->limitCount == nullptr && select->lockingClause == NIL && select->withClause == nullptr;
}

void refuse_volatile(Node *node, const char *where) {
	if (contain_volatile_functions(node))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid filter: volatile functions are not allowed"),
		                errdetail("%s calls a volatile function; a filter is evaluated again for every batch and "
		                          "must not change anything.",
		                          where),
		                errhint("Use only immutable or stable functions in a filter.")));
}

// Views nest at most this deep before the filter is refused (a view
// cannot refer to itself, but a chain can be long).
constexpr int max_view_depth = 32;

// Where the walk is: how many views deep, and in which view (whose stored
// query names the view itself, as its OLD and NEW entries, in PostgreSQL 15).
struct HiddenCodeScan {
	int depth;
	Oid view;
};

bool refuse_hidden_code(Node *node, void *scan_pointer);

// A domain's CHECK constraints run whenever a value is cast to it: they
// are part of the filter (and of the domains it is based on, which the
// typcache lists with it).
void check_domain(Oid domain, const HiddenCodeScan &scan) {
	// In the context it registers its release callback with, not on the stack.
	auto *constraints = static_cast<DomainConstraintRef *>(palloc0(sizeof(DomainConstraintRef)));
	InitDomainConstraintRef(domain, constraints, CurrentMemoryContext, false);
	ListCell *cell;
	foreach (cell, constraints->constraints) {
		auto *constraint = static_cast<DomainConstraintState *>(lfirst(cell));
		if (constraint->constrainttype != DOM_CONSTRAINT_CHECK)
			continue;
		refuse_volatile(reinterpret_cast<Node *>(constraint->check_expr),
		                psprintf("a CHECK constraint of domain %s", format_type_be(domain)));
		HiddenCodeScan inner = scan;
		(void)refuse_hidden_code(reinterpret_cast<Node *>(constraint->check_expr), &inner);
	}
}

// A view a subquery of the filter reads runs its own query as part of it.
void check_view(Oid view_oid, int depth) {
	if (depth >= max_view_depth)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid filter: views nest deeper than %d levels", max_view_depth)));
	Relation view = table_open(view_oid, AccessShareLock);
	auto *query = static_cast<Query *>(copyObjectImpl(get_view_query(view)));
	refuse_volatile(reinterpret_cast<Node *>(query), psprintf("view %s", RelationGetRelationName(view)));
	HiddenCodeScan inner{depth + 1, view_oid};
	(void)refuse_hidden_code(reinterpret_cast<Node *>(query), &inner);
	table_close(view, NoLock);
}

// What contain_volatile_functions does not see: domain checks and views.
// And a locking clause in a subquery, which a dry run (read-only) cannot
// run: a filter that validates runs both ways.
bool refuse_hidden_code(Node *node, void *scan_pointer) {
	if (!node)
		return false;
	const HiddenCodeScan &scan = *static_cast<HiddenCodeScan *>(scan_pointer);
	if (IsA(node, CoerceToDomain))
		check_domain(reinterpret_cast<CoerceToDomain *>(node)->resulttype, scan);
	if (IsA(node, Query)) {
		auto *query = reinterpret_cast<Query *>(node);
		if (query->rowMarks != NIL || query->hasForUpdate)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			                errmsg("invalid filter: FOR UPDATE, FOR SHARE and the other locking clauses are not "
			                       "allowed"),
			                errdetail("A dry run evaluates the filter in a read-only transaction; a run locks the "
			                          "rows it deletes by itself.")));
		ListCell *cell;
		foreach (cell, query->rtable) {
			auto *entry = static_cast<RangeTblEntry *>(lfirst(cell));
			if (entry->rtekind == RTE_RELATION && entry->relkind == RELKIND_VIEW && entry->relid != scan.view)
				check_view(entry->relid, scan.depth);
		}
		return query_tree_walker(query, RETENTION_WALKER(refuse_hidden_code), scan_pointer, 0);
	}
	return expression_tree_walker(node, RETENTION_WALKER(refuse_hidden_code), scan_pointer);
}

} // namespace

Node *analyze_filter(Relation rel, const char *filter_text) {
	const char *trimmed = filter_text;
	while (*trimmed && scanner_isspace(*trimmed))
		trimmed++;
	if (*trimmed == '\0')
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid filter: the filter is empty"),
		                errhint("Use NULL for a policy without a filter.")));

	FilterErrorContext context{psprintf("%s%s", select_prefix, filter_text)};
	ErrorContextCallback callback;
	callback.callback = filter_error_context;
	callback.arg = &context;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	List *statements = raw_parser(context.query, RAW_PARSE_DEFAULT);
	RawStmt *statement = list_length(statements) == 1 ? linitial_node(RawStmt, statements) : nullptr;
	SelectStmt *select =
	    statement && IsA(statement->stmt, SelectStmt) ? reinterpret_cast<SelectStmt *>(statement->stmt) : nullptr;
	if (!select || !is_plain_single_target(select))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid filter: must be a single boolean expression over the table's columns"),
		                errdetail("The filter \"%s\" is more than one expression.", filter_text)));
	ResTarget *target = linitial_node(ResTarget, select->targetList);
	if (target->name != nullptr)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid filter: must be a single boolean expression over the table's columns")));

	ParseState *pstate = make_parsestate(nullptr);
	pstate->p_sourcetext = context.query;
	ParseNamespaceItem *item = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
	addNSItemToQuery(pstate, item, false, true, true);

	Node *expression = transformExpr(pstate, target->val, EXPR_KIND_WHERE);
	Oid type = exprType(expression);
	if (type != BOOLOID && type != UNKNOWNOID)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
		                errmsg("invalid filter: must be a boolean expression, not of type %s", format_type_be(type))));
	expression = coerce_to_boolean(pstate, expression, "retention filter");
	assign_expr_collations(pstate, expression);

	refuse_volatile(expression, "The filter");
	HiddenCodeScan scan{0, InvalidOid};
	(void)refuse_hidden_code(expression, &scan);

	free_parsestate(pstate);
	error_context_stack = callback.previous;
	return expression;
}

} // namespace retention::catalog
