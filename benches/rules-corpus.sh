#!/bin/sh
# Runs every Rule (*.js) of a folder, e.g. src/rules of a checkout of
# github.com/auth0/rules, as a login of its own, and counts how many load
# their packages: a Rule whose run fails with "Cannot find module" did not.
# Packages come from the npm registry npm's configuration names (so this
# needs it reachable, or a warm cache and --offline in EXTRA_ARGS); network
# calls the Rules make are refused, which is not a package failure.
# Usage: benches/rules-corpus.sh DIR   (prints one line per Rule, then totals)
set -e
dir=${1:?usage: benches/rules-corpus.sh DIR}
cd "$(dirname "$0")/.."
bin=${ACTIONBOX:-target/release/actionbox}
[ -x "$bin" ] || cargo build --release --quiet
event=actions/events/post-login-database.json
total=0; loaded=0; missing=0
for rule in "$dir"/*.js; do
  case "$rule" in *.test.js) continue ;; esac
  total=$((total + 1))
  out=$("$bin" run "$rule" --event $event --isolation thread --format json $EXTRA_ARGS 2>&1 || true)
  if printf '%s' "$out" | grep -q "Cannot find module"; then
    missing=$((missing + 1))
    why=$(printf '%s' "$out" | grep -o "Cannot find module '[^']*'" | head -1)
    echo "missing  $(basename "$rule"): $why"
  else
    loaded=$((loaded + 1))
    echo "loaded   $(basename "$rule")"
  fi
done
echo "$loaded of $total Rules load their packages ($missing cannot find a module)"
