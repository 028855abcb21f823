// border/compat.hpp comes in with border/pg.hpp.
#include "border/guard.hpp"

#include "border/pg.hpp"

#if PG_VERSION_NUM >= 160000
extern "C" {
#include "nodes/miscnodes.h"
}
#endif

namespace retention::compat {

Interval *read_interval(const char *text, const char **error) {
	*error = nullptr;
#if PG_VERSION_NUM >= 160000
	ErrorSaveContext failure;
	memset(&failure, 0, sizeof(failure));
	failure.type = T_ErrorSaveContext;
	failure.details_wanted = true;
	Datum value;
	if (DirectInputFunctionCallSafe(interval_in, const_cast<char *>(text), InvalidOid, -1,
	                                reinterpret_cast<Node *>(&failure), &value))
		return DatumGetIntervalP(value);
	*error = failure.error_data && failure.error_data->message ? failure.error_data->message : "invalid interval";
	return nullptr;
#else
	try {
		return border::pg_call([&] {
			return DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(text),
			                                             ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
		});
	} catch (const border::PgError &failure) {
		*error = failure.data()->message;
	}
	return nullptr;
#endif
}

} // namespace retention::compat
