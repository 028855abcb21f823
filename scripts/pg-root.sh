#!/usr/bin/env bash
# A Debian root with PostgreSQL VERSION (17: Debian 13 "trixie", 18: Debian
# testing "forky") and what building and testing retention needs, made with
# debootstrap from the same Debian archive the host uses; the host's own apt
# sources stay Debian 12's. Made the first time, reused afterwards.
#   bash scripts/pg-root.sh VERSION       prints the root's path
# RETENTION_ROOTS (default /var/tmp/retention-roots) holds the roots.
set -euo pipefail

version=${1:?usage: pg-root.sh VERSION (17 or 18)}
case $version in
17) suite=trixie script= ;;
18) suite=forky script=/usr/share/debootstrap/scripts/sid ;; # bookworm's debootstrap has no forky script
*)
	echo "pg-root.sh: no Debian suite here carries PostgreSQL $version (17: trixie, 18: forky)" >&2
	exit 1
	;;
esac
roots=${RETENTION_ROOTS:-/var/tmp/retention-roots}
root=$roots/pg$version
mirror=http://deb.debian.org/debian

if [ -f "$root/.retention-ready" ]; then
	echo "$root"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "pg-root.sh: making a root needs root (debootstrap, chroot)" >&2
	exit 1
fi
command -v debootstrap >/dev/null || {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

source "$(dirname "${BASH_SOURCE[0]}")/lib-root.sh"
rm -rf "$root"
mkdir -p "$roots"
log=$roots/pg$version.log
echo "making $root (Debian $suite, PostgreSQL $version): log in $log" >&2
debootstrap --variant=minbase "$suite" "$root" "$mirror" $script >"$log" 2>&1 || {
	tail -20 "$log" >&2
	exit 1
}
# The archive reachable here is a frozen copy: a testing suite's Release
# file may be past its Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99retention-frozen-archive"
# No server starts and no "main" cluster is made inside the root.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/postgresql-common"
echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.conf"

root_mount "$root"
trap 'root_umount "$root"' EXIT
packages=(
	postgresql-$version postgresql-server-dev-$version postgresql-contrib
	postgresql-$version-cron postgresql-$version-pgtap libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl libpqxx-dev libgtest-dev googletest
	build-essential cmake pkg-config perl procps
)
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1 &&
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confold "${packages[@]}" >>"$log" 2>&1 || {
	tail -30 "$log" >&2
	exit 1
}
chroot "$root" apt-get clean
touch "$root/.retention-ready"
echo "$root"
