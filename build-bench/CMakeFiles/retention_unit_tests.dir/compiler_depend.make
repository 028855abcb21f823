# Empty compiler generated dependencies file for retention_unit_tests.
# This may be replaced when dependencies are built.
