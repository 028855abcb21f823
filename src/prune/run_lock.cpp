#include "prune/run_lock.hpp"
#include "border/spi.hpp"

namespace retention::prune {

namespace {

uint32 name_hash(const char *policy) {
	return DatumGetUInt32(hash_any(reinterpret_cast<const unsigned char *>(policy), int(strlen(policy))));
}

} // namespace

void run_lock_tag(const char *policy, LOCKTAG *tag) {
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, run_lock_class, name_hash(policy), run_lock_objsubid);
}

int run_lock_holder(const char *policy) {
	Oid types[4] = {OIDOID, OIDOID, OIDOID, INT2OID};
	Datum values[4] = {ObjectIdGetDatum(MyDatabaseId), ObjectIdGetDatum(run_lock_class),
	                   ObjectIdGetDatum(name_hash(policy)), Int16GetDatum(int16(run_lock_objsubid))};
	border::spi_run("SELECT pid FROM pg_catalog.pg_locks WHERE locktype OPERATOR(pg_catalog.=) 'advisory' "
	                "AND database OPERATOR(pg_catalog.=) $1 AND classid OPERATOR(pg_catalog.=) $2 "
	                "AND objid OPERATOR(pg_catalog.=) $3 AND objsubid OPERATOR(pg_catalog.=) $4 AND granted",
	                4, types, values, nullptr, SPI_OK_SELECT, true);
	bool isnull;
	Datum holder = border::spi_first_value(&isnull);
	return isnull ? 0 : DatumGetInt32(holder);
}

} // namespace retention::prune
