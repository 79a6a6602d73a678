"""Items 1 and 7: request smuggling and framing as Kestrel checks them, and JSON nesting bombs.
Bounded: one server, ~20 connections, each read with a 3 s timeout; a few seconds in all."""
import base64, json, sys
from serve_util import *

mgm_sim = sys.argv[1]
server = Serve(mgm_sim, env={"Mgm__SqlitePath": ":memory:"})
helix, ebs, desktop = server.ports["helix"], server.ports["ebs"], server.ports["desktop"]

# Arm a failure plan we can observe: if the smuggled POST /reset runs, it clears it.
status, _, body = request(helix, "POST", "/fail-next", {"count": 3, "status": 503})
check(status == 200, "fail-next -> %d" % status)

def plan_remaining():
    return json.loads(request(helix, "GET", "/requests")[2])["failNext"]["remaining"]

smuggled = b"POST /reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
for coding in (b"gzip", b"chunked, gzip", b"identity"):
    raw = (b"POST /fail-next HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
           b"\r\nContent-Type: application/json\r\n\r\n" + smuggled)
    answer = raw_exchange(helix, raw)
    check(statuses(answer) == [400], "Transfer-Encoding: %s -> %r (want one 400, then close)" % (coding, answer[:200]))
    check(plan_remaining() == 3, "the smuggled POST /reset ran after Transfer-Encoding: %s" % coding)

cases = [
    ("no Host (HTTP/1.1)", b"GET /health HTTP/1.1\r\n\r\n", 400),
    ("two Host headers", b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("obs-fold", b"GET /health HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n", 400),
    ("request line over 8 KiB", b"GET /health?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    ("Expect: something-else", b"POST /reset HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 0\r\n\r\n", 417),
    ("HTTP/1.0 without Host is fine", b"GET /health HTTP/1.0\r\n\r\n", 200),
    ("Expect: 100-continue still works", b"POST /reset HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}", 200),
]
for name, raw, want in cases:
    got = [s for s in statuses(raw_exchange(helix, raw)) if s != 100]
    check(got[:1] == [want], "%s: got %r, want %d" % (name, got, want))
check(plan_remaining() == 0, "the 100-continue /reset did not run")   # it did reset: the framing was valid

# Item 1: 80,000 nested arrays (160 KB) to the Helix chat route: the reference answers 500 (invalid JSON to
# System.Text.Json); it used to overflow the stack when the record was copied.
bomb = "[" * 80000 + "]" * 80000
status, _, _ = request(helix, "POST", "/helix/chat/messages", bomb, {"Content-Type": "application/json"})
check(status == 500, "nested bomb -> %d (want 500)" % status)
listing = json.loads(request(helix, "GET", "/requests")[2])
last = listing["requests"][-1]
check(last["outcome"] == "invalid_json" and last.get("rawBodyTruncated") is True and len(last["rawBody"]) <= 4096,
      "bomb record: %r" % {k: last[k] for k in last if k != "rawBody"})
status, _, _ = request(desktop, "POST", "/run-sequence", "[" * 8000 + "]" * 8000, {"Content-Type": "application/json"})
check(status == 400, "desktop nested body -> %d (want 400)" % status)
deep_payload = base64.urlsafe_b64encode(("[" * 5000 + "]" * 5000).encode()).rstrip(b"=").decode()
token = viewer_token("v").split(".")
status, _, _ = request(ebs, "GET", "/api/pool/me", headers={"Authorization": "Bearer %s.%s.%s" % (token[0], deep_payload, token[2])})
check(status == 401, "JWT with a nested payload -> %d (want 401)" % status)
for port in server.ports.values():
    check(request(port, "GET", "/health" if port != ebs else "/api/version")[0] in (200, 404), "a service stopped answering")
check(server.alive(), "server died")
check(server.stop() == 0, "serve did not exit 0")
print("request framing: smuggling, Host, obs-fold, 414, 417 and nesting bombs refused; server alive")
