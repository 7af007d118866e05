#!/bin/sh
# The cost of a Rule's require('lodash@4.17.19') per execution (README,
# Performance): cold (a new process and an empty package cache), warm from
# the package cache's bytecode (a new process each time), and warm in one
# process (`bench`). The registry is a loopback one serving the real
# tarball kept for the tests, so the figures need no network; the download
# happens before the clock, so the handler phase is what is reported.
# Needs python3 (the loopback registry).
set -e
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/actionbox
tgz=$PWD/tests/fixtures/registry-tarballs/lodash-4.17.19.tgz
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/registry/tarballs"
cp "$tgz" "$work/registry/tarballs/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$tgz" "$port" > "$work/registry/lodash" <<'PY'
import base64, hashlib, json, sys
data = open(sys.argv[1], 'rb').read()
integrity = 'sha512-' + base64.b64encode(hashlib.sha512(data).digest()).decode()
url = f'http://127.0.0.1:{sys.argv[2]}/tarballs/lodash-4.17.19.tgz'
print(json.dumps({'name': 'lodash', 'dist-tags': {'latest': '4.17.19'},
                  'versions': {'4.17.19': {'name': 'lodash', 'version': '4.17.19', 'dependencies': {},
                                           'dist': {'tarball': url, 'integrity': integrity}}}}))
PY
(cd "$work/registry" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
sleep 1
cat > "$work/rule.js" <<'JS'
function (user, context, callback) {
  const _ = require('lodash@4.17.19');
  context.idToken['https://example.com/n'] = _.sum([1, 2, 3]);
  callback(null, user, context);
}
JS
event=actions/events/post-login-database.json
handler_ms() {
  python3 -c 'import json,sys; o=json.load(sys.stdin); print("%.1f ms" % (o["timings_us"]["scripts"][0]["handler_us"] / 1000))'
}
export npm_config_registry="http://127.0.0.1:$port/"
for i in 1 2 3; do
  cache="$work/cold-$i"
  printf 'cold (new process, empty cache): '
  $bin run "$work/rule.js" --event $event --isolation thread --cache-dir "$cache" --format json | handler_ms
done
for i in 1 2 3; do
  printf 'warm (new process, bytecode from the cache): '
  $bin run "$work/rule.js" --event $event --isolation thread --cache-dir "$work/cold-1" --format json | handler_ms
done
echo 'warm in one process (bench, a fresh context each time):'
$bin bench "$work/rule.js" --event $event --duration 10s --isolation thread --cache-dir "$work/cold-1"
