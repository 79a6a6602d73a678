#!/usr/bin/env bash
# Pins every scenario's trace digest: `mgm-sim run` of the whole library must give exactly the digests in
# scenarios/expected-digests.txt. A change that alters a trace (on purpose: a new trace field, a fixed wire
# behaviour) updates the file in the same commit with --update, so every trace change is visible in review;
# a restructuring must leave it untouched.
#   usage: scenarios/check-digests.sh path/to/mgm-sim [--update]
set -euo pipefail
mgm_sim="$1"
here="$(cd "$(dirname "$0")" && pwd)"
expected="$here/expected-digests.txt"
out=$("$mgm_sim" run "$here"/*.json 2>&1) || { echo "$out"; echo "check-digests: mgm-sim run failed" >&2; exit 1; }
actual=$(sed -n 's/^PASS \([^ ]*\) .* digest \([0-9a-f]\{64\}\)$/\1 \2/p' <<< "$out" | sort)
if [[ "${2:-}" == "--update" ]]; then
  { echo "# scenario trace digest (scenarios/check-digests.sh MGM_SIM --update rewrites this file)"; echo "$actual"; } > "$expected"
  echo "check-digests: wrote $(wc -l <<< "$actual") digests to $expected"
  exit 0
fi
if ! diff_out=$(diff <(grep -v '^#' "$expected") <(echo "$actual")); then
  echo "check-digests: trace digests differ from scenarios/expected-digests.txt ('<' expected, '>' now):" >&2
  echo "$diff_out" >&2
  echo "check-digests: if the trace change is intended, rerun with --update and commit the file" >&2
  exit 1
fi
echo "check-digests: $(wc -l <<< "$actual") scenario digests as expected"
