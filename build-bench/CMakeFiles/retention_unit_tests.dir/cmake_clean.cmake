file(REMOVE_RECURSE
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_backoff.cpp.o"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_backoff.cpp.o.d"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_batch_sql.cpp.o"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_batch_sql.cpp.o.d"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_cron.cpp.o"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_cron.cpp.o.d"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_cutoff.cpp.o"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_cutoff.cpp.o.d"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_next_run.cpp.o"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_next_run.cpp.o.d"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_run_order.cpp.o"
  "CMakeFiles/retention_unit_tests.dir/test/unit/test_run_order.cpp.o.d"
  "retention_unit_tests"
  "retention_unit_tests.pdb"
  "retention_unit_tests[1]_tests.cmake"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/retention_unit_tests.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
