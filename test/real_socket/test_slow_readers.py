"""Item 3: clients that pipeline requests and never read. Kestrel's MinResponseDataRate (240 bytes/s, 5 s
grace) closes them; before, they held their connection and a multi-megabyte response forever.
Bounded: 1,000 small POSTs, 4 non-reading connections, at most 15 s of waiting."""
import json, re, socket, sys, time
from serve_util import *

mgm_sim = sys.argv[1]
server = Serve(mgm_sim, only=("helix",))
helix = server.ports["helix"]

# 1,000 recorded requests whose bodies are 4 KiB of '"' (invalid JSON, escaped to 8 KiB each in /requests):
# one GET /requests?limit=1000 answer is ~8 MB, more than the kernel buffers hold.
conn = socket.create_connection(("127.0.0.1", helix), timeout=10)
body = b'"' * 4096
post = (b"POST /helix/chat/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(body)) + body
for batch in range(10):
    conn.sendall(post * 100)
    got = b""
    while got.count(b"HTTP/1.1 500") < 100:
        got += conn.recv(65536)
conn.close()
count = json.loads(request(helix, "GET", "/requests?limit=1")[2])["count"]
check(count == 1000, "recorded %d requests, want 1000" % count)

readers = []
for _ in range(4):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", helix))
    s.sendall(b"GET /requests?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n" * 5)   # pipelined, never read
    readers.append(s)
t0 = time.monotonic()
closed_at = None
while time.monotonic() - t0 < 15:
    if len(re.findall("minimum response data rate", server.output())) >= 4:
        closed_at = time.monotonic() - t0
        break
    check(request(helix, "GET", "/health")[0] == 200, "helix stopped answering while slow readers hold connections")
    time.sleep(0.25)
check(closed_at is not None, "slow readers not closed after 15 s:\n" + server.output()[-2000:])
check(closed_at >= 4.5, "closed before the 5 s grace period: %.2f s" % closed_at)
for s in readers:   # the server's side is gone: reading drains what was buffered, then EOF or reset
    s.settimeout(5)
    total = 0
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            total += len(chunk)
    except OSError:
        pass
    check(total < 5 * 8_000_000, "a slow reader got every response (%d bytes): not cut" % total)
    s.close()
check(server.stop() == 0, "serve did not exit 0")
print("slow readers: 4 non-reading pipelining clients closed %.1f s after they stopped reading" % closed_at)
