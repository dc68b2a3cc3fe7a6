#!/usr/bin/env python3
"""Runs `torsion portforward` as a user would and checks it (ctest: "cli: portforward-...").

Usage: portforward_driver.py CASE PATH-TO-torsion

Cases:
  portforward-bad-connect               a missing or bad --connect: one line on stderr, status 2
  portforward-100MiB-backend-to-client  100 MiB from a fast backend to a client that reads slowly
  portforward-100MiB-client-to-backend  100 MiB from a fast client to a backend that reads slowly
  portforward-stop-with-open-connection SIGTERM with a forwarded connection open: exit 0 in time

The 100 MiB cases check every byte (each position's expected value is known), that the end of
the stream arrives after the last byte, that SIGTERM then stops the proxy with status 0, and
that the proxy's peak resident set (VmHWM in /proc/PID/status) stays below 64 MiB: with flow
control the proxy reads from one side only as fast as the other side drains, so its memory does
not depend on how much passes through. Every wait is bounded (socket timeouts, thread joins, an
overall deadline); only 127.0.0.1 is used, and the proxy is killed if it outlives the test.
"""

import os
import socket
import sys
import threading
import time

from cli_driver import Server, expect_one_line_error, fail, run

TIMEOUT = 30.0  # seconds for any single wait
DEADLINE = 240.0  # seconds for a whole case (ctest's TIMEOUT is 300)
MIB = 1024 * 1024
TOTAL = 100 * MIB
RSS_LIMIT_KB = 64 * 1024
BLOCK = MIB
PAUSE_SECONDS = 2.0  # how long the slow reader reads nothing at first
READ_SIZE = 64 * 1024
READ_DELAY = 0.001  # seconds between the slow reader's reads: at most 64 MiB/s

_last_block = [None, b""]


def block(index):
    """Block `index` of the stream: a pseudo-random MiB whose first 8 bytes are its number, so
    that a lost, repeated or reordered block shows."""
    if _last_block[0] != index:
        _last_block[0] = index
        _last_block[1] = index.to_bytes(8, "big") + BASE[8:]
    return _last_block[1]


# A fixed pseudo-random MiB (a linear congruential generator, so it is the same on every run).
def _base():
    out = bytearray(BLOCK)
    x = 12345
    for i in range(0, BLOCK, 4):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i:i + 4] = x.to_bytes(4, "little")
    return bytes(out)


BASE = _base()


def expected(offset, size):
    """The `size` bytes of the stream that start at `offset`."""
    parts = []
    while size > 0:
        index, within = divmod(offset, BLOCK)
        take = min(size, BLOCK - within)
        parts.append(block(index)[within:within + take])
        offset += take
        size -= take
    return b"".join(parts)


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    fail("no VmHWM in /proc/PID/status")
    return 0


def case_bad_connect(binary):
    expect_one_line_error(run(binary, "portforward", "--listen", "tcp:0:interface=127.0.0.1"), 2,
                          "--connect")
    expect_one_line_error(run(binary, "portforward", "--connect", "bogus:1"), 2, "bogus:1")
    expect_one_line_error(run(binary, "portforward", "--connect", "tcp:host=127.0.0.1:port=notaport"),
                          2, "notaport")
    result = run(binary, "portforward", "--help")
    if result.returncode != 0 or "--connect" not in result.stdout:
        fail(f"portforward --help does not describe --connect: {result.stdout!r}")


def start_proxy(binary, backend_port):
    """A `torsion portforward` process on a kernel-chosen port, forwarding to `backend_port`."""
    return Server(binary, "portforward", "--connect", f"tcp:host=127.0.0.1:port={backend_port}",
                  "--shutdown-timeout", "2")


def send_all(sock, errors):
    """The fast sender: the whole stream in 1 MiB writes, then a FIN."""
    try:
        for index in range(TOTAL // BLOCK):
            sock.sendall(block(index))
        sock.shutdown(socket.SHUT_WR)
    except OSError as error:
        errors.append(f"sender: {error!r}")


class Watch:
    """Samples the proxy's VmHWM while the transfer runs."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = vm_hwm_kb(pid)
        self.start = self.peak

    def sample(self):
        self.peak = max(self.peak, vm_hwm_kb(self.pid))


def read_slowly(sock, watch, deadline):
    """The slow reader: nothing for PAUSE_SECONDS while the sender pushes, then READ_SIZE bytes
    at a time with a pause between reads, checking each byte, until the FIN. Returns the count."""
    pause_end = time.monotonic() + PAUSE_SECONDS
    while time.monotonic() < pause_end:
        watch.sample()
        time.sleep(0.05)
    received = 0
    reads = 0
    while True:
        if time.monotonic() > deadline:
            fail(f"the transfer took too long: {received} of {TOTAL} bytes after the deadline")
        data = sock.recv(READ_SIZE)
        if not data:
            return received
        if received + len(data) > TOTAL:
            fail(f"more bytes than were sent: {received + len(data)}")
        if data != expected(received, len(data)):
            fail(f"wrong bytes at offset {received}..{received + len(data)}")
        received += len(data)
        reads += 1
        if reads % 64 == 0:
            watch.sample()
        time.sleep(READ_DELAY)


def case_100mib(binary, to_client):
    deadline = time.monotonic() + DEADLINE
    listener = socket.socket()
    listener.settimeout(TIMEOUT)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    proxy = start_proxy(binary, listener.getsockname()[1])
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT)
        backend, _ = listener.accept()  # the proxy connects once a client has
        backend.settimeout(TIMEOUT)
        watch = Watch(proxy.proc.pid)
        sender_sock, reader_sock = (backend, client) if to_client else (client, backend)
        errors = []
        sender = threading.Thread(target=send_all, args=(sender_sock, errors), daemon=True)
        sender.start()
        received = read_slowly(reader_sock, watch, deadline)
        sender.join(TIMEOUT)
        if sender.is_alive():
            fail("the sender did not finish after the reader got the end of the stream")
        if errors:
            fail("; ".join(errors))
        if received != TOTAL:
            fail(f"received {received} bytes, expected {TOTAL}")
        watch.sample()
        direction = "backend->client" if to_client else "client->backend"
        print(f"{direction}: {TOTAL // MIB} MiB verified; proxy VmHWM {watch.start} kB at the "
              f"start, {watch.peak} kB peak (limit {RSS_LIMIT_KB} kB)")
        if watch.peak >= RSS_LIMIT_KB:
            fail(f"the proxy's peak RSS {watch.peak} kB is not below {RSS_LIMIT_KB} kB")
        # The side that finished sending closed; the proxy must close the other side too.
        sender_sock.settimeout(TIMEOUT)
        try:
            rest = sender_sock.recv(READ_SIZE)
        except OSError:
            rest = b""
        if rest:
            fail(f"unexpected bytes toward the sender: {rest[:40]!r}")
        client.close()
        backend.close()
        status = proxy.terminate()
        if status != 0:
            fail(f"exit status {status} after SIGTERM, expected 0")
    finally:
        proxy.kill()
        listener.close()


def case_stop_with_open_connection(binary):
    """SIGTERM while a forwarded connection is open and idle: the proxy stops listening, closes
    both sides within --shutdown-timeout (2 s here) and exits 0."""
    listener = socket.socket()
    listener.settimeout(TIMEOUT)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    proxy = start_proxy(binary, listener.getsockname()[1])
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT)
        backend, _ = listener.accept()
        backend.settimeout(TIMEOUT)
        client.sendall(b"ping")
        if backend.recv(16) != b"ping":
            fail("the backend did not get the client's bytes")
        backend.sendall(b"pong")
        if client.recv(16) != b"pong":
            fail("the client did not get the backend's bytes")
        started = time.monotonic()
        status = proxy.terminate()
        took = time.monotonic() - started
        if status != 0:
            fail(f"exit status {status} after SIGTERM, expected 0")
        if took > 2.0 + 5.0:
            fail(f"the proxy took {took:.1f} s to stop, with a 2 s shutdown timeout")
        for name, sock in (("client", client), ("backend", backend)):
            try:
                rest = sock.recv(16)
            except OSError:  # a reset is a close too
                rest = b""
            if rest:
                fail(f"the {name} got unexpected bytes: {rest!r}")
        print(f"stopped in {took:.2f} s with a forwarded connection open")
    finally:
        proxy.kill()
        listener.close()


CASES = {
    "portforward-stop-with-open-connection": case_stop_with_open_connection,
    "portforward-bad-connect": case_bad_connect,
    "portforward-100MiB-backend-to-client": lambda binary: case_100mib(binary, True),
    "portforward-100MiB-client-to-backend": lambda binary: case_100mib(binary, False),
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        fail("usage: portforward_driver.py {" + ",".join(CASES) + "} PATH-TO-torsion")
    if not os.access(sys.argv[2], os.X_OK):
        fail(f"not an executable: {sys.argv[2]}")
    CASES[sys.argv[1]](sys.argv[2])
    print("ok: " + sys.argv[1])
