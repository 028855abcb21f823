# Mounting what a chroot needs into a PostgreSQL root (scripts/pg-root.sh),
# and unmounting it whatever happened. Sourced, not run.

root_mount() { # ROOT
	local root=$1 dir
	for dir in proc sys dev dev/pts; do
		mountpoint -q "$root/$dir" && continue
		mkdir -p "$root/$dir"
		case $dir in
		proc) mount -t proc proc "$root/proc" ;;
		sys) mount -t sysfs sysfs "$root/sys" ;;
		dev) mount --bind /dev "$root/dev" ;;
		dev/pts) mount --bind /dev/pts "$root/dev/pts" ;;
		esac
	done
	# Name resolution for apt inside the root.
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}

root_umount() { # ROOT
	local root=$1 dir
	for dir in dev/pts dev sys proc; do
		mountpoint -q "$root/$dir" && umount -l "$root/$dir"
	done
	return 0
}
