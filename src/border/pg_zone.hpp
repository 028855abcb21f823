// PostgreSQL's time-zone machinery behind the pure schedule::Zone interface,
// so next-run times are computed by pure C++ with PostgreSQL's zone rules.
#pragma once

#include "schedule/next_run.hpp"

#include "border/pg.hpp"

namespace retention::border {

class PgZone final : public schedule::Zone {
public:
	explicit PgZone(const pg_tz *zone) : zone_(zone) {}
	// pg_localtime never raises an error.
	int utc_offset(std::int64_t utc_seconds) const override {
		pg_time_t instant = pg_time_t(utc_seconds);
		const pg_tm *local = pg_localtime(&instant, zone_);
		return local ? int(local->tm_gmtoff) : 0;
	}

private:
	const pg_tz *zone_;
};

} // namespace retention::border
