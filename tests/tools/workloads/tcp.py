#!/usr/bin/env python3
"""TCP on loopback, IPv4 and IPv6: listen, connect, accept, send 20000 bytes
one way and 5000 the other, close. Prints port4/port6 (the listeners) and
cport4/cport6 (the clients' ports) as KEY=VALUE lines.
With "retrans": connect to a listener whose accept queue is full, so the
kernel drops the SYN and the client retransmits it (after ~1 s)."""
import socket, sys, time


def session(family, host, tag):
    srv = socket.socket(family)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    cli = socket.create_connection((host, port))
    conn, _ = srv.accept()
    print("port%s=%d" % (tag, port))
    print("cport%s=%d" % (tag, cli.getsockname()[1]))
    cli.sendall(b"x" * 20000)
    got = 0
    while got < 20000:
        got += len(conn.recv(65536))
    conn.sendall(b"y" * 5000)
    got = 0
    while got < 5000:
        got += len(cli.recv(65536))
    time.sleep(0.05)
    cli.close()
    conn.close()
    srv.close()


def retrans():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)               # one queued connection fills the accept queue
    port = srv.getsockname()[1]
    print("port4=%d" % port)
    first = socket.create_connection(("127.0.0.1", port))
    second = socket.socket()
    second.settimeout(1.6)      # the first SYN retransmit is due after 1 s
    try:
        second.connect(("127.0.0.1", port))
    except OSError:
        pass
    second.close()
    first.close()
    srv.close()


if len(sys.argv) > 1 and sys.argv[1] == "retrans":
    retrans()
else:
    session(socket.AF_INET, "127.0.0.1", "4")
    try:
        session(socket.AF_INET6, "::1", "6")
    except OSError as e:
        print("tcp.py: no IPv6 on loopback: %s" % e, file=sys.stderr)
sys.stdout.flush()
