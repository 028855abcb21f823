
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/prune/plan/batch_sql.cpp" "CMakeFiles/retention_pure.dir/src/prune/plan/batch_sql.cpp.o" "gcc" "CMakeFiles/retention_pure.dir/src/prune/plan/batch_sql.cpp.o.d"
  "/work/main/src/prune/plan/cutoff.cpp" "CMakeFiles/retention_pure.dir/src/prune/plan/cutoff.cpp.o" "gcc" "CMakeFiles/retention_pure.dir/src/prune/plan/cutoff.cpp.o.d"
  "/work/main/src/prune/plan/run_order.cpp" "CMakeFiles/retention_pure.dir/src/prune/plan/run_order.cpp.o" "gcc" "CMakeFiles/retention_pure.dir/src/prune/plan/run_order.cpp.o.d"
  "/work/main/src/schedule/backoff.cpp" "CMakeFiles/retention_pure.dir/src/schedule/backoff.cpp.o" "gcc" "CMakeFiles/retention_pure.dir/src/schedule/backoff.cpp.o.d"
  "/work/main/src/schedule/cron.cpp" "CMakeFiles/retention_pure.dir/src/schedule/cron.cpp.o" "gcc" "CMakeFiles/retention_pure.dir/src/schedule/cron.cpp.o.d"
  "/work/main/src/schedule/next_run.cpp" "CMakeFiles/retention_pure.dir/src/schedule/next_run.cpp.o" "gcc" "CMakeFiles/retention_pure.dir/src/schedule/next_run.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
