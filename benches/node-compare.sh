#!/bin/sh
# The same Action in actionbox and in Node's vm module (a fresh context per
# execution, actionbox's own post-login api facade on both sides), measured
# in one run, one execution at a time, then actionbox at full concurrency
# in worker processes and in threads. Needs node on PATH.
set -e
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/actionbox
action=benches/fixtures/bench-action.js
event=actions/events/post-login-database.json
$bin bench $action --event $event --duration 10s --isolation thread --no-tokens --compare-node
$bin bench $action --event $event --duration 10s --isolation thread
$bin bench $action --event $event --duration 10s --isolation process
