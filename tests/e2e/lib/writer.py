#!/usr/bin/env python3
"""writer.py PORT CERTDIR OUTFILE THREADS: creates configmaps as fast as it can from THREADS
connections and appends the name of every acknowledged (201) create to OUTFILE, flushed at
once, until the server goes away. Used by crash.sh."""
import http.client, json, ssl, sys, threading

port, certdir, outfile, nthreads = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = ssl.create_default_context(cafile=certdir + "/ca.crt")
ctx.load_cert_chain(certdir + "/admin.crt", certdir + "/admin.key")
out = open(outfile, "a", buffering=1)
lock = threading.Lock()

def run(tid):
    i = 0
    try:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
        while True:
            name = "crash-%d-%d" % (tid, i)
            body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": name}, "data": {"i": str(i)}})
            conn.request("POST", "/api/v1/namespaces/default/configmaps", body,
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 201:
                with lock:
                    out.write(name + "\n")
            i += 1
    except Exception:
        return

threads = [threading.Thread(target=run, args=(t,)) for t in range(nthreads)]
for t in threads: t.start()
for t in threads: t.join()
