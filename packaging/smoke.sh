#!/usr/bin/env bash
# Run the built bundle once as a user would: the CLI, a shipped scenario against the embedded
# CSMS, and the window (offscreen) closed by SIGTERM with its session ended. CI runs this after
# packaging/build.sh; exit status 0 only if all of it worked.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

bin="$PWD/dist/ocpplab/ocpplab"
[ -x "$bin" ] || { echo "no bundle at $bin: run bash packaging/build.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # away from the repository: the bundle must find its own resources

"$bin" --help >/dev/null
"$bin" run local-session-16 --db "$work/run.db" --speed 1000 >"$work/run.log" || { cat "$work/run.log"; exit 1; }
"$bin" sessions list --db "$work/run.db" | grep -q "SCN-LOCAL-16"

QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$work/config" "$bin" gui --db "$work/gui.db" --port 0 >"$work/gui.log" 2>&1 &
app=$!
for _ in $(seq 1 150); do  # up to 30 s for the window's lab to start recording
  [ -s "$work/gui.db" ] && "$bin" sessions list --db "$work/gui.db" 2>/dev/null | grep -q " Window " && break
  kill -0 "$app" 2>/dev/null || { cat "$work/gui.log"; echo "the window exited before it started recording" >&2; exit 1; }
  sleep 0.2
done
kill -TERM "$app"
wait "$app" || { cat "$work/gui.log"; echo "the window did not close cleanly on SIGTERM (exit $?)" >&2; exit 1; }
"$bin" sessions list --db "$work/gui.db" | grep " Window " | grep -qv " open " \
  || { echo "the window's session was not ended" >&2; exit 1; }
echo "bundle smoke test passed: CLI, scenario, window"
