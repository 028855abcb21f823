file(REMOVE_RECURSE
  "CMakeFiles/retention_harness.dir/test/harness/catalog_checks.cpp.o"
  "CMakeFiles/retention_harness.dir/test/harness/catalog_checks.cpp.o.d"
  "CMakeFiles/retention_harness.dir/test/harness/main.cpp.o"
  "CMakeFiles/retention_harness.dir/test/harness/main.cpp.o.d"
  "CMakeFiles/retention_harness.dir/test/harness/run_checks.cpp.o"
  "CMakeFiles/retention_harness.dir/test/harness/run_checks.cpp.o.d"
  "retention_harness"
  "retention_harness.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/retention_harness.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
