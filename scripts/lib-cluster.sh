# Throwaway PostgreSQL 15 clusters for the demo and the tests.
# Sourced, not run. Clusters run as the postgres OS user (initdb refuses
# root), listen on a unix socket in their own directory and on no TCP port.

PGBIN=$(pg_config --bindir)

# as_postgres CMD...: runs CMD as the postgres OS user (or as ourselves when not root).
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- env PATH="$PGBIN:$PATH" "$@"
	else
		env PATH="$PGBIN:$PATH" "$@"
	fi
}

# cluster_start DIR PORT [EXTRA_CONF]: a fresh cluster in DIR/data, socket in DIR.
cluster_start() {
	local dir=$1 port=$2 extra=${3:-}
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	as_postgres "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'retention'
max_worker_processes = 16
fsync = off
timezone = 'UTC'
log_min_messages = info
$extra
CONF
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/data/postgresql.conf"
	as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}

# A streaming standby of the cluster in primary_dir (its socket directory)
# at primary_port, from a base backup: cluster_start_standby dir port primary_dir primary_port
cluster_start_standby() {
	local dir=$1 port=$2 primary_dir=$3 primary_port=$4
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	as_postgres "$PGBIN/pg_basebackup" -h "$primary_dir" -p "$primary_port" -U postgres -D "$dir/data" -R \
		--checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1 || return 1
	cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir'
CONF
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/data/postgresql.conf"
	as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}

cluster_stop() {
	local dir=$1
	[ -d "$dir/data" ] && as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
