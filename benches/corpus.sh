#!/bin/sh
# Runs every Rule and Action (*.js) of a folder, each as a login of its own,
# and says for each whether it loaded its packages, and if not, why. Made
# to measure actionbox against public scripts (for example src/rules of a
# checkout of github.com/auth0/rules, or Marketplace Actions); the scripts
# themselves are not part of this repository.
#
# An Action's declared dependencies come from NAME.deps.json beside it
# ({"dependencies": {"jose": "4.15.9"}}), passed as --dependency. Packages
# come from the registry npm's configuration names (so this needs it
# reachable, or a warm cache and --offline in EXTRA_ARGS).
#
# Each script gets one line: its class, its name, and the first error:
#   ok            ran (or failed for its own reasons after loading)
#   network       stopped at a network call the policy refused, as expected
#                 (no --allow-net, no --http-mock): its packages loaded
#   no-sockets    a package needs raw sockets, which scripts cannot open
#   missing       Cannot find module (or, offline, not in the cache): a gap,
#                 unless the package is not on the registry at all
#   failed        any other error: read it (a missing API, an ES module,
#                 a TypeError deep in a package, or the script's own error)
# then totals. Usage: benches/corpus.sh DIR
set -e
dir=${1:?usage: benches/corpus.sh DIR}
cd "$(dirname "$0")/.."
bin=${ACTIONBOX:-target/release/actionbox}
[ -x "$bin" ] || cargo build --release --quiet
total=0
loaded=0
for script in "$dir"/*.js; do
  case "$script" in *.test.js) continue ;; esac
  total=$((total + 1))
  set --
  if grep -q 'exports\.on[A-Z]' "$script"; then
    deps="${script%.js}.deps.json"
    if [ -f "$deps" ]; then
      for pair in $(tr -d ' \n' <"$deps" | sed 's/.*"dependencies":{//; s/}.*//; s/","/" "/g; s/"//g; s/:/@/g'); do
        set -- "$@" --dependency "$pair"
      done
    fi
  else
    set -- "$@" --event actions/events/post-login-database.json
  fi
  # shellcheck disable=SC2086
  out=$("$bin" run "$script" "$@" --isolation thread --now 2026-12-01T10:00:00Z $EXTRA_ARGS 2>&1 || true)
  why=$(printf '%s\n' "$out" | grep -m1 -E '^(✖|(actionbox: )?error)' || true)
  if printf '%s' "$out" | grep -q "Cannot find module\|offline, and the package cache"; then
    class=missing
    why=$(printf '%s' "$out" | grep -o "Cannot find module '[^']*'[^.]*" | head -1)
  elif printf '%s' "$out" | grep -q "ERR_ACTIONBOX_NO_SOCKETS\|cannot open network connections"; then
    class=no-sockets
  elif printf '%s' "$out" | grep -q "is not allowed: scripts get no network"; then
    class=network
  elif [ -n "$why" ]; then
    class=failed
  else
    class=ok
  fi
  case $class in ok | network) loaded=$((loaded + 1)) ;; esac
  printf '%-10s %s: %s\n' "$class" "$(basename "$script")" "$why"
done
echo "$loaded of $total scripts load their packages and run"
