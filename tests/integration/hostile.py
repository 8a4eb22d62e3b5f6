#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hostile.py - hostile control-socket peers for t_hostile.sh.

    hostile.py SOCKET ATTACK [ARGS...]

Every attack is bounded in time (its own deadline, socket timeouts) and
prints one line "key=value ..." of what it saw, for the test to judge.
"""
import os
import socket
import sys
import time


def conn(path, timeout=2.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def recv_some(s, limit=1 << 20, wait=2.0):
    """What the server sends within wait seconds (or until it closes)."""
    data = b""
    end = time.monotonic() + wait
    s.settimeout(0.2)
    while len(data) < limit and time.monotonic() < end:
        try:
            b = s.recv(65536)
        except socket.timeout:
            if data.endswith(b"\n"):
                break
            continue
        except OSError:
            break
        if not b:
            break
        data += b
    return data


def answers(data):
    """Split a byte stream into answers; raise if one is ill-framed."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out, i = [], 0
    while i < len(lines):
        ln = lines[i]
        if any(c < 0x20 or c >= 0x7f for c in ln):
            raise ValueError("control byte in %r" % ln[:80])
        if ln.startswith(b"ERR "):
            out.append([ln])
            i += 1
        elif ln.startswith(b"OK "):
            n = int(ln[3:])
            out.append(lines[i:i + 1 + n])
            if len(out[-1]) != n + 1:
                raise ValueError("short answer %r" % ln)
            i += 1 + n
        else:
            raise ValueError("line outside any answer: %r" % ln[:80])
    return out


def one(path, request):
    s = conn(path)
    s.sendall(request)
    s.shutdown(socket.SHUT_WR)
    data = recv_some(s, wait=3.0)
    s.close()
    return data


def frame(path, request):
    """One request: its answer must be exactly one well-framed answer."""
    data = one(path, request.encode().decode("unicode_escape").encode("latin-1"))
    try:
        a = answers(data)
        print("answers=%d lines=%d first=%s" % (len(a), data.count(b"\n"),
              a[0][0].decode().replace(" ", "_") if a else "-"))
    except ValueError as e:
        print("answers=broken lines=%d error=%s" % (data.count(b"\n"), str(e).replace(" ", "_")))


def loris(path, n, secs):
    """n peers trickling one byte every 0.25 s: each is cut at the deadline."""
    peers, refused = [], 0
    for _ in range(n):
        try:
            s = conn(path)
            s.setblocking(False)
            peers.append([s, b"", None])
        except OSError:
            refused += 1
    start = time.monotonic()
    end = start + secs
    cut, busy, held_max = 0, 0, 0.0
    while time.monotonic() < end and peers:
        for p in list(peers):
            s = p[0]
            try:
                s.send(b"v")
            except OSError:
                pass
            try:
                b = s.recv(4096)
                if b:
                    p[1] += b
                else:
                    raise ConnectionResetError
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if b"ERR busy" in p[1]:
                busy += 1
            elif b"ERR usage request not complete" in p[1]:
                cut += 1
                held_max = max(held_max, time.monotonic() - start)
            if not b or p[1].endswith(b"\n"):
                s.close()
                peers.remove(p)
        time.sleep(0.25)
    for p in peers:
        p[0].close()
    print("peers=%d cut=%d busy=%d refused=%d still_open=%d held_max=%.1f"
          % (n, cut, busy, refused, len(peers), held_max))


def hold(path, n, secs):
    """Open n connections and hold them idle (an unprivileged squatter)."""
    peers, busy = [], 0
    for _ in range(n):
        try:
            s = conn(path)
        except OSError:
            busy += 1
            continue
        s.settimeout(0.05)
        try:
            if b"ERR busy" in s.recv(256):
                busy += 1
                s.close()
                continue
        except socket.timeout:
            pass
        peers.append(s)
    # Keep them alive with a complete request now and then: a deadline
    # alone must not be what frees the slots.
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for s in peers:
            try:
                s.send(b"version\n")
                s.recv(4096)
            except OSError:
                pass
        time.sleep(0.5)
    print("held=%d busy=%d" % (len(peers), busy))
    for s in peers:
        s.close()


def pipeline(path, n, nbytes, secs):
    """n peers each pipeline nbytes of "list" requests and never read."""
    peers = []
    req = b"list\n" * (nbytes // 5)
    for _ in range(n):
        try:
            s = conn(path)
            s.setblocking(False)
            peers.append([s, 0])
        except OSError:
            pass
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for p in peers:
            if p[1] < len(req):
                try:
                    p[1] += p[0].send(req[p[1]:p[1] + 65536])
                except OSError:
                    pass
        time.sleep(0.05)
    print("peers=%d sent=%d" % (len(peers), sum(p[1] for p in peers)))
    for p in peers:
        p[0].close()


def flood(path, secs):
    """Connect, send, disconnect as fast as possible; then a version stream."""
    end = time.monotonic() + secs
    n = 0
    while time.monotonic() < end:
        try:
            s = conn(path, 0.5)
            s.send(b"stats\nver")	# a request cut in the middle
            s.close()
            n += 1
        except OSError:
            pass
    print("connections=%d" % n)


def stream_and_probe(path, secs):
    """One peer streams version requests (reading); another's stats waits how long?"""
    a = conn(path)
    a.setblocking(False)
    chunk = b"version\n" * 128
    end = time.monotonic() + secs
    worst = 0.0
    probes = 0
    while time.monotonic() < end:
        for _ in range(20):
            try:
                a.send(chunk)
            except OSError:
                pass
            try:
                while a.recv(1 << 20):
                    pass
            except OSError:
                pass
        t0 = time.monotonic()
        b = conn(path, 5.0)
        b.sendall(b"stats\n")
        data = recv_some(b, wait=5.0)
        b.close()
        if data.startswith(b"OK 1\n"):
            worst = max(worst, time.monotonic() - t0)
            probes += 1
    a.close()
    print("probes=%d worst_ms=%d" % (probes, worst * 1000))


def garbage(path):
    """Oversized, malformed, binary and half requests: every answer framed."""
    cases = [b"x" * 100000, b"bind\x00oops\n", b"\x1b[2J\x07\n", b"\xff\xfe\xfd\n",
             b"list " + b"w " * 40 + b"\n", b"bind 1.2.3.4 user=%zz\n",
             b"bind 192.168.182.20 user=" + b"%41" * 300 + b"\n", b"\r\n\n\n",
             b"gateway add name=%0Aevil address=%0A interface=%1b[31m\n"]
    bad = 0
    for c in cases:
        try:
            answers(one(path, c))
        except (ValueError, OSError) as e:
            bad += 1
            print("# ill-framed answer to %r: %s" % (c[:40], e), file=sys.stderr)
    print("cases=%d broken=%d" % (len(cases), bad))


def spoof(src, dst):
    """One UDP datagram from any source address (raw socket, root)."""
    import struct
    payload = b"nfqlb-spoof"
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, (dst, 0))
    s.close()
    print("sent=1 src=%s" % src)


def main():
    path, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == "spoof":
        spoof(args[0], args[1])
    elif what == "frame":
        frame(path, args[0])
    elif what == "raw":
        sys.stdout.write(one(path, args[0].encode() + b"\n").decode("ascii", "replace"))
    elif what == "loris":
        loris(path, int(args[0]), float(args[1]))
    elif what == "hold":
        hold(path, int(args[0]), float(args[1]))
    elif what == "pipeline":
        pipeline(path, int(args[0]), int(args[1]), float(args[2]))
    elif what == "flood":
        flood(path, float(args[0]))
    elif what == "fair":
        stream_and_probe(path, float(args[0]))
    elif what == "garbage":
        garbage(path)
    else:
        sys.exit("unknown attack " + what)


if __name__ == "__main__":
    main()
