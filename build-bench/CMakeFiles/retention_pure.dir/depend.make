# Empty dependencies file for retention_pure.
# This may be replaced when dependencies are built.
