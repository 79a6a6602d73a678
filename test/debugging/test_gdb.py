#!/usr/bin/env python3
"""gdb in batch mode: the pretty-printers show the harness's values as a person reads them (a probe with known
values, loaded automatically from the build tree), and mgm-sim's break flags stop in mgm_break_here at exactly the
trace records the flags name (checked against the run's own trace), with mgm-up reaching the code that wrote
them. Without a debugger the flags change nothing: same result, same digest.

usage: test_gdb.py GDB path/to/gdb_probe path/to/mgm-sim SOURCE_DIR
"""
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile

GDB, PROBE, MGM_SIM, SOURCE = sys.argv[1:5]
PRINTERS = os.path.join(SOURCE, "tools", "gdb", "mgm_printers.py")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def gdb(script, *program, trust=None):
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(script)
        path = f.name
    args = [GDB, "-batch", "-nx"]
    if trust:
        args += ["-iex", "add-auto-load-safe-path " + trust]
    args += ["-x", path, "--args", *program]
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=240, cwd=SOURCE)
    finally:
        os.unlink(path)
    return r.stdout + r.stderr


# ----- pretty-printers, loaded from <binary>-gdb.py next to the probe ----------------------------------------
out = gdb("""break probe_stop
run
up
print instant
print fractional
print duration
print long_duration
print tick
print uuid
print status
print phase
print spin
print empty_spin
print payout
print member
print no_instant
print request
print response
print state
break mgm_break_here
continue
info args
mgm-up
continue
""", PROBE, trust=os.path.dirname(PROBE))
values = dict(re.findall(r"^\$(\d+) = (.*)$", out, re.M))
expected = {
    "1": "2026-04-04T12:09:00Z",
    "2": "2026-04-04T12:00:41.75Z",
    "3": "4m30s",
    "4": "1d1h1.5s",
    "5": "0.0000001s",
    "6": "a3721f6c-29ea-4a50-b1e5-7dbe021aee6f",
    "7": "InProgress",
    "8": "verification",
}
for number, text in expected.items():
    check(values.get(number) == text, f"print ${number}: {values.get(number)!r}, expected {text!r}")
spin = values.get("9", "")
check(spin.startswith("cycle 2026-04-04T12:05:00Z (id a3721f6c-29ea-4a50-b1e5-7dbe021aee6f), candidate Etoehero "
                      "(viewer-etoe) drawn at 2026-04-04T12:09:00Z, verification deadline 2026-04-04T12:10:00Z"),
      "spin state: " + spin)
check("candidate_selected_at = 2026-04-04T12:09:00Z" in spin and "candidate_twitch_display_name = nullopt" in spin,
      "spin state fields: " + spin)
check(values.get("10", "").startswith("cycle 1970-01-01T00:00:00Z (id 00000000-0000-0000-0000-000000000000), "
                                      "no candidate"), "empty spin state: " + values.get("10", ""))
payout = values.get("11", "")
check(payout.startswith("payout 6a840fe8-ddbf-4bec-bb19-a4eb16d824af Sent: Etoehero (viewer-etoe), 1000 gold, "
                        "created 2026-04-04T12:09:00Z, announced") and "status = Sent" in payout,
      "payout: " + payout)
check(values.get("12", "").startswith("Norinn (viewer-norinn), pool seq 3"), "pool member: " + values.get("12", ""))
check("no contained value" in values.get("13", ""), "empty optional: " + values.get("13", ""))
check(values.get("14", "").startswith("POST /api/roulette/verify-candidate (19 bytes of body)"),
      "request: " + values.get("14", ""))
check(values.get("15", "").startswith("HTTP 409, 26 bytes of body"), "response: " + values.get("15", ""))
check(values.get("16", "").startswith("collecting at 2026-04-04T12:09:00Z, next spin 2026-04-04T12:10:00Z, pool 2, "
                                      "cycle null"), "roulette state view: " + values.get("16", ""))
check(re.search(r'reason = 0x[0-9a-f]+ "--break-on-invariant"', out) is not None and
      re.search(r'event = 0x[0-9a-f]+ "one_active_payout_per_viewer"', out) is not None and
      'has 2 active (Pending/InProgress) payouts"' in out, "--break-on-invariant arguments:\n" + out[-3000:])
check("in mgm::harness::scenario::InvariantChecker::check_payouts_and_pool" in out,
      "mgm-up after an invariant violation:\n" + out[-2000:])
check("exited normally" in out, "the probe did not exit 0:\n" + out[-2000:])

# ----- mgm-sim: the break flags stop at the records they name ----------------------------------------------
scenario = os.path.join(SOURCE, "scenarios", "natural-cycle.json")
with tempfile.TemporaryDirectory() as tmp:
    trace_path = os.path.join(tmp, "trace.jsonl")
    plain = subprocess.run([MGM_SIM, "run", "--trace", trace_path, scenario], capture_output=True, text=True)
    check(plain.returncode == 0, "mgm-sim run: " + plain.stdout + plain.stderr)
    records = [json.loads(line) for line in open(trace_path)]
    digest = re.search(r"digest ([0-9a-f]{64})", plain.stdout).group(1)

    hits_script = """source %s
break mgm_break_here
commands
silent
printf "HIT %%d %%s %%s %%s\\n", record, reason, event, time
continue
end
run
""" % PRINTERS

    def hits(output):
        return [tuple(line.split()[1:]) for line in output.splitlines() if line.startswith("HIT ")]

    # --break-at-event N (a timer tick, then the payout.created record) with --break-on GLOB (every matching
    # domain event): the hits come in record order, a record both flags name hits twice.
    created = next(r for r in records if r.get("name") == "payout.created")
    tick = next(r for r in records if r["kind"] == "timer" and r["seq"] > 100)
    for record, pattern in ((tick, "payout.*"), (created, "roulette.candidate_selected"), (created, "payout.created")):
        out = gdb(hits_script, MGM_SIM, "run", "--break-at-event", str(record["seq"]), "--break-on", pattern, scenario)
        want = []
        for r in records:
            if r["seq"] == record["seq"]:
                want.append((str(r["seq"]), "--break-at-event", r.get("name", r["kind"]), r["t"]))
            if r["kind"] == "event" and fnmatch.fnmatchcase(r["name"], pattern):
                want.append((str(r["seq"]), "--break-on", r["name"], r["t"]))
        check(len(want) > 1 and hits(out) == want,
              f"--break-at-event {record['seq']} --break-on {pattern}: hits {hits(out)}, expected {want}")
        check(f"digest {digest}" in out, f"the break flags under gdb changed the run:\n{out[-1500:]}")

    # mgm-up from the break reaches the code that recorded the event; the spin state's time prints as ISO.
    out = gdb("""source %s
break mgm_break_here
run
mgm-up
info locals
""" % PRINTERS, MGM_SIM, "run", "--break-on", "roulette.candidate_selected", scenario)
    check("in mgm::backend::RouletteService::tick" in out, "mgm-up from roulette.candidate_selected:\n" + out[-2000:])
    check(re.search(r"^now = 2026-04-04T12:09:00Z$", out, re.M) is not None, "the tick's now:\n" + out[-2000:])

    # Without a debugger the flags print where they would stop and change nothing.
    r = subprocess.run([MGM_SIM, "run", "--break-on", "payout.*", "--break-at-event", str(tick["seq"]), scenario],
                       capture_output=True, text=True)
    check(r.returncode == 0 and f"digest {digest}" in r.stdout, "without gdb: " + r.stdout + r.stderr)
    check(f"--break-at-event: record #{tick['seq']} timer at {tick['t']}" in r.stderr and
          f"--break-on: record #{created['seq']} payout.created at {created['t']}" in r.stderr,
          "without gdb, the hits are not reported: " + r.stderr)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("gdb: printers and break flags as expected")
