#!/usr/bin/env bash
# Installs what building and testing retention needs on Debian 12, from
# Debian's archive. Does nothing when everything is already there.
set -euo pipefail

packages=(
	build-essential cmake pkg-config git
	postgresql-15 postgresql-server-dev-15 postgresql-contrib
	postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl libpqxx-dev libgtest-dev googletest libbenchmark-dev
	clang libclang-rt-14-dev debootstrap
	prometheus prometheus-postgres-exporter curl
)

missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a cluster on 5432; our tests use their own.
