#!/usr/bin/env bash
# bench/run.sh is `make bench`: mailauth against CoreDNS's own file plugin on the same records and
# against whoami (the framework's ceiling), on loopback with dnsperf, then start-up and a reload
# under load. Every figure lands in $OUT (default bench/out); the table is printed at the end.
#
#   N=10000 DURATION=10 ROUNDS=3 BIG=100000 bench/run.sh     # the default: ~20 minutes on 2 cores
#   QUICK=1 bench/run.sh            # CI, under a minute: N=2000, 2s runs, one round, reload at 2000
#
# Environment: PHASES (default "throughput big reload"; e.g. PHASES=reload to rerun just the reload),
# N (domains), BIG (the large start-up and reload set, 0 to skip), DURATION (seconds
# per dnsperf run), ROUNDS, TRANSPORTS ("udp udp-edns tcp"), PORT (first of three), PIN (1: server
# on CPU 1 and dnsperf on CPU 0, so they do not take each other's core), CLIENTS and OUTSTANDING
# (dnsperf -c and -q), RELOAD_QPS (the rate during the reload, 0 for as fast as possible), SEED, OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${QUICK:-0}" = 1 ]; then
	N=${N:-2000} DURATION=${DURATION:-2} ROUNDS=${ROUNDS:-1} BIG=${BIG:-0}
fi
N=${N:-10000}
BIG=${BIG:-100000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
TRANSPORTS=${TRANSPORTS:-udp udp-edns tcp}
PORT=${PORT:-15350}
PIN=${PIN:-1}
CLIENTS=${CLIENTS:-2}
OUTSTANDING=${OUTSTANDING:-100}
SEED=${SEED:-1}
RELOAD_QPS=${RELOAD_QPS:-20000}
PHASES=${PHASES:-throughput big reload}
STEADY=$((DURATION > 5 ? DURATION : 5)) # seconds of steady load before and after the reload
OUT=${OUT:-bench/out}
KINDS=(mailauth file whoami)

has() { [[ " $PHASES " == *" $1 "* ]]; }
log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- dnsperf --------------------------------------------------------------------------------------
if ! command -v dnsperf >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		log "installing dnsperf"
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dnsperf >/dev/null
	else
		echo "bench: dnsperf is missing: run as root on Debian, or install the dnsperf package" >&2
		exit 1
	fi
fi

# --- build once -----------------------------------------------------------------------------------
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log "building coredns, gen and probe into $OUT"
go build -o "$OUT/coredns" .
go build -o "$OUT/gen" ./bench/gen
go build -o "$OUT/probe" ./bench/probe
PROBE="$OUT/probe"

# Server and load generator each get their own core, when asked and possible.
SRV=() CLI=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	SRV=(taskset -c 1) CLI=(taskset -c 0)
fi

# --- servers: started here, always stopped on exit ------------------------------------------------
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waitfor VAR PROBE-ARGS...: runs probe wait in the background, so that a signal stops the script
# at once rather than after the probe, and sets VAR to what it prints (milliseconds).
waitfor() {
	local var=$1 w
	shift
	"$PROBE" wait "$@" >"$OUT/.wait" &
	w=$!
	PIDS+=("$w")
	wait "$w" || return 1
	printf -v "$var" '%s' "$(cat "$OUT/.wait")"
}

# start KIND DIR PORT: starts the server, waits for its first answer (the SPF record of the first
# domain) and sets STARTED_PID, STARTUP_MS (launch to first answer), and STARTUP_RSS and
# STARTUP_PEAK (kB, 2s later).
start() {
	local kind=$1 dir=$2 port=$3 t0 name type=TXT extra=()
	name=$(awk '/^  d[0-9]+\.bench\.test:/ {sub(":", "", $1); print $1 "."; exit}' "$dir/mail.yaml")
	[ "$kind" = whoami ] && name=bench.test. type=A extra=(-any)
	t0=$(date +%s%N)
	(cd "$dir" && exec "${SRV[@]}" "$OUT/coredns" -conf "Corefile.$kind" -dns.port "$port") >"$OUT/server-$kind-$port.log" 2>&1 &
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
	if ! waitfor STARTUP_MS -addr "127.0.0.1:$port" -name "$name" -type "$type" -since "$t0" -timeout 2h "${extra[@]}"; then
		tail -5 "$OUT/server-$kind-$port.log" >&2
		return 1
	fi
	sleep 2
	STARTUP_RSS=$(rss "$STARTED_PID") STARTUP_PEAK=$(hwm "$STARTED_PID")
}

# started KIND N: records the start-up of the server just started.
started() {
	printf '%-8s N=%-6s first answer after %7d ms, RSS %7.1f MB (peak %7.1f MB)\n' "$1" "$2" "$STARTUP_MS" \
		"$(echo "$STARTUP_RSS / 1024" | bc -l)" "$(echo "$STARTUP_PEAK / 1024" | bc -l)" | tee -a "$STARTUP" >&2
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# gen N: generates (once per generator version, size and seed) the data set of N domains.
gen() {
	local dir="$OUT/data-$1" stamp
	stamp="$(ls bench/benchdata/*.go bench/zonefile/*.go bench/gen/*.go | grep -v _test.go | xargs cat | sha256sum | cut -c1-16)-$1-$SEED"
	if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
		log "generating $1 domains into $dir"
		rm -rf "$dir"
		"$OUT/gen" -n "$1" -seed "$SEED" -out "$dir" >&2
		echo "$stamp" >"$dir/.stamp"
	fi
	echo "$dir"
}

# perfcmd TRANSPORT PORT DURATION QUERYFILE [dnsperf options...]: sets PERFCMD, the dnsperf command
# line (an array, so that a background run's $! is dnsperf itself and takes SIGINT).
perfcmd() {
	local t=$1 port=$2 dur=$3 q=$4 opts=()
	shift 4
	case $t in
	udp) ;;
	udp-edns) opts=(-e) ;;
	tcp) opts=(-m tcp) ;;
	*) echo "unknown transport $t" >&2 && return 1 ;;
	esac
	PERFCMD=("${CLI[@]}" dnsperf -s 127.0.0.1 -p "$port" -d "$q" -l "$dur" -c "$CLIENTS" -q "$OUTSTANDING" -v "${opts[@]}" "$@")
}

DATA=$(gen "$N")
if [ "$BIG" -gt 0 ]; then BIGDATA=$(gen "$BIG"); fi

declare -A PORTS=([mailauth]=$PORT [file]=$((PORT + 1)) [whoami]=$((PORT + 2)))
declare -A PID
STARTUP="$OUT/startup.txt" RESULTS="$OUT/results.tsv"
rm -f "$STARTUP" "$RESULTS" "$OUT/reload.txt"

# --- throughput: the same answers first, or the comparison means nothing; then the kinds alternate,
# every round in a different order -----------------------------------------------------------------
if has throughput; then
	for k in "${KINDS[@]}"; do
		start "$k" "$DATA" "${PORTS[$k]}"
		PID[$k]=$STARTED_PID
		started "$k" "$N"
	done
	"$PROBE" compare -a "127.0.0.1:${PORTS[mailauth]}" -b "127.0.0.1:${PORTS[file]}" -queries "$DATA/queries-mix.txt" -n 3000 >&2
	printf 'round\ttransport\tkind\tqps\tmean_ms\tp50_ms\tp99_ms\tlost\tfailed\trss_kb\tcpu_us_per_query\n' >"$RESULTS"
	for round in $(seq 1 "$ROUNDS"); do
		order=("${KINDS[@]:$(((round - 1) % 3))}" "${KINDS[@]:0:$(((round - 1) % 3))}")
		for t in $TRANSPORTS; do
			for k in "${order[@]}"; do
				c0=$(cputicks "${PID[$k]}")
				perfcmd "$t" "${PORTS[$k]}" "$DURATION" "$DATA/queries-mix.txt"
				"${PERFCMD[@]}" >"$OUT/dnsperf.out" 2>&1
				c1=$(cputicks "${PID[$k]}")
				line=$("$PROBE" dnsperf "$OUT/dnsperf.out")
				done_q=$(awk '/Queries completed:/ {print $3}' "$OUT/dnsperf.out")
				cpu=$(echo "($c1 - $c0) * 1000000 / $(getconf CLK_TCK) / $done_q" | bc -l)
				printf '%s\t%s\t%s\t%s\t%s\t%.2f\n' "$round" "$t" "$k" "$line" "$(rss "${PID[$k]}")" "$cpu" >>"$RESULTS"
				log "round $round $t $k: $(cut -f1 <<<"$line") qps"
			done
		done
	done
	for k in "${KINDS[@]}"; do stop "${PID[$k]}"; done
fi

# --- start-up at scale, then a reload under load on the same server ----------------------------------
# The reload runs on the large set, or on N in quick mode; the policy is edited in a copy.
RN=$N RDATA=$DATA
if [ "$BIG" -gt 0 ]; then
	RN=$BIG RDATA=$BIGDATA
	if has big; then
		start file "$BIGDATA" "${PORTS[file]}"
		started file "$BIG"
		stop "$STARTED_PID"
	fi
fi
if has big || has reload; then
	RDIR="$OUT/reload-$RN"
	rm -rf "$RDIR" && cp -r "$RDATA" "$RDIR"
	sed -i "s|^    root .*|    root $RDIR|" "$RDIR/Corefile.mailauth"
	start mailauth "$RDIR" "${PORTS[mailauth]}"
	RPID=$STARTED_PID
	if [ "$BIG" -gt 0 ]; then started mailauth "$BIG"; fi
fi
if has reload; then
	serial=$(grep -o 'serial: [0-9]*' "$RDIR/mail.yaml" | head -1 | cut -d' ' -f2)
	log "reload: mailauth up with $RN domains; dnsperf over UDP at $RELOAD_QPS qps, an edit after ${STEADY}s"
	rate=()
	if [ "$RELOAD_QPS" -gt 0 ]; then rate=(-Q "$RELOAD_QPS"); fi
	rm -f "$OUT/reload.fifo" && mkfifo "$OUT/reload.fifo"
	"${CLI[@]}" "$PROBE" window -times "$OUT/reload.times" -intervals "$OUT/reload-intervals.tsv" \
		<"$OUT/reload.fifo" >"$OUT/reload-window.txt" &
	WINDOW=$!
	perfcmd udp "${PORTS[mailauth]}" 86400 "$RDIR/queries-mix.txt" -S 1 "${rate[@]}"
	"${PERFCMD[@]}" >"$OUT/reload.fifo" 2>&1 &
	PERF=$!
	PIDS+=("$PERF" "$WINDOW")
	sleep "$STEADY"
	edit=$(date +%s.%N)
	# A new serial and one SPF term more: the change a provider makes many times a day.
	sed -i "s/serial: $serial/serial: $((serial + 1))/; 0,/spf: \[/s/spf: \[/spf: [\"ip4:192.0.2.1\", /" "$RDIR/mail.yaml"
	waitfor ms -addr "127.0.0.1:${PORTS[mailauth]}" -name bench.test. -type SOA -serial-above "$serial" \
		-since "$(date -d "@$edit" +%s%N)" -timeout 2h
	echo "$edit $(echo "$edit + $ms / 1000 + 1" | bc -l)" >"$OUT/reload.times"
	sleep "$STEADY"
	kill -INT "$PERF" 2>/dev/null || true
	wait "$PERF" || true
	wait "$WINDOW"
	{
		echo "reload of $RN domains under dnsperf at $RELOAD_QPS qps: new serial served $ms ms after the edit (policy checked every 5s)"
		echo "RSS before/after: $(echo "$STARTUP_RSS / 1024" | bc) MB / $(echo "$(rss "$RPID") / 1024" | bc) MB, peak $(echo "$(hwm "$RPID") / 1024" | bc) MB"
		cat "$OUT/reload-window.txt"
	} >"$OUT/reload.txt"
fi
if has big || has reload; then stop "$RPID"; fi

# --- the table --------------------------------------------------------------------------------------
{
	echo "coredns-mailauth bench: N=$N, ${DURATION}s x $ROUNDS rounds per server and transport, dnsperf -c $CLIENTS -q $OUTSTANDING$([ ${#SRV[@]} -gt 0 ] && echo ', server on CPU 1, dnsperf on CPU 0')"
	echo "$(nproc) CPUs: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(go version | cut -d' ' -f3); $(dnsperf -h 2>&1 | awk '/^Version/ {print "dnsperf " $2}')"
	if [ -f "$RESULTS" ]; then echo && "$PROBE" report "$RESULTS"; fi
	if [ -f "$STARTUP" ]; then echo && cat "$STARTUP"; fi
	if [ -f "$OUT/reload.txt" ]; then echo && cat "$OUT/reload.txt"; fi
} | tee "$OUT/table.txt"
