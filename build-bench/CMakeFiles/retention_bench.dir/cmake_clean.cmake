file(REMOVE_RECURSE
  "CMakeFiles/retention_bench.dir/test/bench/foreground.cpp.o"
  "CMakeFiles/retention_bench.dir/test/bench/foreground.cpp.o.d"
  "CMakeFiles/retention_bench.dir/test/bench/main.cpp.o"
  "CMakeFiles/retention_bench.dir/test/bench/main.cpp.o.d"
  "CMakeFiles/retention_bench.dir/test/bench/prune.cpp.o"
  "CMakeFiles/retention_bench.dir/test/bench/prune.cpp.o.d"
  "CMakeFiles/retention_bench.dir/test/bench/report.cpp.o"
  "CMakeFiles/retention_bench.dir/test/bench/report.cpp.o.d"
  "CMakeFiles/retention_bench.dir/test/bench/tables.cpp.o"
  "CMakeFiles/retention_bench.dir/test/bench/tables.cpp.o.d"
  "retention_bench"
  "retention_bench.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/retention_bench.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
