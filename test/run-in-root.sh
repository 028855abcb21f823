#!/usr/bin/env bash
# Runs test suites of retention for PostgreSQL VERSION inside its Debian root
# (scripts/pg-root.sh makes it the first time): a copy of this tree goes into
# the root, and test/run-all.sh runs there as it runs on the host, ending
# with "N passed, N failed".
#   bash test/run-in-root.sh VERSION [suite ...]
set -uo pipefail

version=${1:?usage: run-in-root.sh VERSION [suite ...]}
shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(bash "$repo/scripts/pg-root.sh" "$version") || {
	echo "no root for PostgreSQL $version"
	echo "0 passed, 1 failed"
	exit 1
}
source "$repo/scripts/lib-root.sh"

# The tree as it is (committed or not), without build output.
rm -rf "$root/retention-src"
mkdir -p "$root/retention-src"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./tmp_check --exclude=./results \
	--exclude='*.o' --exclude='*.so' -cf - . | tar -C "$root/retention-src" -xf -

root_mount "$root"
trap 'root_umount "$root"' EXIT
chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LANG=C.UTF-8 \
	RETENTION_ONE_VERSION=1 RETENTION_SKIP_DEPS=1 CI="${CI:-}" \
	bash /retention-src/test/run-all.sh "$@"
