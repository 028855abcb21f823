#include "border/spi.hpp"

namespace retention::border {

uint64 spi_run(const char *sql, int nargs, const Oid *types, const Datum *values, const char *nulls, int expected,
               bool read_only) {
	int result = SPI_execute_with_args(sql, nargs, const_cast<Oid *>(types), const_cast<Datum *>(values), nulls,
	                                   read_only, 0);
	if (result != expected)
		elog(ERROR, "retention: SPI returned %s for: %s", SPI_result_code_string(result), sql);
	return SPI_processed;
}

Datum spi_first_value(bool *isnull) {
	if (SPI_processed < 1 || SPI_tuptable == nullptr) {
		*isnull = true;
		return Datum(0);
	}
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
}

} // namespace retention::border
