#include "border/transaction.hpp"

namespace retention::border {

bool run_in_transaction(void (*body)(void *), void *argument, MemoryContext keep, ErrorData **error) {
	volatile bool committed = false;
	PG_TRY();
	{
		// A background worker sets the statement time itself: now() in this
		// transaction is this moment.
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "retention: SPI_connect failed");
		body(argument);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		committed = true;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(keep);
		*error = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(keep);
	return committed;
}

} // namespace retention::border
