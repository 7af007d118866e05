#!/bin/sh
# Instructions per execution of the bench Action (post-login, thread
# isolation, no tokens, one at a time), counted by callgrind: two runs of
# N1 and N2 measured executions, and the difference divided by N2 - N1, so
# process start, compiling and the cold execution cancel out. Instruction
# counts do not depend on what else the machine is doing, unlike seconds.
# The bench's memory-watching thread is left out: its work grows with wall
# time (much slower under callgrind), not with executions.
# Usage: benches/instructions.sh [BINARY] [N1] [N2] [EVENT]  (needs valgrind)
# EVENT defaults to the database-login event the README's figures use.
set -e
cd "$(dirname "$0")/.."
bin=${1:-target/release/actionbox}
n1=${2:-20}
n2=${3:-220}
event=${4:-actions/events/post-login-database.json}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() {
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$tmp/cg.$1" \
    "$bin" bench benches/fixtures/bench-action.js --event "$event" --isolation thread --no-tokens \
    --concurrency 1 --iterations "$1" --warmup 0 --format json >"$tmp/report.$1.json" 2>/dev/null
  for f in "$tmp"/cg."$1"-*; do
    grep -q -e 'bench::children' -e 'MemoryWatch::start::' "$f" || grep -h '^summary' "$f"
  done | awk '{ s += $2 } END { print s }'
}
a=$(count "$n1")
b=$(count "$n2")
echo "instructions per execution: $(( (b - a) / (n2 - n1) ))"
grep -o '"peak_isolate_bytes": [0-9]*' "$tmp/report.$n2.json"
