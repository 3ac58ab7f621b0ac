#!/usr/bin/env bash
# Measures `tether leakprof` against the issue's fleet targets, on dumps and endpoints of real Go runtimes:
#   (a) 100 debug=2 dump files of 10,000 goroutines each, given as one directory: <= 10 s, <= 1 GiB
#   (b) 100 live /debug/pprof/goroutine endpoints on loopback (10 processes x 10 ports): <= 15 s
# and, for scale, what the CLI cannot beat: cat of the files, and curl of the endpoints (Go's own serving cost).
#
# Usage: tether-bench/fleet/fleet-bench.sh [--baselines-only] [-- CLI_OPTIONS...]
#   --baselines-only  skip the CLI (no jar needed): generate, serve, and time cat and curl
#   CLI_OPTIONS       passed to every CLI run, e.g. -- --parallel 4
# Environment: TETHER_CLI_JAR (tether-cli/target/tether-leakprof.jar), FLEET_DIR (/tmp/tether-fleet-bench),
#   RUNS (3), DUMPS (100), GOROUTINES (10000), SERVERS (10), PORTS (10), FETCH_PARALLEL (2: curl's concurrency)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${FLEET_DIR:-/tmp/tether-fleet-bench}
RUNS=${RUNS:-3} DUMPS=${DUMPS:-100} GOROUTINES=${GOROUTINES:-10000}
SERVERS=${SERVERS:-10} PORTS=${PORTS:-10} FETCH_PARALLEL=${FETCH_PARALLEL:-2}

cli=true
cli_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --baselines-only) cli=false ;;
    --) shift; cli_opts=("$@"); break ;;
    *) echo "usage: $0 [--baselines-only] [-- CLI_OPTIONS...]" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "fleet-bench: $*" >&2; exit 2; }
say() { echo "fleet-bench: $*" >&2; }

# A JDK 25+ as ./tether finds it: $JAVA_HOME if it is one, else /usr/lib/jvm/*25*.
jdk_major() { "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'; }
java=
if $cli; then
  jar=${TETHER_CLI_JAR:-tether-cli/target/tether-leakprof.jar}
  [[ $jar = /* ]] || jar=$root/$jar
  [ -f "$jar" ] || die "no CLI jar at $jar; build it first: mvn -q -pl tether-cli -am package -DskipTests"
  for home in ${JAVA_HOME:-} /usr/lib/jvm/*25*; do
    if [ -x "$home/bin/java" ] && [ "$(jdk_major "$home")" -ge 25 ] 2>/dev/null; then java=$home/bin/java; break; fi
  done
  [ -n "$java" ] || die "no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/*25*)"
fi
command -v go >/dev/null || die "go is missing (the leaky service is built from source)"
command -v curl >/dev/null || die "curl is missing"
[ -x /usr/bin/time ] || die "GNU time is missing: apt-get install -y time"

tmp=$(mktemp -d)
pids=()
cleanup() {
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work"
read -r load _ </proc/loadavg
say "load average $load on $(nproc) cores$(awk -v l="$load" 'BEGIN { if (l > 0.5) print ": other processes compete, timings will be noisy" }')"

say "building the leaky service"
(cd "$here/leaky" && go build -o "$tmp/leaky" .)
bin=$tmp/leaky

# ---- timing ----------------------------------------------------------------------------------------------------

# timed NAME CMD...: runs CMD $RUNS times under GNU time and sets wall (median seconds), rss (median max RSS, kB)
# and walls (every run). Exit 1 is accepted: it is the CLI's "suspects found". Output is kept in $work/NAME.*.
timed() {
  local name=$1 i rc w r ws=() rs=()
  shift
  for ((i = 1; i <= RUNS; i++)); do
    rc=0
    /usr/bin/time -v -o "$tmp/time" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    if [ "$rc" -gt 1 ]; then
      tail -n 20 "$work/$name.err" >&2
      die "$name: exit $rc (output in $work/$name.out and .err)"
    fi
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s }' "$tmp/time")
    r=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time")
    ws+=("$w") rs+=("$r")
    say "$name run $i: ${w} s, max RSS $((r / 1024)) MB"
  done
  wall=$(printf '%s\n' "${ws[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  rss=$(printf '%s\n' "${rs[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  walls=${ws[*]}
}

rows=()
# row WHAT TARGET: one line of the summary from the last timed run.
row() { rows+=("| $1 | $wall | $((rss / 1024)) | $walls | $2 |"); }

# verdict LIMIT_S [LIMIT_MB]: PASS or FAIL for the last timed run.
verdict() {
  awk -v w="$wall" -v r="$rss" -v lw="$1" -v lr="${2:-0}" \
    'BEGIN { ok = w <= lw && (lr == 0 || r <= lr * 1024); printf "%s (<= %s s%s)", ok ? "PASS" : "FAIL", lw, lr ? ", <= " lr " MB" : "" }'
}

# scanned REPORT: " (scanned/instances, goroutines)" from the CLI's JSON report (a failed target is not fatal to it).
scanned() {
  command -v python3 >/dev/null || return 0
  python3 - "$1" <<'EOF' || true
import json, sys
instances = json.load(open(sys.argv[1])).get("instances", [])
ok = [i for i in instances if not i.get("error")]
print(f" ({len(ok)}/{len(instances)} scanned, {sum(i.get('total') or 0 for i in ok)} goroutines)")
EOF
}

# ---- (a) dump files --------------------------------------------------------------------------------------------

dumps=$work/dumps
stamp="$DUMPS $GOROUTINES $(sha1sum "$here/leaky/main.go" | cut -c1-12) $(go version)"
if [ "$(cat "$work/dumps.stamp" 2>/dev/null)" = "$stamp" ] \
  && [ "$(find "$dumps" -maxdepth 1 -type f | wc -l)" -eq "$DUMPS" ]; then
  say "reusing $DUMPS dumps in $dumps"
  gen="(reused)"
else
  say "generating $DUMPS dumps of $GOROUTINES goroutines into $dumps"
  rm -rf "$dumps" "$dumps.new" "$work/dumps.stamp"
  mkdir -p "$dumps.new"
  start=$(date +%s.%N)
  seq 1 "$DUMPS" | xargs -P "$(nproc)" -I{} "$bin" -goroutines "$GOROUTINES" -seed {} -dump "$dumps.new/dump-{}.txt"
  gen=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f s", e - s }')
  mv "$dumps.new" "$dumps"
  echo "$stamp" >"$work/dumps.stamp"
fi
bytes=$(cat "$dumps"/* | wc -c)
per_dump=$(grep -c '^goroutine ' "$dumps/dump-1.txt")
size="$((bytes / 1048576)) MB in $DUMPS files ($((bytes / DUMPS / 1024)) kB and $per_dump goroutines each)"
say "dumps: $size, generated in $gen"

timed cat sh -c 'cat "$@" >/dev/null' sh "$dumps"/*
row "baseline: cat of the $DUMPS files (page cache warm)" "-"
if $cli; then
  timed files "$java" -Xmx1g -jar "$jar" --no-progress --json "$work/report-files.json" "${cli_opts[@]}" "$dumps"
  row "**(a) CLI, $DUMPS dump files**$(scanned "$work/report-files.json")" "$(verdict 10 1024)"
fi

# ---- (b) HTTP endpoints ----------------------------------------------------------------------------------------

say "starting $SERVERS leaky servers x $PORTS ports, $GOROUTINES goroutines each"
servers=$tmp/servers
mkdir -p "$servers"
for ((i = 1; i <= SERVERS; i++)); do
  "$bin" -goroutines "$GOROUTINES" -seed "$i" -ports "$PORTS" -addrs "$servers/addrs-$i.txt" 2>"$servers/log-$i.txt" &
  pids+=($!)
done
deadline=$((SECONDS + 120))
for ((i = 1; i <= SERVERS; i++)); do
  # The server writes its list atomically once every port listens and every goroutine is parked.
  until [ -f "$servers/addrs-$i.txt" ] && [ "$(wc -l <"$servers/addrs-$i.txt")" -eq "$PORTS" ]; do
    kill -0 "${pids[i - 1]}" 2>/dev/null || die "server $i died: $(cat "$servers/log-$i.txt")"
    [ "$SECONDS" -lt "$deadline" ] || die "servers not listening after 120 s"
    sleep 0.2
  done
done
targets=$work/targets.txt
cat "$servers"/addrs-*.txt >"$targets"
sed 's/$/?debug=1/' "$targets" >"$work/targets-debug1.txt"
server_rss=$(ps -o rss= -p "$(IFS=,; echo "${pids[*]}")" | awk '{ s += $1 } END { print int(s / 1024) }')
first=$(head -n 1 "$targets")
one=$(for ((i = 0; i < 3; i++)); do curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$first?debug=2"; done |
  sort -g | sed -n 2p)
served="one endpoint's debug=2: $(awk '{ printf "%.0f ms, %.1f MB", $1 * 1000, $2 / 1048576 }' <<<"$one")"
say "$(wc -l <"$targets") endpoints up; servers' RSS $server_rss MB; $served"

timed curl2 sh -c 'sed "s/\$/?debug=2/" "$1" | xargs -P "$2" -n 1 curl -sf -o /dev/null' sh "$targets" "$FETCH_PARALLEL"
row "baseline: curl of the $(wc -l <"$targets") endpoints, debug=2, $FETCH_PARALLEL at a time" "-"
timed curl1 sh -c 'xargs -P "$2" -n 1 curl -sf -o /dev/null <"$1"' sh "$work/targets-debug1.txt" "$FETCH_PARALLEL"
row "baseline: curl of the endpoints, debug=1, $FETCH_PARALLEL at a time" "-"
if $cli; then
  timed http "$java" -Xmx1g -jar "$jar" --no-progress --json "$work/report-http.json" "${cli_opts[@]}" \
    --targets-file "$targets"
  row "**(b) CLI, $(wc -l <"$targets") endpoints (debug=2)**$(scanned "$work/report-http.json")" "$(verdict 15)"
  timed http1 "$java" -Xmx1g -jar "$jar" --no-progress --json "$work/report-http1.json" "${cli_opts[@]}" \
    --targets-file "$work/targets-debug1.txt"
  row "CLI, the endpoints with ?debug=1$(scanned "$work/report-http1.json")" "-"
fi
# The servers log only if something went wrong, e.g. an idle connection that should never end.
if [ -n "$(cat "$servers"/log-*.txt)" ]; then
  say "the servers logged (their goroutine counts changed):"
  awk 'NR <= 5' "$servers"/log-*.txt >&2   # not head: under pipefail its early exit fails the script
fi

# ---- summary ---------------------------------------------------------------------------------------------------

cat <<EOF

## Fleet benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average at start $load)

- dumps: $size; generated in $gen
- servers: $SERVERS processes x $PORTS ports, $GOROUTINES goroutines each, RSS $server_rss MB in all; $served
- CLI: ${jar:-not run}${cli_opts[*]:+ with ${cli_opts[*]}}; median of $RUNS runs

| measurement | median wall (s) | max RSS (MB) | runs (s) | target |
| --- | ---: | ---: | --- | --- |
EOF
printf '%s\n' "${rows[@]}"
