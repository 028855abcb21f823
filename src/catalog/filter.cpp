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

	if (contain_volatile_functions(expression))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid filter: volatile functions are not allowed"),
		                errdetail("A filter is evaluated again for every batch and must not change anything."),
		                errhint("Use only immutable or stable functions in a filter.")));

	free_parsestate(pstate);
	error_context_stack = callback.previous;
	return expression;
}

} // namespace retention::catalog
