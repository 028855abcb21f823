file(REMOVE_RECURSE
  "CMakeFiles/retention_pure.dir/src/prune/plan/batch_sql.cpp.o"
  "CMakeFiles/retention_pure.dir/src/prune/plan/batch_sql.cpp.o.d"
  "CMakeFiles/retention_pure.dir/src/prune/plan/cutoff.cpp.o"
  "CMakeFiles/retention_pure.dir/src/prune/plan/cutoff.cpp.o.d"
  "CMakeFiles/retention_pure.dir/src/prune/plan/run_order.cpp.o"
  "CMakeFiles/retention_pure.dir/src/prune/plan/run_order.cpp.o.d"
  "CMakeFiles/retention_pure.dir/src/schedule/backoff.cpp.o"
  "CMakeFiles/retention_pure.dir/src/schedule/backoff.cpp.o.d"
  "CMakeFiles/retention_pure.dir/src/schedule/cron.cpp.o"
  "CMakeFiles/retention_pure.dir/src/schedule/cron.cpp.o.d"
  "CMakeFiles/retention_pure.dir/src/schedule/next_run.cpp.o"
  "CMakeFiles/retention_pure.dir/src/schedule/next_run.cpp.o.d"
  "libretention_pure.a"
  "libretention_pure.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/retention_pure.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
