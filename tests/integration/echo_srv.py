# echo_srv.py NAME ADDR PORT SECONDS: a router's TCP service for the
# tests: every line a client sends is answered with NAME (which router
# answers a connection).  Ends by itself after SECONDS.
import selectors, socket, sys, time
name, addr, port, life = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
sel = selectors.DefaultSelector()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port))
ls.listen(256)
ls.setblocking(False)
sel.register(ls, selectors.EVENT_READ)
end = time.monotonic() + life
while time.monotonic() < end:
    for key, _ in sel.select(0.5):
        s = key.fileobj
        if s is ls:
            try:
                c, _ = ls.accept()
            except OSError:
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(64)
        except OSError:
            data = b""
        if not data:
            sel.unregister(s)
            s.close()
            continue
        try:
            s.send(name.encode() + b"\n")
        except OSError:
            pass
