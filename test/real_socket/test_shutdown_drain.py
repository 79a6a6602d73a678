"""Item 8: SIGTERM under load drains: no new connections, idle ones closed, every request in flight answered,
exit 0; with Mgm__ShutdownTimeoutSeconds the wait is bounded. The mocks forward to a slow Python backend
(1 s per answer) so requests are reliably in flight. Bounded: 2 servers, 9 requests, < 10 s."""
import json, signal, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from serve_util import *

mgm_sim = sys.argv[1]
DELAY = [1.0]


class SlowBackend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        time.sleep(DELAY[0])
        body = b"{}"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    do_POST = do_PATCH = do_GET = handle_any

    def log_message(self, *args):
        pass


backend = ThreadingHTTPServer(("127.0.0.1", 0), SlowBackend)
backend.daemon_threads = True
threading.Thread(target=backend.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % backend.server_port
env = {"Backend__BaseUrl": url, "SyntheticDesktop__BackendBaseUrl": url}

server = Serve(mgm_sim, only=("eventsub", "desktop"), env=env)
eventsub, desktop = server.ports["eventsub"], server.ports["desktop"]
idle = socket.create_connection(("127.0.0.1", eventsub), timeout=5)
idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
check(b"200" in idle.recv(4096), "idle connection's first request failed")

results = []
def call(kind, i):
    try:
        if kind == "eventsub":
            body, headers = chat_delivery("viewer-%d" % i, "!twgold Drainhero")
            status, _, data = request(eventsub, "POST", "/api/twitch/eventsub", body, headers, timeout=15)
        else:
            status, _, data = request(desktop, "POST", "/run-sequence",
                                      {"payoutId": "3f0c8a52-6f5e-4a39-9a57-0b8d9c1e2f31", "characterName": "Drainhero"},
                                      timeout=15)
        results.append((kind, status, data))
    except Exception as e:   # a cut request: no answer
        results.append((kind, None, repr(e)))

threads = [threading.Thread(target=call, args=(k, i)) for i in range(4) for k in ("eventsub", "desktop")]
for t in threads:
    t.start()
time.sleep(0.4)   # every request is now waiting on the slow backend
t0 = time.monotonic()
server.proc.send_signal(signal.SIGTERM)
time.sleep(0.2)
idle.settimeout(2)
check(idle.recv(4096) == b"", "the idle keep-alive connection was not closed at SIGTERM")
try:
    socket.create_connection(("127.0.0.1", eventsub), timeout=1).close()
    fail("a new connection was accepted while draining")
except OSError:
    pass
for t in threads:
    t.join(15)
code = server.wait_exit(15)
elapsed = time.monotonic() - t0
check(code == 0, "serve exited %r after draining" % code)
cut = [r for r in results if r[1] is None]
check(not cut, "requests in flight were cut at SIGTERM: %r" % cut)
for kind, status, data in results:
    check(status == 200, "%s answered %r: %r" % (kind, status, data[:200]))
    if kind == "desktop":
        check(json.loads(data)["ok"] is True, "desktop run did not finish: %r" % data[:300])
out = server.output()
check("every connection answered and closed" in out and "mgm-sim serve: stopped" in out, "no drain lines:\n" + out[-2000:])
print("drain: %d requests in flight answered (desktop runs of 3 backend calls each), exit 0, %.2f s after SIGTERM"
      % (len(results), elapsed))

# Bounded: a backend that takes 20 s; the shutdown timeout (1 s) cuts it.
DELAY[0] = 20.0
server = Serve(mgm_sim, only=("eventsub",), env=dict(env, Mgm__ShutdownTimeoutSeconds="1"))
slow = threading.Thread(target=call, args=("eventsub", 99))
del results[:]
slow_port = server.ports["eventsub"]
eventsub = slow_port
slow.start()
time.sleep(0.3)
t0 = time.monotonic()
code = server.stop(signal.SIGTERM, seconds=5)
elapsed = time.monotonic() - t0
check(code == 0, "serve exited %r after the shutdown timeout" % code)
check(elapsed < 3, "the shutdown timeout did not bound the drain: %.2f s" % elapsed)
check("shutdown timeout: closing 1 connection" in server.output(), "no timeout line:\n" + server.output()[-1500:])
slow.join(5)
print("drain timeout: exit 0 %.2f s after SIGTERM with Mgm__ShutdownTimeoutSeconds=1" % elapsed)
