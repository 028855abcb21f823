#include <cstring>
#include <new>

#include "border/guard.hpp"

namespace retention::border {

const char *PgError::what() const noexcept {
	return data_ && data_->message ? data_->message : "PostgreSQL error";
}

char *copy_quietly(const char *text) noexcept {
	if (!text || !*text)
		return nullptr;
	size_t size = std::strlen(text) + 1;
	auto *copy = static_cast<char *>(MemoryContextAllocExtended(CurrentMemoryContext, size, MCXT_ALLOC_NO_OOM));
	if (copy)
		std::memcpy(copy, text, size);
	return copy;
}

Datum run_entry(PGFunction body, FunctionCallInfo fcinfo) {
	ErrorData *postgres_error = nullptr;
	int sqlstate = ERRCODE_INTERNAL_ERROR;
	const char *message = nullptr;
	const char *detail = nullptr;
	const char *hint = nullptr;
	bool internal = false;

	try {
		return body(fcinfo);
	} catch (const PgError &error) {
		postgres_error = error.data();
	} catch (const UserError &error) {
		sqlstate = error.sqlstate();
		message = copy_quietly(error.what());
		detail = copy_quietly(error.detail().c_str());
		hint = copy_quietly(error.hint().c_str());
	} catch (const std::bad_alloc &) {
		sqlstate = ERRCODE_OUT_OF_MEMORY;
		message = "retention: out of memory";
	} catch (const std::exception &error) {
		internal = true;
		message = copy_quietly(error.what());
	} catch (...) {
		internal = true;
		message = "of an unknown kind";
	}

	// Every C++ object of the try block is gone now: PostgreSQL may longjmp.
	if (postgres_error)
		ReThrowError(postgres_error);
	if (internal)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg_internal("retention: internal error: %s", message ? message : "(no message)")));
	ereport(ERROR, (errcode(sqlstate), errmsg_internal("%s", message ? message : "retention: out of memory"),
	                detail ? errdetail_internal("%s", detail) : 0, hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

} // namespace retention::border
