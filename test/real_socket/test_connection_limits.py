"""Item 2: descriptor exhaustion. Under `ulimit -n 256`, 300 idle connections: with the default cap (the
descriptor limit minus 64) the connections over it are closed at once and logged once; with a cap above the
descriptor limit, accept fails with EMFILE and backs off (logged once) instead of spinning a core. Either way
the connections already open keep being served. Bounded: 2 servers x 300 connections, ~2 s each."""
import os, resource, socket, sys, time
from serve_util import *

mgm_sim = sys.argv[1]


def limit_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_many(port, n):
    conns = []
    for _ in range(n):
        s = socket.socket()
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        conns.append(s)
    return conns


def served(s):
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.recv(4096).startswith(b"HTTP/1.1 200")


def run(env, expect_log, label):
    server = Serve(mgm_sim, only=("eventsub",), env=env, preexec_fn=limit_fds)
    port = server.ports["eventsub"]
    first = open_many(port, 1)[0]
    check(served(first), label + ": first connection not served")
    conns = open_many(port, 300)
    time.sleep(0.3)
    cpu0 = cpu_seconds(server.proc.pid)
    time.sleep(1.5)
    cpu = cpu_seconds(server.proc.pid) - cpu0
    check(cpu < 0.5, "%s: the server burned %.2f s of CPU in 1.5 s while connections were refused" % (label, cpu))
    check(served(first), label + ": an open connection stopped being served")
    out = server.output()
    check(out.count(expect_log) == 1, "%s: want the line %r once:\n%s" % (label, expect_log, out[-2000:]))
    for s in conns:
        s.close()
    time.sleep(0.3)
    fresh = open_many(port, 1)[0]
    check(served(fresh), label + ": a new connection is not served after the flood ended")
    check(server.stop() == 0, label + ": serve did not exit 0")
    print("%s: 300 idle connections under ulimit -n 256: %.3f s CPU in 1.5 s, open connections served, logged once"
          % (label, cpu))

run({}, "process connection limit of 192 reached", "default cap")
run({"Mgm__MaxConnections": "5000"}, "pausing new connections", "cap above the descriptor limit (EMFILE)")
