# Empty dependencies file for retention_harness.
# This may be replaced when dependencies are built.
