#!/usr/bin/env python3
"""The timeline page in a real browser (docs/TIMELINE.md): for a few scenarios, `mgm-sim run --html` draws the
run, headless Chromium loads the page from file:// and this checks what a person would see in the DOM the
page's script built: one arrow per HTTP exchange of the trace (by trace record number), grid lines exactly at
5-minute boundaries (none inside a compressed idle stretch), the failure marked on a failing run, no script
error (the page writes its status into the DOM). It also saves screenshots next to the pages.

usage: check_timeline.py MGM_SIM SOURCE_DIR OUT_DIR
Exit 77 (ctest: skipped) when Chromium is missing, unless MGM_REQUIRE_BROWSER=1 (CI), which makes it a failure.
"""
import datetime
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


class Dom(html.parser.HTMLParser):
    """The elements the checks read: the status marker, exchange groups, grid and failure lines."""

    def __init__(self):
        super().__init__()
        self.status = None
        self.exchanges = []
        self.grid = []
        self.failures = 0
        self.payouts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if a.get("id") == "status":
            self.status = a
        if tag == "g" and "exchange" in classes:
            self.exchanges.append(a)
        if tag == "line" and "grid" in classes:
            self.grid.append(a["data-t"])
        if tag == "line" and "failure" in classes:
            self.failures += 1
        if tag == "rect" and "payout" in classes:
            self.payouts += 1


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def chromium(binary, profile, *args):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
               "--window-size=1600,760"] + list(args)
    result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    if result.returncode != 0:
        raise SystemExit("chromium failed (%d): %s\n%s" % (result.returncode, " ".join(command), result.stderr[-2000:]))
    return result.stdout


def parse_instant(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    mgm_sim, source, out = sys.argv[1:]
    browser = find_chromium()
    if browser is None:
        if os.environ.get("MGM_REQUIRE_BROWSER") == "1":
            print("FAIL: chromium is not installed but MGM_REQUIRE_BROWSER=1 (scripts/install-deps.sh installs it)")
            return 1
        print("SKIPPED: chromium is not installed (apt-get install chromium, or scripts/install-deps.sh)")
        return SKIP
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mgm-browser-")
    profile = os.path.join(work, "profile")
    problems = []

    # A failing copy of natural-cycle: it expects two Helix announcements where there is one.
    with open(os.path.join(source, "scenarios", "natural-cycle.json"), encoding="utf-8") as f:
        text = f.read()
    broken = text.replace('"helix_requests": {"count": 1', '"helix_requests": {"count": 2')
    if broken == text:
        raise SystemExit("could not make the failing scenario (natural-cycle.json changed?)")
    broken_file = os.path.join(work, "natural-cycle-broken.json")
    with open(broken_file, "w", encoding="utf-8") as f:
        f.write(broken)

    cases = [  # file, run should pass, screenshot name
        (os.path.join(source, "scenarios", "natural-cycle.json"), True, "natural-cycle"),
        (os.path.join(source, "scenarios", "network-faults.json"), True, "network-faults"),
        (os.path.join(source, "scenarios", "payout-expiry.json"), True, "payout-expiry"),
        (broken_file, False, "natural-cycle-broken"),
    ]
    for path, should_pass, name in cases:
        trace = os.path.join(out, name + ".jsonl")
        page = os.path.join(out, name + ".html")
        run = subprocess.run([mgm_sim, "run", path, "--trace", trace, "--trace-detail", "--html", page],
                             capture_output=True, text=True, timeout=120)
        if run.returncode != (0 if should_pass else 1):
            problems.append("%s: mgm-sim run exited %d\n%s%s" % (name, run.returncode, run.stdout, run.stderr))
            continue
        outs = []
        with open(trace, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                if record["kind"] == "http.out":
                    outs.append(record["seq"])
        with open(page, encoding="utf-8") as f:
            page_text = f.read()
        # Nothing on the page may load from elsewhere (the model's own text aside).
        shell = re.sub(r'<script id="model" type="application/json">.*?</script>', "", page_text, flags=re.S)
        for pattern in (r"<script[^>]+src=", r"<link\b", r"@import", r"url\(\s*['\"]?https?:", r"\bfetch\(",
                        r"XMLHttpRequest", r"<img\b", r"<iframe\b"):
            if re.search(pattern, shell):
                problems.append("%s: the page would fetch something: %s" % (name, pattern))

        dom = Dom()
        dom.feed(chromium(browser, profile, "--dump-dom", "file://" + page))
        if dom.status is None:
            problems.append("%s: no status element in the rendered page" % name)
            continue
        if dom.status.get("data-status") != "ok":
            problems.append("%s: the page reports %r" % (name, dom.status.get("data-status")))
        drawn = sorted(int(g["data-seq"]) for g in dom.exchanges)
        if drawn != sorted(outs):
            problems.append("%s: %d arrows drawn for %d exchanges in the trace (missing %s, extra %s)" % (
                name, len(drawn), len(outs), sorted(set(outs) - set(drawn))[:5], sorted(set(drawn) - set(outs))[:5]))
        if dom.status.get("data-exchanges") != str(len(outs)):
            problems.append("%s: status says %s exchanges, trace has %d" % (name, dom.status.get("data-exchanges"), len(outs)))
        instants = [parse_instant(t) for t in dom.grid]
        if instants != sorted(set(instants)):
            problems.append("%s: grid lines repeat or are out of order: %s" % (name, dom.grid[:10]))
        off_grid = [t for t in instants if t.minute % 5 or t.second]
        if off_grid:
            problems.append("%s: grid lines off the 5-minute boundaries: %s" % (name, off_grid[:5]))
        if name == "natural-cycle":
            expected = ["2026-04-04T12:00:00Z", "2026-04-04T12:05:00Z"]
            if dom.grid != expected:
                problems.append("%s: grid lines %s, expected %s" % (name, dom.grid, expected))
            if dom.payouts < 3:
                problems.append("%s: the payout's life (Pending, InProgress, Sent) is %d bars" % (name, dom.payouts))
        if name == "payout-expiry":
            first, last = parse_instant("2026-04-04T12:00:00Z"), parse_instant("2026-04-05T13:00:00Z")
            if first not in instants or last not in instants:
                problems.append("%s: the run's first and last boundaries are not drawn: %s" % (name, dom.grid))
            idle = [t for t in instants if parse_instant("2026-04-04T14:00:00Z") < t < parse_instant("2026-04-05T11:00:00Z")]
            if idle:
                problems.append("%s: %d grid lines inside the idle day, which should be compressed" % (name, len(idle)))
            if len(instants) > 80:
                problems.append("%s: %d grid lines: the idle stretches were not compressed" % (name, len(instants)))
        if should_pass and dom.failures:
            problems.append("%s: a passing run shows %d failure marks" % (name, dom.failures))
        if not should_pass and dom.failures != 1:
            problems.append("%s: a failing run shows %d failure marks, expected 1" % (name, dom.failures))

        shot = os.path.join(out, name + ".png")
        if os.path.exists(shot):
            os.remove(shot)
        chromium(browser, profile, "--screenshot=" + shot, "--hide-scrollbars", "file://" + page)
        if not os.path.exists(shot) or os.path.getsize(shot) < 10000:
            problems.append("%s: no screenshot (or an empty one) at %s" % (name, shot))
        print("%s: %d arrows, %d grid lines, status %s, screenshot %s" % (
            name, len(drawn), len(dom.grid), dom.status.get("data-status"), shot))

    shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("FAIL:\n  " + "\n  ".join(problems))
        return 1
    print("OK: %d pages rendered in %s" % (len(cases), browser))
    return 0


if __name__ == "__main__":
    sys.exit(main())
