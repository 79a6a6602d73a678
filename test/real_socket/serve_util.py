"""Helpers for the bounded real-socket tests: start `mgm-sim serve` on ephemeral loopback ports in its own
working directory, talk HTTP to it, sign EventSub deliveries, mint viewer JWTs. Standard library only.

Every test using this stops by itself: each wait has a deadline, and the server is killed at exit."""
import atexit, base64, hashlib, hmac, http.client, json, os, re, signal, socket, subprocess, sys, tempfile, time, uuid

EVENTSUB_SECRET = "e2e-ci-eventsub-secret"
API_KEY = "ci-desktop-api-key"
JWT_KEY = hashlib.sha256(b"mgm-dev-extension-secret-change-me").digest()
SERVICES = ("ebs", "eventsub", "jwt", "helix", "desktop")

_children = []


@atexit.register
def _kill_children():
    for p in _children:
        if p.poll() is None:
            p.kill()
            p.wait()


def fail(message):
    print("FAIL: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Serve:
    """One `mgm-sim serve` child: every service on port 0 unless `args` says otherwise."""

    def __init__(self, mgm_sim, args=(), env=None, cwd=None, only=None, ready=True, preexec_fn=None):
        self.cwd = cwd or tempfile.mkdtemp(prefix="mgm-rs-")
        self.log_path = os.path.join(self.cwd, "serve-%d.log" % time.monotonic_ns())
        argv = [mgm_sim, "serve"]
        services = only or SERVICES
        if only:
            argv += ["--only", ",".join(only)]
        for s in services:
            argv += ["--%s-port" % s, "0"]
        argv += list(args)
        child_env = {k: v for k, v in os.environ.items() if not k.startswith(("Mgm__", "Twitch__", "MockHelix__",
                                                                                 "ASPNETCORE_", "ConnectionStrings__"))}
        child_env.update(env or {})
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(argv, cwd=self.cwd, env=child_env, stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=preexec_fn)
        _children.append(self.proc)
        self.ports = {}
        if ready:
            self.wait_ready()

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_ready(self, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.output()
            if "mgm-sim serve: ready" in text:
                for name, port in re.findall(r"mgm-sim serve: (\w+) listening on http://[^:]+:(\d+)", text):
                    self.ports[name] = int(port)
                return
            if self.proc.poll() is not None:
                fail("mgm-sim serve exited with %s before ready:\n%s" % (self.proc.returncode, text))
            time.sleep(0.01)
        fail("mgm-sim serve not ready after %d s:\n%s" % (seconds, self.output()))

    def wait_exit(self, seconds=10):
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            fail("mgm-sim serve still running %d s after it should have stopped:\n%s" % (seconds, self.output()[-3000:]))

    def stop(self, sig=signal.SIGTERM, seconds=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait_exit(seconds)

    def alive(self):
        return self.proc.poll() is None


def request(port, method, path, body=None, headers=None, timeout=5):
    """One HTTP/1.1 request on its own connection: (status, headers dict (lower-case), body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def raw_exchange(port, data, timeout=3, read_until_close=True):
    """Sends raw bytes, returns everything read until the server closes (or `timeout` of silence)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if not read_until_close:
                break
        return out
    finally:
        s.close()


def statuses(raw):
    return [int(m) for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def viewer_token(user, seconds=3600):
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = b64url(json.dumps({"user_id": user, "unique_name": user, "exp": int(time.time()) + seconds},
                                separators=(",", ":")).encode())
    signature = b64url(hmac.new(JWT_KEY, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest())
    return "%s.%s.%s" % (header, payload, signature)


def chat_delivery(user, text, message_id=None, timestamp=None, secret=EVENTSUB_SECRET):
    """(body, headers) of a signed channel.chat.message notification from a subscriber."""
    message_id = message_id or str(uuid.uuid4())
    timestamp = timestamp or time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
    body = json.dumps({
        "subscription": {"id": str(uuid.uuid4()), "type": "channel.chat.message", "version": "1", "status": "enabled"},
        "event": {"broadcaster_user_id": "e2e-ci-broadcaster", "chatter_user_id": user, "chatter_user_login": user,
                  "chatter_user_name": user, "message_id": message_id, "message": {"text": text},
                  "badges": [{"set_id": "subscriber", "id": "12", "info": "12"}]}}, separators=(",", ":"))
    signature = "sha256=" + hmac.new(secret.encode(), (message_id + timestamp + body).encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "Twitch-Eventsub-Message-Id": message_id,
               "Twitch-Eventsub-Message-Timestamp": timestamp, "Twitch-Eventsub-Message-Signature": signature,
               "Twitch-Eventsub-Message-Type": "notification"}
    return body, headers


def enroll(port, user, name, message_id=None, timestamp=None):
    body, headers = chat_delivery(user, "!twgold " + name, message_id, timestamp)
    return request(port, "POST", "/api/twitch/eventsub", body, headers)


def start_helix_stub():
    """A Twitch Helix stand-in on an ephemeral loopback port, serving in a daemon thread: every viewer is a
    subscriber (GET), chat announcements are accepted (POST -> 204). Returns the base URL for
    Twitch__HelixApiBaseUrl."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Helix(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"data":[{"tier":"1000"}]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Helix)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d/" % server.server_port


def pool_me(port, user):
    status, _, body = request(port, "GET", "/api/pool/me", headers={"Authorization": "Bearer " + viewer_token(user)})
    check(status == 200, "GET /api/pool/me for %s -> %d %r" % (user, status, body))
    return json.loads(body)
