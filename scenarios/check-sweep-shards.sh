#!/usr/bin/env bash
# A sweep split across processes and shards gives what one process gives: --jobs 2 writes the same records
# as --jobs 1, and three --shard K/3 runs merged with sweep-merge give the unsharded totals. sweep-merge fails
# when a shard is missing or when one seed comes back with two digests.
set -euo pipefail
mgm_sim=${1:?usage: check-sweep-shards.sh path/to/mgm-sim}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check-sweep-shards: $*" >&2; exit 1; }
inputs=(scenarios/natural-cycle.json scenarios/helix-retry.json)
args=(--seeds 1..6 --faults random --recheck 0)

"$mgm_sim" sweep "${inputs[@]}" "${args[@]}" --jobs 1 --jsonl "$tmp/one.jsonl" > "$tmp/one.txt" || true
"$mgm_sim" sweep "${inputs[@]}" "${args[@]}" --jobs 2 --jsonl "$tmp/two.jsonl" > "$tmp/two.txt" || true
[ "$(wc -l < "$tmp/one.jsonl")" -eq 12 ] || fail "expected 12 records from 2 files x 6 seeds"
cmp -s "$tmp/one.jsonl" "$tmp/two.jsonl" || { diff "$tmp/one.jsonl" "$tmp/two.jsonl" | head; fail "--jobs 2 records differ from --jobs 1"; }
cmp -s "$tmp/one.txt" "$tmp/two.txt" || { diff "$tmp/one.txt" "$tmp/two.txt"; fail "--jobs 2 output differs from --jobs 1"; }

for k in 1 2 3; do
  "$mgm_sim" sweep "${inputs[@]}" --seeds 1..6 --faults random --shard $k/3 --jsonl "$tmp/shard$k.jsonl" > "$tmp/shard$k.txt" || true
  grep -q "^shard $k/3: 4 of 12 runs" "$tmp/shard$k.txt" || { cat "$tmp/shard$k.txt"; fail "shard $k/3 did not run 4 of 12"; }
  grep -q "re-run in a fresh process gave the same digests" "$tmp/shard$k.txt" || fail "shard $k/3 made no determinism re-run"
done
"$mgm_sim" sweep-merge "$tmp"/shard{1,2,3}.jsonl > "$tmp/merged.txt" || true
totals() { grep '^sweep: [0-9]* runs' "$1"; }
[ "$(totals "$tmp/merged.txt")" = "$(totals "$tmp/one.txt")" ] ||
  { totals "$tmp/merged.txt"; totals "$tmp/one.txt"; fail "merged shards do not add up to the unsharded sweep"; }

if "$mgm_sim" sweep-merge "$tmp"/shard{1,3}.jsonl > "$tmp/missing.txt"; then fail "sweep-merge passed with shard 2/3 missing"; fi
grep -q "shard 2/3 has no records" "$tmp/missing.txt" || fail "sweep-merge did not name the missing shard"

# The same seed reported twice with another digest: a determinism failure, wherever the records came from.
head -1 "$tmp/one.jsonl" | sed 's/"digest":"[0-9a-f]*"/"digest":"0000"/' > "$tmp/tampered.jsonl"
if "$mgm_sim" sweep-merge "$tmp/one.jsonl" "$tmp/tampered.jsonl" > "$tmp/tampered.txt"; then fail "sweep-merge missed two digests for one seed"; fi
grep -q "the same seed gave two different traces" "$tmp/tampered.txt" || fail "sweep-merge did not explain the nondeterminism"

echo "check-sweep-shards: --jobs 1 == --jobs 2, 3 shards merge to the unsharded totals, missing shard and digest conflict caught"
