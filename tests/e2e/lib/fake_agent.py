# fake_agent.py: a stand-in for the agent's HTTPS endpoint (src/agent/serve.h) for the API
# server's logs/exec proxy: TLS with its own self-signed certificate (the Node pins it),
# client certificates required and verified against the cluster CA. Logs answer with what the
# request looked like; exec answers the WebSocket handshake (v5.channel.k8s.io), writes one
# stdout frame and a Success status, and closes. Paths under a pod named "hold" stay open
# until the server closes them (the server's shutdown with sessions open).
# Usage: fake_agent.py CERT KEY CA PORTFILE (the chosen port is written to PORTFILE).
import base64, hashlib, json, socket, ssl, sys, threading, time
cert, key, ca, portfile = sys.argv[1:5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
open(portfile, "w").write(str(srv.getsockname()[1]))
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def frame(payload, op=2):
    n = len(payload)
    if n < 126:
        h = bytes([0x80 | op, n])
    else:
        h = bytes([0x80 | op, 126]) + n.to_bytes(2, "big")
    return h + payload

def handle(conn):
    try:
        s = ctx.wrap_socket(conn, server_side=True)
    except Exception as e:
        print("handshake failed:", e, flush=True); return
    cn = dict(x[0] for x in s.getpeercert()["subject"]).get("commonName")
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(4096)
        if not d: return
        data += d
    head = data.split(b"\r\n\r\n")[0].decode()
    lines = head.split("\r\n")
    method, target, _ = lines[0].split(" ")
    hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
    print("agent got", method, target, "cn=%s" % cn, "auth=%s" % ("authorization" in hdrs),
          flush=True)
    if target.startswith("/containerLogs/") and "follow=true" in target and "/hold/" in target:
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n")
        try:
            while s.recv(4096): pass
        except Exception: pass
        print("agent: follow stream closed by the server", flush=True)
        return
    if target.startswith("/containerLogs/"):
        body = ("log of %s\ncn=%s auth=%s\n" % (target, cn, "authorization" in hdrs)).encode()
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        s.close(); return
    k = hdrs["sec-websocket-key"]
    acc = base64.b64encode(hashlib.sha1((k + GUID).encode()).digest()).decode()
    offers = [p.strip() for p in hdrs.get("sec-websocket-protocol", "").split(",")]
    proto = "v5.channel.k8s.io" if "v5.channel.k8s.io" in offers else offers[0]
    s.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n" % (acc, proto)).encode())
    stdin = b""
    if "stdin=true" in target and "/hold/" not in target:
        # v5: channel 0 carries stdin; a close of channel 0 (255, 0) ends it. Echo one frame.
        rest = data.split(b"\r\n\r\n", 1)[1]
        while len(rest) < 2:
            rest += s.recv(4096)
        n = rest[1] & 0x7F
        hl = 2 + (4 if rest[1] & 0x80 else 0) + (2 if n == 126 else 0)
        while len(rest) < hl:
            rest += s.recv(4096)
        if n == 126:
            n = int.from_bytes(rest[2:4], "big")
        while len(rest) < hl + n:
            rest += s.recv(4096)
        mask = rest[hl - 4:hl] if rest[1] & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(rest[hl:hl + n]))
        stdin = payload[1:] if payload[:1] == b"\x00" else b""
    # client-go starts reading frames before it has made its streams and drops a frame that
    # comes first ("Unknown stream id 1"); a real process takes longer than that to write.
    # So the stand-in waits: for the first stdin frame when there is stdin, else 100 ms.
    if "stdin=true" in target and "/hold/" in target:
        s.recv(4096)
    elif not stdin:
        time.sleep(0.1)
    s.sendall(frame(b"\x01exec " + target.encode() + b"\n" + (b"stdin: " + stdin if stdin else b"")))
    if "/hold/" in target:
        try:
            while s.recv(4096): pass
        except Exception: pass
        print("agent: exec session closed by the server", flush=True)
        return
    s.sendall(frame(b"\x03" + json.dumps({"metadata": {}, "status": "Success"}).encode()))
    s.sendall(frame((1000).to_bytes(2, "big"), op=8))
    try:
        while s.recv(4096): pass
    except Exception: pass
    s.close()

while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
