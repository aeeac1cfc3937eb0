# bench/lib.sh — the parts bench/run and bench/ab share: serving the
# simulated portal, turning politeness off in the configuration it writes,
# and waiting for loopback sockets to drain. Sourced, not run.
#
# The caller sets: work (a scratch directory), cfg (the configuration
# file), port and base (http://127.0.0.1:PORT/), bin (the govaudit binary;
# sim_bin, when set, serves the portal instead), step_timeout (seconds),
# and the portal's shape: seed, today, units, channels, items, letters,
# layouts.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# leaf_pid PID: the deepest first descendant of PID (timeout -> time -> govaudit).
leaf_pid() {
	local p=$1 c
	while c=$(cat /proc/"$p"/task/*/children 2>/dev/null | awk '{ print $1; exit }') && [[ -n $c ]]; do p=$c; done
	echo "$p"
}

# settle_tcp: wait (at most 70 s) until fewer than 2,000 loopback TCP
# sockets are in TIME_WAIT. A client that opens a connection per request
# (wget2 here opens about one per request) leaves tens of thousands for
# 60 s; the next run's connects then search the port range for a free
# port, and its time depends on the previous run's leftovers.
settle_tcp() {
	local n
	for _ in $(seq 70); do
		n=$(timewait)
		((n < 2000)) && return 0
		sleep 1
	done
	log "still $n sockets in TIME_WAIT after 70 s"
}
timewait() { ss -s 2>/dev/null | grep -oP 'timewait \K[0-9]+' || echo 0; }

# start_sim [ARGS...]: serve the portal (again, e.g. fresh for a baseline:
# portalsim keeps the documents it generated, so a second client of the
# same process would find them made); sets sim_pid and sim_leaf.
start_sim() {
	timeout $((step_timeout * 8)) "${sim_bin:-$bin}" portalsim --addr "127.0.0.1:$port" --seed "$seed" --today "$today" \
		--units "$units" --channels-min "$channels" --channels-max "$channels" --items "$items" --letters "$letters" \
		--layouts "$layouts" "$@" >>"$work/portalsim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 600); do
		if curl -fsS -o /dev/null --max-time 2 "$base" 2>/dev/null && [[ -s $cfg ]]; then break; fi
		kill -0 "$sim_pid" 2>/dev/null || { cat "$work/portalsim.log" >&2; die "portalsim exited"; }
		sleep 0.2
	done
	curl -fsS -o /dev/null --max-time 2 "$base" || die "portalsim did not answer within 120 s"
	sim_leaf=$(leaf_pid "$sim_pid") # the portalsim process itself (under timeout)
}
stop_sim() {
	[[ -n ${sim_pid:-} ]] || return 0
	kill "$sim_pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$sim_pid" 2>/dev/null || true
	wait "$sim_pid" 2>/dev/null || true
	sim_pid=
}

# set_crawl_key KEY VALUE: set site.crawl.KEY in the configuration
# portalsim wrote, and check that it took (the writer omits keys that
# equal the defaults).
set_crawl_key() {
	if grep -qE "^    $1: " "$cfg"; then
		sed -i -E "s|^    $1: .*|    $1: $2|" "$cfg"
	else
		sed -i -E "s|^  crawl:$|  crawl:\n    $1: $2|" "$cfg"
	fi
	grep -qE "^    $1: $2\$" "$cfg" || die "could not set site.crawl.$1 in $cfg"
}
