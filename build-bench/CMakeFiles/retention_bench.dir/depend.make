# Empty dependencies file for retention_bench.
# This may be replaced when dependencies are built.
