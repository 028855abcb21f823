
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/test/unit/test_backoff.cpp" "CMakeFiles/retention_unit_tests.dir/test/unit/test_backoff.cpp.o" "gcc" "CMakeFiles/retention_unit_tests.dir/test/unit/test_backoff.cpp.o.d"
  "/work/main/test/unit/test_batch_sql.cpp" "CMakeFiles/retention_unit_tests.dir/test/unit/test_batch_sql.cpp.o" "gcc" "CMakeFiles/retention_unit_tests.dir/test/unit/test_batch_sql.cpp.o.d"
  "/work/main/test/unit/test_cron.cpp" "CMakeFiles/retention_unit_tests.dir/test/unit/test_cron.cpp.o" "gcc" "CMakeFiles/retention_unit_tests.dir/test/unit/test_cron.cpp.o.d"
  "/work/main/test/unit/test_cutoff.cpp" "CMakeFiles/retention_unit_tests.dir/test/unit/test_cutoff.cpp.o" "gcc" "CMakeFiles/retention_unit_tests.dir/test/unit/test_cutoff.cpp.o.d"
  "/work/main/test/unit/test_next_run.cpp" "CMakeFiles/retention_unit_tests.dir/test/unit/test_next_run.cpp.o" "gcc" "CMakeFiles/retention_unit_tests.dir/test/unit/test_next_run.cpp.o.d"
  "/work/main/test/unit/test_run_order.cpp" "CMakeFiles/retention_unit_tests.dir/test/unit/test_run_order.cpp.o" "gcc" "CMakeFiles/retention_unit_tests.dir/test/unit/test_run_order.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-bench/CMakeFiles/retention_pure.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
