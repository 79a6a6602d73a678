"""Items 4 and 5: the mocks' control routes refuse large bodies before reading them (413), their traffic logs
are bounded rings with paging, and the EBS's latency stays low while a mock is attacked.
Bounded: ~600 requests and 40 attack connections (29 MB announced, 1 MB sent each); a few seconds."""
import json, os, socket, sys, threading, time
from serve_util import *

mgm_sim = sys.argv[1]
server = Serve(mgm_sim, env={"Mgm__SqlitePath": ":memory:", "MockHelix__MaxRecordedRequests": "50",
                             "SyntheticDesktop__MaxRecordedRuns": "5"})
helix, desktop, ebs = server.ports["helix"], server.ports["desktop"], server.ports["ebs"]

# Item 5: bounded rings with paging.
conn = socket.create_connection(("127.0.0.1", helix), timeout=10)
msg = b'{"broadcaster_id":"b","sender_id":"s","message":"hi"}'
post = (b"POST /helix/chat/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(msg)) + msg
conn.sendall(post * 120)
got = b""
while got.count(b"HTTP/1.1 204") < 120:
    got += conn.recv(65536)
conn.close()
page = json.loads(request(helix, "GET", "/requests")[2])
check((page["count"], page["retained"], page["dropped"]) == (120, 50, 70), "helix ring: %r" % {k: page[k] for k in ("count", "retained", "dropped")})
check([r["sequence"] for r in page["requests"]] == list(range(71, 121)), "default page is not the newest 50")
page = json.loads(request(helix, "GET", "/requests?since=100&limit=10")[2])
check([r["sequence"] for r in page["requests"]] == list(range(101, 111)) and page["nextSince"] == 110, "since/limit page: %r" % page["nextSince"])
check(request(helix, "GET", "/requests?limit=0")[0] == 400, "limit=0 accepted")
for i in range(8):   # blank character names: failed validations, each recorded as a run
    request(desktop, "POST", "/run-sequence", {"payoutId": "3f0c8a52-6f5e-4a39-9a57-0b8d9c1e2f31", "characterName": " "})
runs = json.loads(request(desktop, "GET", "/runs")[2])
check((runs["count"], runs["retained"], runs["dropped"]) == (8, 5, 3), "desktop ring: %r" % {k: runs[k] for k in ("count", "retained", "dropped")})

# Item 5: memory. 200 requests of 1 MB bodies (not JSON): a record keeps 4 KiB of each.
rss = lambda: int(open("/proc/%d/status" % server.proc.pid).read().split("VmRSS:")[1].split()[0]) // 1024
rss0 = rss()
big = b"x" * (1 << 20)
conn = socket.create_connection(("127.0.0.1", helix), timeout=10)
for _ in range(200):
    conn.sendall(b"POST /helix/chat/messages HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(big) + big)
    got = b""
    while b"\r\n\r\n" not in got:
        got += conn.recv(4096)
conn.close()
growth = rss() - rss0
check(growth < 64, "200 x 1 MB bodies grew the process by %d MB" % growth)

# Item 4: control routes take at most 16 KiB: 413 before the body is read.
def announce_huge(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 29000000\r\n\r\n" % path.encode())
        try:
            s.sendall(b"[" * (1 << 20))
        except OSError:
            pass
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return statuses(data)
    finally:
        s.close()

for port, path in ((helix, "/fail-next"), (helix, "/reset"), (desktop, "/run-sequence"), (desktop, "/run-pending")):
    check(announce_huge(port, path) == [413], "%s: a 29 MB body was not refused with 413" % path)

probe_users = iter(range(1_000_000))
def latencies(n):
    out = []
    for _ in range(n):   # one viewer per probe: the rate limiter partitions by user
        t = time.perf_counter()
        status, _, _ = request(ebs, "GET", "/api/roulette/state", headers={"Authorization": "Bearer " + viewer_token("probe-%d" % next(probe_users))})
        out.append((time.perf_counter() - t) * 1000)
        check(status == 200, "EBS probe -> %d" % status)
    out.sort()
    return out[int(len(out) * 0.99) - 1], out[len(out) // 2]

base_p99, base_p50 = latencies(200)
stop = [False]
def attack():
    while not stop[0]:
        for port, path in ((helix, "/fail-next"), (desktop, "/run-sequence")):
            announce_huge(port, path)
        request(helix, "GET", "/requests?limit=1000")
attackers = [threading.Thread(target=attack) for _ in range(4)]
for t in attackers:
    t.start()
attack_p99, attack_p50 = latencies(200)
stop[0] = True
for t in attackers:
    t.join(10)
check(attack_p99 < 250, "EBS p99 %.1f ms while the mocks were attacked" % attack_p99)
check(server.alive() and server.stop() == 0, "serve did not survive / exit 0")
print("mock bounds: rings 120->50 and 8->5 with paging; 200 x 1 MB bodies: +%d MB RSS; 29 MB control bodies -> 413; "
      "EBS p50/p99 %.2f/%.2f ms idle, %.2f/%.2f ms under attack" % (growth, base_p50, base_p99, attack_p50, attack_p99))
