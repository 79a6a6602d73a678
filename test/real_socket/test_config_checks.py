"""Items 9 and 10: settings that used to be accepted silently stop `serve` with a message naming the setting
(exit 1); Production refuses an empty EventSub secret or API key; the opt-in EventSub freshness rule.
Bounded: ~12 short-lived server starts, each waited for at most 10 s."""
import os, subprocess, sys, tempfile, time
from serve_util import *

mgm_sim = sys.argv[1]
work = tempfile.mkdtemp(prefix="mgm-cfg-")
not_a_db = os.path.join(work, "notes.txt")
with open(not_a_db, "w") as f:
    f.write("this is not a database\n" * 200)

def start(env, args=("--only", "ebs", "--ebs-port", "0")):
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("Mgm__", "Twitch__", "ASPNETCORE_"))}
    child_env.update(env)
    child_env.setdefault("Mgm__SqlitePath", ":memory:")
    p = subprocess.Popen([mgm_sim, "serve"] + list(args), cwd=work, env=child_env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=3)
        return p.returncode, out
    except subprocess.TimeoutExpired:   # still running: it started
        p.terminate()
        out, _ = p.communicate(timeout=10)
        return None, out

refused = [
    ({"Mgm__GroupCommit": "maybe"}, "Mgm__GroupCommit"),
    ({"Mgm__DevSkipSubscriberCheck": "yes"}, "Mgm__DevSkipSubscriberCheck"),
    ({"Mgm__EnableE2eHarness": "1"}, "Mgm__EnableE2eHarness"),
    ({"Twitch__HelixApiBaseUrl": "not a url"}, "Twitch__HelixApiBaseUrl"),
    ({"Mgm__SqlitePath": not_a_db}, "Mgm__SqlitePath"),
    ({"Kestrel__Limits__MaxConcurrentConnections": "lots"}, "Kestrel__Limits__MaxConcurrentConnections"),
    ({"Mgm__ShutdownTimeoutSeconds": "-1"}, "Mgm__ShutdownTimeoutSeconds"),
    ({"ASPNETCORE_ENVIRONMENT": "Production", "Twitch__ExtensionSecret": "MDEyMzQ1Njc4OWFiY2RlZg==",
      "Twitch__EventSubSecret": "", "Mgm__ApiKey": "k"}, "Twitch__EventSubSecret"),
    ({"ASPNETCORE_ENVIRONMENT": "Production", "Twitch__ExtensionSecret": "MDEyMzQ1Njc4OWFiY2RlZg==",
      "Twitch__EventSubSecret": "s", "Mgm__ApiKey": ""}, "Mgm__ApiKey"),
]
for env, setting in refused:
    code, out = start(env)
    check(code == 1, "%r: exit %r, want 1:\n%s" % (env, code, out))
    check(setting in out, "%r: the message does not name %s:\n%s" % (env, setting, out))
    if setting == "Mgm__SqlitePath":
        check(not_a_db in out, "the message does not name the file:\n" + out)
# Production with both set starts.
code, out = start({"ASPNETCORE_ENVIRONMENT": "Production", "Twitch__ExtensionSecret": "MDEyMzQ1Njc4OWFiY2RlZg==",
                   "Twitch__EventSubSecret": "s", "Mgm__ApiKey": "k"})
check(code is None and "ready" in out, "Production with every secret set did not start:\n" + out)
# ASPNETCORE_URLS with two URLs: the first is bound, and serve says so.
code, out = start({"ASPNETCORE_URLS": "http://127.0.0.1:0;http://127.0.0.1:0"}, ("--only", "helix"))
check(code is None and "only the first" in out and "ASPNETCORE_URLS" in out, "no ASPNETCORE_URLS warning:\n" + out)

# Item 10: the opt-in freshness rule (Twitch: refuse messages more than 10 minutes old).
stale = time.strftime("%Y-%m-%dT%H:%M:%S.123456789Z", time.gmtime(time.time() - 11 * 60))
fresh = time.strftime("%Y-%m-%dT%H:%M:%S.123456789Z", time.gmtime())
strict = Serve(mgm_sim, only=("ebs",), env={"Mgm__SqlitePath": ":memory:", "Mgm__EventSubEnforceFreshness": "true"})
status, _, _ = enroll(strict.ports["ebs"], "viewer-old", "Oldhero", timestamp=stale)
check(status == 403, "stale delivery with freshness on -> %d (want 403)" % status)
check(pool_me(strict.ports["ebs"], "viewer-old")["isEnrolled"] is False, "a stale delivery enrolled")
status, _, _ = enroll(strict.ports["ebs"], "viewer-new", "Newhero", timestamp=fresh)
check(status == 200, "fresh delivery with freshness on -> %d" % status)
check(strict.stop() == 0, "serve did not exit 0")
faithful = Serve(mgm_sim, only=("ebs",), env={"Mgm__SqlitePath": ":memory:"})
status, _, _ = enroll(faithful.ports["ebs"], "viewer-old", "Oldhero", timestamp=stale)
check(status == 200, "stale delivery with freshness off (the reference's behaviour) -> %d" % status)
check(faithful.stop() == 0, "serve did not exit 0")
print("config checks: %d refused settings named, Production secrets enforced, freshness opt-in works" % len(refused))
