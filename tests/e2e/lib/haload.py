#!/usr/bin/env python3
"""haload.py DIR CERTDIR PORTS NS [WRITERS [WATCHERS]]: a write and watch load on several
servers of one cluster (PORTS: comma-separated HTTPS ports), for the fault tests (ha.sh).

Writers create configmaps w<t>-<i> in NS and update the previous one (PUT with the
resourceVersion its create returned), turning to the next server whenever one fails; a write
is "acked" only when answered 201/200, and "unknown" when the connection failed (it may or may
not have happened). Watchers list NS, then watch from the list's resourceVersion, resuming
from the last resourceVersion seen on the next server when a stream breaks, and re-listing
(recorded) when told 410 Gone.

It runs until the file DIR/stop exists, then lets the writers finish, reads the final state,
lets every watcher catch up to the last acked write, and checks:
  - every acked create exists, and every acked update is the object's value (or a later
    unknown write to it is);
  - per watcher: resourceVersions strictly increase over the whole run (across reconnects),
    no event is seen twice, and every acked write whose revision falls in a span the watcher
    covered without a re-list was seen exactly once.
Prints one line of figures and "haload: ok", or the failures and exits 1."""
import http.client, json, os, ssl, sys, threading, time

d, certdir, ports, ns = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3].split(",")], sys.argv[4]
nwriters = int(sys.argv[5]) if len(sys.argv) > 5 else 4
nwatchers = int(sys.argv[6]) if len(sys.argv) > 6 else 4
ctx = ssl.create_default_context(cafile=certdir + "/ca.crt")
ctx.load_cert_chain(certdir + "/admin.crt", certdir + "/admin.key")
base = "/api/v1/namespaces/%s/configmaps" % ns
lock = threading.Lock()
acked = {}        # name -> (rv, seq) of the last acked write
unknown = {}      # name -> count of writes with no answer
acked_writes = [] # (rv, name)
failures = []
stop_writers = threading.Event()
stats = {"errors": 0, "switches": 0}


def conn(i):
    return http.client.HTTPSConnection("127.0.0.1", ports[i % len(ports)], context=ctx, timeout=10)


def request(c, method, path, body=None):
    c.request(method, path, json.dumps(body) if body is not None else None,
              {"Content-Type": "application/json"})
    r = c.getresponse()
    return r.status, r.read()


def cm(name, seq, rv=None):
    o = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"seq": str(seq)}}
    if rv:
        o["metadata"]["resourceVersion"] = rv
    return o


def writer(t):
    srv, c, i, prev = t, conn(t), 0, None
    while not stop_writers.is_set():
        name = "w%d-%d" % (t, i)
        ops = [("POST", base, cm(name, 0), name, 0)]
        if prev:
            ops.append(("PUT", base + "/" + prev[0], cm(prev[0], 1, prev[1]), prev[0], 1))
        for method, path, body, key, seq in ops:
            try:
                st, data = request(c, method, path, body)
            except Exception:
                with lock:
                    unknown[key] = unknown.get(key, 0) + 1
                    stats["errors"] += 1
                    stats["switches"] += 1
                srv += 1
                c = conn(srv)
                time.sleep(0.05)
                continue
            if st in (200, 201):
                rv = json.loads(data)["metadata"]["resourceVersion"]
                with lock:
                    acked[key] = (int(rv), seq)
                    acked_writes.append((int(rv), key))
                if method == "POST":
                    prev = (key, rv)
            else:
                with lock:
                    stats["errors"] += 1
                if st >= 500:  # the server may have applied it (504) or not: unknown
                    with lock:
                        unknown[key] = unknown.get(key, 0) + 1
                    srv += 1
                    c = conn(srv)
                    time.sleep(0.05)
        i += 1


class Watcher:
    def __init__(self, k):
        self.k, self.srv = k, k
        self.events = []  # (rv, type, name) or (rv, "RELIST", None)
        self.last = 0
        self.target = None
        self.done = threading.Event()

    def list(self):
        while True:
            try:
                c = conn(self.srv)
                st, data = request(c, "GET", base)
                if st == 200:
                    self.last = int(json.loads(data)["metadata"]["resourceVersion"])
                    return
            except Exception:
                pass
            self.srv += 1
            time.sleep(0.1)

    def stream(self):
        c = conn(self.srv)
        c.timeout = 5
        c.request("GET", base + "?watch=true&allowWatchBookmarks=true&resourceVersion=%d" % self.last)
        r = c.getresponse()
        if r.status == 410:
            return "gone"
        if r.status != 200:
            raise IOError("watch: %d" % r.status)
        while True:
            if self.target is not None and self.last >= self.target:
                return "done"
            line = r.readline()
            if not line:
                raise IOError("watch ended")
            ev = json.loads(line)
            if ev["type"] == "ERROR":
                if ev["object"].get("code") == 410:
                    return "gone"
                raise IOError("watch error %s" % ev["object"])
            rv = int(ev["object"]["metadata"]["resourceVersion"])
            if ev["type"] != "BOOKMARK":
                self.events.append((rv, ev["type"], ev["object"]["metadata"]["name"]))
            self.last = max(self.last, rv) if ev["type"] == "BOOKMARK" else rv

    def run(self):
        self.list()
        self.events.append((self.last, "START", None))
        while True:
            try:
                how = self.stream()
            except Exception:
                how = "broken"
            if how == "done":
                break
            if how == "gone":
                self.list()
                self.events.append((self.last, "RELIST", None))
                continue
            if self.target is not None and self.last >= self.target:
                break
            self.srv += 1
            time.sleep(0.1)
        self.done.set()


def final_state():
    for i in range(len(ports) * 20):
        try:
            st, data = request(conn(i), "GET", base)
            if st == 200:
                return json.loads(data)
        except Exception:
            pass
        time.sleep(0.5)
    raise SystemExit("haload: no server answers the final list")


def check_state(lst):
    have = {o["metadata"]["name"]: o for o in lst["items"]}
    for name, (rv, seq) in acked.items():
        o = have.get(name)
        if o is None:
            failures.append("acked write of %s (rv %d) is lost" % (name, rv))
        elif int(o["data"]["seq"]) < seq and not unknown.get(name):
            failures.append("%s holds seq %s, but seq %d was acked" % (name, o["data"]["seq"], seq))


def check_watcher(w):
    seen, prev = set(), 0
    spans, start = [], None
    for rv, typ, name in w.events:
        if typ in ("START", "RELIST"):
            if start is not None:
                spans.append((start, prev))
            start = rv
            prev = max(prev, rv)
            continue
        if rv <= prev:
            failures.append("watcher %d: rv %d after %d (out of order or repeated)" % (w.k, rv, prev))
        if (rv, name) in seen:
            failures.append("watcher %d: %s at rv %d seen twice" % (w.k, name, rv))
        seen.add((rv, name))
        prev = rv
    spans.append((start, w.last))
    for rv, name in acked_writes:
        covered = any(a < rv <= b for a, b in spans)
        if covered and (rv, name) not in seen:
            failures.append("watcher %d: missed %s at rv %d" % (w.k, name, rv))


def orphan_guard():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(2)  # the test that started us is gone


def main():
    threading.Thread(target=orphan_guard, daemon=True).start()
    watchers = [Watcher(k) for k in range(nwatchers)]
    wt = [threading.Thread(target=w.run, daemon=True) for w in watchers]
    for t in wt:
        t.start()
    time.sleep(1)
    writers = [threading.Thread(target=writer, args=(t,)) for t in range(nwriters)]
    for t in writers:
        t.start()
    while not os.path.exists(d + "/stop"):
        time.sleep(0.2)
    stop_writers.set()
    for t in writers:
        t.join()
    lst = final_state()
    target = max((rv for rv, _ in acked_writes), default=0)
    for w in watchers:
        w.target = target
    for w in watchers:
        if not w.done.wait(60):
            failures.append("watcher %d did not catch up to rv %d (at %d)" % (w.k, target, w.last))
    check_state(lst)
    for w in watchers:
        check_watcher(w)
    relists = sum(1 for w in watchers for e in w.events if e[1] == "RELIST")
    print("haload: %d acked writes, %d unknown, %d errors, %d watcher events, %d re-lists" %
          (len(acked_writes), sum(unknown.values()), stats["errors"],
           sum(len(w.events) for w in watchers), relists))
    if failures:
        for f in failures[:30]:
            print("haload FAIL: " + f)
        names = [f.split()[0] if "holds" in f else f.split()[3] for f in failures if "holds" in f or "acked write" in f]
        print("haload: final list rv %s" % lst["metadata"]["resourceVersion"])
        for name in names[:4]:
            print("haload: %s acked %s unknown %s" % (name, acked.get(name), unknown.get(name)))
            for i in range(len(ports)):
                try:
                    st, data = request(conn(i), "GET", base + "/" + name)
                    o = json.loads(data)
                    print("haload: server %d has %s: %d rv %s data %s" % (i + 1, name, st,
                          o.get("metadata", {}).get("resourceVersion"), o.get("data")))
                except Exception as e:
                    print("haload: server %d: %s" % (i + 1, e))
        sys.exit(1)
    print("haload: ok")


main()
