// The run worker started for one run (by retention.run(), run_all(),
// prune() or the scheduler when no warm run worker is idle): it attaches
// to its requester's segment, serves the request (src/prune/engine.cpp)
// and exits.
#include "run/request.hpp"
#include "worker/session.hpp"

#include "border/pg.hpp"

extern "C" PGDLLEXPORT void retention_run_main(Datum);

void retention_run_main(Datum argument) {
	retention::prune::become_run_process();
	BackgroundWorkerUnblockSignals();

	dsm_segment *segment = dsm_attach(DatumGetUInt32(argument));
	if (!segment)
		return; // the requester is gone before the run began: nothing to do
	auto *request = static_cast<retention::prune::RunRequest *>(dsm_segment_address(segment));
	retention::worker::connect_worker_session(request->database);
	pgstat_report_appname("retention run");
	retention::prune::serve_request(request, nullptr);
	dsm_detach(segment);
}
