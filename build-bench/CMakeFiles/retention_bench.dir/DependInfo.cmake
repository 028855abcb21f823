
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/test/bench/foreground.cpp" "CMakeFiles/retention_bench.dir/test/bench/foreground.cpp.o" "gcc" "CMakeFiles/retention_bench.dir/test/bench/foreground.cpp.o.d"
  "/work/main/test/bench/main.cpp" "CMakeFiles/retention_bench.dir/test/bench/main.cpp.o" "gcc" "CMakeFiles/retention_bench.dir/test/bench/main.cpp.o.d"
  "/work/main/test/bench/prune.cpp" "CMakeFiles/retention_bench.dir/test/bench/prune.cpp.o" "gcc" "CMakeFiles/retention_bench.dir/test/bench/prune.cpp.o.d"
  "/work/main/test/bench/report.cpp" "CMakeFiles/retention_bench.dir/test/bench/report.cpp.o" "gcc" "CMakeFiles/retention_bench.dir/test/bench/report.cpp.o.d"
  "/work/main/test/bench/tables.cpp" "CMakeFiles/retention_bench.dir/test/bench/tables.cpp.o" "gcc" "CMakeFiles/retention_bench.dir/test/bench/tables.cpp.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
