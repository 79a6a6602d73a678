#!/usr/bin/env bash
# `mgm-sim run --trace FILE` writes exactly the lines the digest covers: for each scenario given, the file's
# SHA-256 is the printed digest and it has one line per trace record (several scenarios: one file each).
#   usage: scenarios/check-trace-file.sh path/to/mgm-sim SCENARIO.json...
set -euo pipefail
mgm_sim="$1"
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$("$mgm_sim" run --trace "$dir/trace.jsonl" "$@") || { echo "$out"; echo "check-trace-file: mgm-sim run failed" >&2; exit 1; }
checked=0
while read -r name records digest; do
  file="$dir/trace.jsonl"
  [[ $# -gt 1 ]] && file="$dir/trace.$name.jsonl"
  [[ -f "$file" ]] || { echo "check-trace-file: $name: no trace file $file" >&2; exit 1; }
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  lines=$(wc -l < "$file")
  if [[ "$actual" != "$digest" || "$lines" != "$records" ]]; then
    echo "check-trace-file: $name: file sha256 $actual with $lines lines, run printed digest $digest, $records records" >&2
    exit 1
  fi
  checked=$((checked + 1))
done < <(sed -n 's/^PASS \([^ ]*\) .*, \([0-9]*\) trace records, digest \([0-9a-f]\{64\}\)$/\1 \2 \3/p' <<< "$out")
if [[ $checked -ne $# ]]; then
  echo "$out"
  echo "check-trace-file: checked $checked of $# scenarios" >&2
  exit 1
fi
echo "check-trace-file: $checked trace files match their digests"
