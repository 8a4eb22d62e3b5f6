# SPDX-License-Identifier: GPL-2.0-or-later
# ha_tcp.py - the TCP parts of t_ha.sh (every wait bounded).
#
#   srv NAME ADDR PORT LOG           a router's service: answers each line
#                                    with NAME and logs "NAME LINE" to LOG
#   hold DIR ADDR PORT IP...         one long-lived connection per IP; on
#                                    DIR/go.N asks each again, writes DIR/hold.N:
#                                    "IP ROUTER SECONDS" or "IP BROKEN"
#   new ROUND ADDR PORT DEADLINE seq|par IP...
#                                    a new connection per IP, retried until
#                                    DEADLINE seconds: "IP ROUTER SECONDS EPOCH" | "IP FAIL"
import os, selectors, socket, sys, time

def srv(name, addr, port, log):
    sel = selectors.DefaultSelector()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(512)
    ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ)
    buf = {}
    out = open(log, "a", buffering=1)
    end = time.monotonic() + 600
    while time.monotonic() < end:
        for key, _ in sel.select(0.5):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                c.setblocking(False)
                buf[c] = b""
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(256)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                buf.pop(s, None)
                s.close()
                continue
            buf[s] += data
            while b"\n" in buf[s]:
                line, buf[s] = buf[s].split(b"\n", 1)
                out.write("%s %s\n" % (name, line.decode()))
                try:
                    s.send(name.encode() + b"\n")
                except OSError:
                    pass

def ask(socks, what, timeout):
    """Send what % ip on each socket, read one line: {ip: (router, secs)}."""
    t0 = time.monotonic()
    sel = selectors.DefaultSelector()
    got, buf = {}, {}
    for ip, s in socks.items():
        try:
            s.send((what % ip).encode())
        except OSError:
            continue
        buf[ip] = b""
        sel.register(s, selectors.EVENT_READ, ip)
    while len(got) < len(buf) and time.monotonic() - t0 < timeout:
        for key, _ in sel.select(0.2):
            ip = key.data
            try:
                d = key.fileobj.recv(64)
            except OSError:
                d = b""
            if not d:
                sel.unregister(key.fileobj)
                got[ip] = None
                continue
            buf[ip] += d
            if b"\n" in buf[ip]:
                sel.unregister(key.fileobj)
                got[ip] = (buf[ip].split(b"\n")[0].decode(), time.monotonic() - t0)
    return got

def hold(d, addr, port, ips):
    socks = {}
    for ip in ips:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0)
        s.bind((ip, 0))
        s.settimeout(10)
        s.connect((addr, port))
        s.setblocking(False)
        socks[ip] = s
    rnd = 0
    end = time.monotonic() + 400
    while time.monotonic() < end:
        f = os.path.join(d, "go.%d" % rnd)
        if not os.path.exists(f):
            if os.path.exists(os.path.join(d, "stop")):
                break
            time.sleep(0.05)
            continue
        got = ask(socks, "HOLD %d %%s\n" % rnd, 25)
        with open(os.path.join(d, "hold.%d.tmp" % rnd), "w") as o:
            for ip in ips:
                g = got.get(ip)
                o.write("%s %s\n" % (ip, "%s %.2f" % g if g else "BROKEN"))
        os.rename(os.path.join(d, "hold.%d.tmp" % rnd), os.path.join(d, "hold.%d" % rnd))
        rnd += 1

def new_one(ip, addr, port, rnd, t0, deadline):
    while time.monotonic() - t0 < deadline:
        s = socket.socket()
        try:
            s.bind((ip, 0))
            s.settimeout(1)
            s.connect((addr, port))
            s.send(("NEW %s %s\n" % (rnd, ip)).encode())
            r = s.recv(64)
            if r.endswith(b"\n"):
                return "%s %.2f %.3f" % (r.decode().strip(),
                                         time.monotonic() - t0, time.time())
        except OSError:
            pass
        finally:
            s.close()
        time.sleep(0.05)
    return "FAIL"

def new(rnd, addr, port, deadline, mode, ips):
    t0 = time.monotonic()
    if mode == "seq":
        for ip in ips:
            print(ip, new_one(ip, addr, port, rnd, t0, deadline), flush=True)
        return
    # Parallel: one attempt per IP at a time, all in flight together.
    import threading
    res = {}
    def run(ip):
        res[ip] = new_one(ip, addr, port, rnd, t0, deadline)
    th = [threading.Thread(target=run, args=(ip,)) for ip in ips]
    for t in th:
        t.start()
    for t in th:
        t.join(deadline + 5)
    for ip in ips:
        print(ip, res.get(ip, "FAIL"))

if __name__ == "__main__":
    a = sys.argv
    if a[1] == "srv":
        srv(a[2], a[3], int(a[4]), a[5])
    elif a[1] == "hold":
        hold(a[2], a[3], int(a[4]), a[5:])
    elif a[1] == "new":
        new(a[2], a[3], int(a[4]), float(a[5]), a[6], a[7:])
