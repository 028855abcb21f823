# PGXS build of the retention extension.
#   make && make install           build and install the module and SQL scripts
#   make installcheck              pg_regress suite (sql/*.sql against expected/*.out)
#   make installcheck-isolation    isolation tester specs (test/isolation/specs)
#   make installcheck-tap          TAP tests with PostgreSQL::Test::Cluster (test/tap)
# test/run-all.sh runs every suite on a throwaway cluster (see README).

EXTENSION = retention
MODULE_big = retention
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" retention.control)

# One object per responsibility; see README "Layout".
OBJS = \
	src/module.o \
	src/border/guard.o \
	src/border/spi.o \
	src/border/transaction.o \
	src/border/settings.o \
	src/border/compat.o \
	src/border/shared_memory.o \
	src/api/run.o \
	src/api/progress.o \
	src/catalog/runs.o \
	src/prune/engine.o \
	src/prune/explain.o \
	src/prune/brakes.o \
	src/prune/identity.o \
	src/prune/run_lock.o \
	src/prune/policy_order.o \
	src/prune/policy_target.o \
	src/prune/plan/batch_sql.o \
	src/prune/plan/cutoff.o \
	src/prune/plan/run_order.o \
	src/prune/plan/batch_form.o \
	src/prune/batch.o \
	src/run/report.o \
	src/catalog/validate.o \
	src/catalog/filter.o \
	src/catalog/policy_schedule.o \
	src/schedule/cron.o \
	src/schedule/next_run.o \
	src/schedule/interval.o \
	src/schedule/backoff.o \
	src/run/dispatch.o \
	src/run/in_flight.o \
	src/run/serve.o \
	src/run/workers.o \
	src/worker/launcher.o \
	src/worker/databases.o \
	src/worker/database_worker.o \
	src/worker/utility_hook.o \
	src/worker/session.o \
	src/api/schedule.o \
	src/api/shard.o \
	src/citus/metadata.o \
	src/citus/remote.o \
	src/prune/distributed.o

# Pure C++ objects: they must not see PostgreSQL headers (src/border/pg.hpp refuses).
PURE_OBJS = src/schedule/cron.o src/schedule/next_run.o src/schedule/interval.o src/schedule/backoff.o \
	src/prune/plan/batch_sql.o src/prune/plan/cutoff.o src/prune/plan/run_order.o src/prune/plan/batch_form.o

DATA = $(wildcard sql/$(EXTENSION)--*.sql)

# pg_regress: every sql/*.sql that is not an extension script, in name order.
REGRESS = $(sort $(patsubst sql/%.sql,%,$(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PG_INCLUDE_SERVER := $(shell $(PG_CONFIG) --includedir-server)

# Server headers as system headers so our own code builds under -Werror.
PG_CPPFLAGS = -Isrc
PG_CXXFLAGS = -std=c++20 -isystem $(PG_INCLUDE_SERVER) -Wall -Wextra -Werror -Wno-missing-field-initializers -fno-omit-frame-pointer
SHLIB_LINK += -lstdc++
# libpq: a run on the Citus coordinator connects to the nodes (src/citus/remote.cpp).
PG_CPPFLAGS += -I$(shell $(PG_CONFIG) --includedir)
SHLIB_LINK_INTERNAL = $(libpq)

# No JIT bitcode for this module: nothing of ours is worth inlining into JIT-compiled expressions.
override with_llvm = no

EXTRA_CLEAN = results regression.diffs regression.out test/isolation/output_iso tmp_check

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(PURE_OBJS): CPPFLAGS += -DRETENTION_PURE_CPP

# Headers are not tracked by PGXS; rebuild everything when any changes.
$(OBJS): $(wildcard src/*.hpp src/*/*.hpp src/*/*/*.hpp)

ISOLATION_SPECS = $(sort $(patsubst test/isolation/specs/%.spec,%,$(wildcard test/isolation/specs/*.spec)))

.PHONY: installcheck-isolation installcheck-tap
installcheck-isolation:
	$(pgxsdir)/src/test/isolation/pg_isolation_regress \
		--inputdir=test/isolation --outputdir=test/isolation/output_iso \
		--bindir='$(bindir)' --load-extension=$(EXTENSION) \
		$(if $(PGPORT),--port=$(PGPORT)) $(if $(PGHOST),--host=$(PGHOST)) \
		$(ISOLATION_SPECS)

installcheck-tap:
	rm -rf tmp_check && mkdir -p tmp_check
	TESTDIR='$(CURDIR)' PATH="$(bindir):$$PATH" PG_REGRESS='$(pgxsdir)/src/test/regress/pg_regress' \
		$(PROVE) -I $(pgxsdir)/src/test/perl -I test/tap $(PROVE_FLAGS) test/tap/*.pl
