#!/bin/sh
# Same-run comparison of actionbox builds against Node's vm, as
# docs/performance.md reports them: each round runs every given actionbox
# binary for SECONDS (bench, thread isolation, no tokens, one execution at
# a time, the database-login event), then the independent Node harness
# (src/bench/node.js: a fresh vm context per execution, the script compiled
# once, a minimal api that records every call), and prints executions per
# second, latency, CPU time per execution and phases, and each binary's
# ratios to that round's Node.
# Only ratios within a round mean anything on a shared machine.
#
#   benches/same-run.sh [-r ROUNDS] [-s SECONDS] [BINARY...]
#
# Without BINARY it builds and measures target/release/actionbox. Needs node.
set -e
cd "$(dirname "$0")/.."
rounds=3
seconds=3
while getopts r:s: opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    s) seconds=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
  cargo build --release --quiet
  set -- target/release/actionbox
fi
action=benches/fixtures/bench-action.js
event=actions/events/post-login-database.json
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
  : > "$results"
  for bin in "$@"; do
    "$bin" bench "$action" --event "$event" --duration "${seconds}s" --isolation thread \
      --no-tokens --concurrency 1 --format json 2>/dev/null |
      BIN="$bin" node -e '
        const r = JSON.parse(require("fs").readFileSync(0, "utf8")).report, p = r.phases_us;
        console.log(JSON.stringify({ bin: process.env.BIN, rate: r.executions_per_second, cpu: r.cpu_us_per_execution,
          line: `${r.executions_per_second.toFixed(0)}/s p50 ${r.latency_us.p50} µs p99 ${r.latency_us.p99} µs cpu ${r.cpu_us_per_execution == null ? "-" : r.cpu_us_per_execution.toFixed(0)} µs peak ${Math.round(r.peak_isolate_bytes / 1000)} KB | ` +
            `prepare ${p.prepare} handoff ${p.handoff} isolate ${p.isolate} event ${p.event} load ${p.load} handler ${p.handler} host ${p.host} outcome ${p.outcome} · free ${p.free} ahead ${p.ahead ?? "-"}` }));' >> "$results"
  done
  node src/bench/node.js "$action" "$event" onExecutePostLogin 0 $((seconds * 1000)) 50 |
    RESULTS="$results" ROUND="$round" node -e '
      const fs = require("fs");
      const node = JSON.parse(fs.readFileSync(0, "utf8"));
      console.log(`round ${process.env.ROUND}: node ${node.node} vm, minimal recorder: ${node.executions_per_second.toFixed(0)}/s p50 ${node.latency_us.p50} µs p99 ${node.latency_us.p99} µs cpu ${node.cpu_us_per_execution.toFixed(0)} µs`);
      for (const line of fs.readFileSync(process.env.RESULTS, "utf8").trim().split("\n")) {
        const r = JSON.parse(line);
        const cpu = r.cpu ? `, ${(r.cpu / node.cpu_us_per_execution).toFixed(2)}× its CPU` : "";
        console.log(`  ${(r.rate / node.executions_per_second).toFixed(2)}×${cpu} ${r.bin}: ${r.line}`);
      }'
done
