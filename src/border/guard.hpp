// The border between C++ and PostgreSQL error handling.
//
// PostgreSQL reports errors with longjmp; C++ with exceptions. Neither may
// cross the other's frames:
//  - RETENTION_FUNCTION defines a SQL-callable function whose C++ body runs
//    inside try/catch. Whatever escapes it is turned back into a PostgreSQL
//    error only after every C++ scope has ended.
//  - pg_call(f) runs PostgreSQL code that may raise an error from C++ that
//    holds objects with destructors; the error comes back as a PgError
//    exception, so destructors run, and RETENTION_FUNCTION re-raises it intact.
// Never throw from inside PG_TRY, never ereport while a C++ object with a
// destructor is alive in the frames being unwound.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "border/pg.hpp"

namespace retention::border {

// A PostgreSQL error caught by pg_call. The ErrorData lives in the memory
// context that was current at the call, and is re-raised by the entry wrapper.
// It must reach PostgreSQL again: catching it for good needs a subtransaction.
class PgError : public std::exception {
public:
	explicit PgError(ErrorData *data) noexcept : data_(data) {}
	const char *what() const noexcept override;
	ErrorData *data() const noexcept { return data_; }

private:
	ErrorData *data_;
};

// An error raised by our own C++ code, reported as a PostgreSQL error with
// this SQLSTATE once the C++ frames are gone.
class UserError : public std::exception {
public:
	UserError(int sqlstate, std::string message, std::string detail = {}, std::string hint = {})
	    : sqlstate_(sqlstate), message_(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint)) {}
	const char *what() const noexcept override { return message_.c_str(); }
	int sqlstate() const noexcept { return sqlstate_; }
	const std::string &detail() const noexcept { return detail_; }
	const std::string &hint() const noexcept { return hint_; }

private:
	int sqlstate_;
	std::string message_, detail_, hint_;
};

// Runs f(), a call into PostgreSQL that may raise an error. f itself must not
// create C++ objects with destructors (a longjmp out of f would skip them).
template <typename F>
auto pg_call(F &&f) -> std::invoke_result_t<F &> {
	using Result = std::invoke_result_t<F &>;
	MemoryContext caller_context = CurrentMemoryContext;
	ErrorData *volatile error = nullptr;
	if constexpr (std::is_void_v<Result>) {
		PG_TRY();
		{ f(); }
		PG_CATCH();
		{
			MemoryContextSwitchTo(caller_context);
			error = CopyErrorData();
			FlushErrorState();
		}
		PG_END_TRY();
		if (error)
			throw PgError(error);
	} else {
		std::optional<Result> result;
		PG_TRY();
		{ result.emplace(f()); }
		PG_CATCH();
		{
			MemoryContextSwitchTo(caller_context);
			error = CopyErrorData();
			FlushErrorState();
		}
		PG_END_TRY();
		if (error)
			throw PgError(error);
		return std::move(*result);
	}
}

// Copies text into the current memory context without ever raising a
// PostgreSQL error, so it is safe inside a catch block or while C++ objects
// are alive. NULL for empty text or when memory is short.
char *copy_quietly(const char *text) noexcept;

// Calls body(fcinfo); any C++ exception leaving it becomes a PostgreSQL
// ERROR raised after the try/catch scope has ended.
Datum run_entry(PGFunction body, FunctionCallInfo fcinfo);

} // namespace retention::border

// Defines the SQL-callable C function `name` whose body follows the macro.
#define RETENTION_FUNCTION(name)                                                                                      \
	extern "C" {                                                                                                      \
	PG_FUNCTION_INFO_V1(name);                                                                                        \
	}                                                                                                                 \
	static Datum name##_body(PG_FUNCTION_ARGS);                                                                       \
	extern "C" Datum name(PG_FUNCTION_ARGS) { return ::retention::border::run_entry(name##_body, fcinfo); }          \
	static Datum name##_body(PG_FUNCTION_ARGS)
