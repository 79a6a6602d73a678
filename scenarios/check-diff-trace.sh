#!/usr/bin/env bash
# mgm-sim diff-trace: identical traces exit 0; a trace cut short and a trace of another seed exit 1 and name the
# first record that differs (with the fields that differ); detail lines (--trace-detail) are skipped.
set -euo pipefail
mgm_sim=${1:?usage: check-diff-trace.sh path/to/mgm-sim}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check-diff-trace: $*" >&2; exit 1; }
"$mgm_sim" run scenarios/tier-b-slice.json --trace "$tmp/a.jsonl" > /dev/null
"$mgm_sim" run scenarios/tier-b-slice.json --trace "$tmp/b.jsonl" > /dev/null
"$mgm_sim" run scenarios/tier-b-slice.json --seed 99 --trace "$tmp/other.jsonl" > /dev/null
records=$(wc -l < "$tmp/a.jsonl")
out=$("$mgm_sim" diff-trace "$tmp/a.jsonl" "$tmp/b.jsonl") || fail "two runs of one seed differ: $out"
grep -q "identical, $records records" <<< "$out" || fail "unexpected output: $out"
head -n 10 "$tmp/a.jsonl" > "$tmp/short.jsonl"
if out=$("$mgm_sim" diff-trace "$tmp/a.jsonl" "$tmp/short.jsonl"); then fail "a truncated trace compared equal"; fi
grep -q "agree on 10 records; record 11 differs" <<< "$out" || fail "truncation not located: $out"
grep -q "short.jsonl ends here" <<< "$out" || fail "truncation not explained: $out"
if out=$("$mgm_sim" diff-trace "$tmp/a.jsonl" "$tmp/other.jsonl"); then fail "traces of two seeds compared equal"; fi
grep -q "fields that differ:" <<< "$out" || fail "no field-level difference: $out"
# Detail lines (--trace-detail) are outside the digest: the same run with them compares equal.
"$mgm_sim" run scenarios/tier-b-slice.json --trace "$tmp/detail.jsonl" --trace-detail > /dev/null
grep -q '"kind":"http.detail"' "$tmp/detail.jsonl" || fail "--trace-detail wrote no detail line"
out=$("$mgm_sim" diff-trace "$tmp/a.jsonl" "$tmp/detail.jsonl") || fail "detail lines made the traces differ: $out"
grep -q "identical, $records records" <<< "$out" || fail "unexpected output with detail lines: $out"
echo "check-diff-trace: identical, truncated, other-seed and detailed traces reported as expected"
