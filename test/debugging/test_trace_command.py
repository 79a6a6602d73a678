#!/usr/bin/env python3
"""`mgm-sim trace` on real scenario traces: every filter (alone and combined) selects exactly the records a
reference filter written here selects, the readable lines say what happened, bad arguments are refused naming the
flag, and a 100 MB trace streams through in constant memory.

usage: test_trace_command.py path/to/mgm-sim SOURCE_DIR [--sanitized]
  --sanitized: an ASan build (its shadow memory is no measure of the program's): 10 MB streamed, no RSS bound
"""
import fnmatch
import json
import os
import resource
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

MGM_SIM, SOURCE = sys.argv[1], sys.argv[2]
SANITIZED = "--sanitized" in sys.argv[3:]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(*args, stdin=None):
    return subprocess.run([MGM_SIM, *args], capture_output=True, text=True, stdin=stdin)


def instant(text):
    # Up to 7 fraction digits (100 ns ticks): microseconds are enough to order and compare the test's windows.
    base, _, frac = text.rstrip("Z").partition(".")
    t = datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return t + timedelta(microseconds=int((frac + "000000")[:6]) if frac else 0)


def printed_seqs(out):
    return [int(line.split()[0].lstrip("#")) for line in out.splitlines() if line.startswith("#")]


with tempfile.TemporaryDirectory() as tmp:
    traces = {}
    for name in ("natural-cycle", "network-faults", "helix-retry", "gift-queue"):
        path = os.path.join(tmp, name + ".jsonl")
        r = run("run", "--trace", path, os.path.join(SOURCE, "scenarios", name + ".json"))
        check(r.returncode == 0, f"mgm-sim run {name}: {r.stdout}{r.stderr}")
        traces[name] = (path, [json.loads(line) for line in open(path)])

    def family(value, wanted):
        return any(value == w or value.startswith(w + ".") for w in wanted)

    # Each case: the flags, and the reference predicate over (record, start instant).
    cases = [
        (["--kind", "http"], lambda r, s: family(r["kind"], ["http"])),
        (["--kind", "http.out"], lambda r, s: r["kind"] == "http.out"),
        (["--kind", "event,step"], lambda r, s: r["kind"] in ("event", "step")),
        (["--actor", "ebs"], lambda r, s: family(r["actor"], ["ebs"])),
        (["--actor", "helix,net"], lambda r, s: r["actor"] in ("helix", "net")),
        (["--event", "payout.*"], lambda r, s: r["kind"] == "event" and fnmatch.fnmatchcase(r["name"], "payout.*")),
        (["--event", "*.created,helix.announce_attempt"],
         lambda r, s: r["kind"] == "event" and (r["name"].endswith(".created") or r["name"] == "helix.announce_attempt")),
        (["--no-timers"], lambda r, s: r["kind"] != "timer"),
        (["--from", "+60s", "--to", "+4m"],
         lambda r, s: s + timedelta(seconds=60) <= instant(r["t"]) <= s + timedelta(minutes=4)),
        (["--from", "2026-04-04T12:01:00Z"], lambda r, s: instant(r["t"]) >= instant("2026-04-04T12:01:00Z")),
        (["--kind", "http", "--actor", "ebs", "--to", "start+2m"],
         lambda r, s: family(r["kind"], ["http"]) and family(r["actor"], ["ebs"]) and instant(r["t"]) <= s + timedelta(minutes=2)),
        (["--event", "payout.*", "--actor", "ebs", "--from", "+30s"],
         lambda r, s: r["kind"] == "event" and r["name"].startswith("payout.") and instant(r["t"]) >= s + timedelta(seconds=30)),
    ]
    for name, (path, records) in traces.items():
        start = instant(records[0]["t"])
        for flags, keep in cases:
            expected = [r["seq"] for r in records if keep(r, start)]
            r = run("trace", path, *flags)
            got = printed_seqs(r.stdout)
            check(got == expected, f"{name} {' '.join(flags)}: printed records {got[:8]}... ({len(got)}), "
                                   f"expected {expected[:8]}... ({len(expected)})")
            check(r.returncode == (0 if expected else 1), f"{name} {' '.join(flags)}: exit {r.returncode}")
            # --json prints the very lines.
            rj = run("trace", path, "--json", *flags)
            check([json.loads(line)["seq"] for line in rj.stdout.splitlines()] == expected,
                  f"{name} {' '.join(flags)} --json: other records")

    # What a reader sees.
    nc_path, nc = traces["natural-cycle"]
    out = run("trace", nc_path, "--kind", "http", "--actor", "ebs").stdout
    check(any(line.split()[2:] == ["ebs", "http", "GET", "/api/roulette/state", "->", "200"] for line in out.splitlines()),
          "natural-cycle: no 'ebs http GET /api/roulette/state -> 200' line:\n" + out[:800])
    created = next(r for r in nc if r.get("name") == "payout.created")
    out = run("trace", nc_path, "--event", "payout.created").stdout.strip()
    check(out.startswith(f"#{created['seq']} ") and f"{created['t']}" in out and
          f"characterName={created['characterName']}" in out and f"payoutId={created['payoutId']}" in out,
          "payout.created line: " + out)
    out = run("trace", nc_path, "--kind", "step", "--to", "+0s").stdout
    check("step 1 advance (line " in out, "step line: " + out)
    nf_path, _ = traces["network-faults"]
    out = run("trace", nf_path, "--actor", "ebs.helix").stdout
    check("POST /helix/chat/messages -> error: timeout" in out, "transport failure line: " + out[:600])
    out = run("trace", nf_path, "--kind", "net").stdout
    check(" partition " in out and "<->" in out, "partition line: " + out[:600])

    # A trace with detail lines (--trace-detail): the same records printed as without them (detail lines only
    # when --kind names them), and each client's exchange shows how long it waited: the network-faults run has
    # a 250 ms link latency, Helix timeouts after 30 s and a Desktop PATCH held 90 s by a partition.
    detail_path = os.path.join(tmp, "network-faults-detail.jsonl")
    r = run("run", "--trace", detail_path, "--trace-detail", os.path.join(SOURCE, "scenarios", "network-faults.json"))
    check(r.returncode == 0, "run --trace-detail: " + r.stdout + r.stderr)
    detail_records = [json.loads(line) for line in open(detail_path)]
    check(any("seq" not in d and d["kind"] == "http.detail" for d in detail_records), "no http.detail line written")
    plain = run("trace", nf_path).stdout.splitlines()
    with_detail = run("trace", detail_path).stdout.splitlines()
    strip = lambda line: line.rsplit(" (", 1)[0] if " http.out " in line else line
    check([strip(line) for line in with_detail] == plain,
          "detail lines changed what trace prints: " + str([l for l in with_detail if strip(l) not in plain][:3]))
    expected_waits = {}
    for i, d in enumerate(detail_records):
        if d.get("kind") == "http.detail" and i > 0 and detail_records[i - 1].get("seq") == d["after"]:
            expected_waits[d["after"]] = instant(detail_records[i - 1]["t"]) - instant(d["sent"])
    out = run("trace", detail_path, "--kind", "http.out").stdout.splitlines()
    check(len(out) == len(expected_waits) and expected_waits, f"{len(out)} http.out lines, {len(expected_waits)} details")
    for line in out:
        seq = int(line.split()[0].lstrip("#"))
        wait = expected_waits.get(seq)
        shown = line.rsplit(" (", 1)[-1].rstrip(")")
        want = (f"{int(wait.total_seconds())} s" if wait >= timedelta(seconds=10)
                else f"{wait / timedelta(milliseconds=1):g} ms") if wait is not None else None
        check(shown == want, f"#{seq}: latency shown '{shown}', expected '{want}'")
    check(any(line.endswith("error: timeout (30 s)") for line in out), "no Helix timeout after 30 s shown")
    check(any(line.endswith("(750 ms)") for line in out), "no 750 ms exchange (three 250 ms hops) shown")
    details = run("trace", detail_path, "--kind", "http.detail").stdout.splitlines()
    check(len(details) == sum(1 for d in detail_records if d["kind"] == "http.detail") and
          all(line.startswith("- ") for line in details), "--kind http.detail: " + str(details[:2]))

    # Bad arguments: exit 2, the flag named, nothing on stdout.
    bad = [
        (["--kind", "htp"], "--kind"),
        (["--kind"], "--kind"),
        (["--actor", ","], "--actor"),
        (["--event", "paymnt.*"], "--event"),
        (["--event", "payout.creatd"], "did you mean \"payout.created\""),
        (["--from", "yesterday"], "--from"),
        (["--to", "+5parsecs"], "--to"),
        (["--from", "+5m", "--to", "+1m"], "is after --to"),
        (["--frm", "+1m"], "--frm"),
    ]
    for flags, needle in bad:
        r = run("trace", nc_path, *flags)
        check(r.returncode == 2 and needle in r.stderr and r.stdout == "",
              f"trace {' '.join(flags)}: exit {r.returncode}, stderr {r.stderr!r}")
    r = run("trace", os.path.join(tmp, "missing.jsonl"))
    check(r.returncode == 2 and "cannot read" in r.stderr, "missing file: " + r.stderr)
    broken = os.path.join(tmp, "broken.jsonl")
    with open(broken, "w") as f:
        f.write(open(nc_path).readline())
        f.write("not json\n")
    r = run("trace", broken)
    check(r.returncode == 2 and "broken.jsonl:2" in r.stderr, "malformed line: " + r.stderr)

    # Constant memory: ~100 MB of trace through stdin (the helix-retry trace repeated), a filter printing a few
    # lines. The process may not grow with the input: its peak RSS stays far below the bytes it read.
    hr_path, hr = traces["helix-retry"]
    size = os.path.getsize(hr_path)
    copies = max(1, ((10 if SANITIZED else 100) << 20) // size)
    per_copy = sum(1 for r in hr if r.get("name") == "helix.announced")
    # Measured in a fresh interpreter: its children are only the feeder and mgm-sim trace.
    probe = r"""
import resource, subprocess, sys
mgm_sim, path, copies = sys.argv[1], sys.argv[2], sys.argv[3]
feeder = subprocess.Popen(["bash", "-c", 'for i in $(seq "$1"); do cat "$0"; done', path, copies],
                          stdout=subprocess.PIPE)
r = subprocess.run([mgm_sim, "trace", "-", "--event", "helix.announced"], stdin=feeder.stdout,
                   stdout=subprocess.PIPE, text=True)
feeder.wait()
print(r.returncode, r.stdout.count("\n"), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
    out = subprocess.run([sys.executable, "-c", probe, MGM_SIM, hr_path, str(copies)], capture_output=True,
                         text=True).stdout.split()
    code, lines, peak_kb = (int(x) for x in out)
    check(code == 0 and lines == copies * per_copy, f"streamed trace: exit {code}, {lines} lines, "
                                                     f"expected {copies * per_copy}")
    print(f"streamed {copies * size >> 20} MB through stdin: peak RSS {peak_kb} KB")
    check(SANITIZED or peak_kb < 32 * 1024, f"peak RSS {peak_kb} KB while filtering {copies * size >> 20} MB from stdin")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("trace command: filters, lines, errors and streaming as expected")
