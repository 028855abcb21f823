// Thin helpers over SPI for code that holds no C++ objects (PostgreSQL
// errors propagate as usual). Every value is passed as a parameter.
#pragma once

#include "border/pg.hpp"

namespace retention::border {

// Runs sql with parameters; raises an error unless SPI reports `expected`.
// Returns SPI_processed.
uint64 spi_run(const char *sql, int nargs, const Oid *types, const Datum *values, const char *nulls, int expected,
               bool read_only = false);

// The first column of the first row of SPI_tuptable, or isnull.
Datum spi_first_value(bool *isnull);

} // namespace retention::border
