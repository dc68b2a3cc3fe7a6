#!/usr/bin/env python3
"""Runs samples/coroutine_client as a user would (ctest: "samples: coroutine_client CASE").

Usage: coroutine_client_driver.py CASE PATH-TO-coroutine_client PATH-TO-echo_server

echo: against samples/echo_server, every line comes back: exit 0.
refused: nothing listens at the endpoint: exit 1.
timeout: a server that accepts and never answers: exit 4 after --timeout.
mismatch: a server that answers with the wrong line: exit 3.
bad-options: bad values and unknown options: exit 2 with one line on stderr.

Every wait is bounded, servers listen on 127.0.0.1 (or a UNIX socket in a temporary
directory), and a server that outlives its test is killed.
"""

import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading

TIMEOUT = 30.0  # seconds for any single wait


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def client(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=TIMEOUT)


def expect(result, status, stdout_pattern=None, stderr_pattern=None):
    if result.returncode != status:
        fail(f"exit status {result.returncode}, expected {status}; stdout {result.stdout!r}, "
             f"stderr {result.stderr!r}")
    if stdout_pattern and not re.search(stdout_pattern, result.stdout):
        fail(f"stdout {result.stdout!r} does not match {stdout_pattern!r}")
    if stderr_pattern and not re.search(stderr_pattern, result.stderr):
        fail(f"stderr {result.stderr!r} does not match {stderr_pattern!r}")


def case_echo(binary, echo_server):
    server = subprocess.Popen([echo_server, "--listen", "tcp:0:interface=127.0.0.1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if not select.select([server.stdout], [], [], TIMEOUT)[0]:
            fail("echo_server did not report its address in time")
        match = re.match(r"echo_server listening on 127\.0\.0\.1:(\d+)", server.stdout.readline())
        if not match:
            fail("echo_server did not report its address")
        endpoint = f"tcp:host=127.0.0.1:port={match.group(1)}"
        expect(client(binary, "--connect", endpoint, "--lines", "5"), 0,
               stdout_pattern=r"5 of 5 lines echoed")
        expect(client(binary, "--connect", endpoint, "--lines", "1000"), 0,
               stdout_pattern=r"1000 of 1000 lines echoed")
        server.send_signal(signal.SIGINT)
        if server.wait(TIMEOUT) != 0:
            fail("echo_server did not exit 0 after SIGINT")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(TIMEOUT)


def case_refused(binary, _echo_server):
    with tempfile.TemporaryDirectory(prefix="coroutine-client-") as tmp:
        missing = os.path.join(tmp, "nobody.sock")
        expect(client(binary, "--connect", f"unix:path={missing}"), 1,
               stderr_pattern=r"cannot connect")


class FakeServer:
    """A TCP server on 127.0.0.1 that runs `answer(conn)` for one connection, in a thread."""

    def __init__(self, answer):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, args=(answer,), daemon=True)
        self.thread.start()

    def _serve(self, answer):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(TIMEOUT)
            answer(conn)

    def close(self):
        self.sock.close()
        self.thread.join(TIMEOUT)


def read_until_closed(conn):
    """Reads until the peer closes (or the socket times out)."""
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def case_timeout(binary, _echo_server):
    server = FakeServer(read_until_closed)  # reads, never answers
    try:
        expect(client(binary, "--connect", f"tcp:host=127.0.0.1:port={server.port}",
                      "--timeout", "0.5"), 4, stderr_pattern=r"no echo of line 1 within 0\.5s")
    finally:
        server.close()


def answer_wrongly(conn):
    conn.recv(4096)
    conn.sendall(b"not what you sent\n")
    read_until_closed(conn)


def case_mismatch(binary, _echo_server):
    server = FakeServer(answer_wrongly)
    try:
        expect(client(binary, "--connect", f"tcp:host=127.0.0.1:port={server.port}"), 3,
               stderr_pattern=r"sent 'line 1 of 3', got 'not what you sent' back")
    finally:
        server.close()


def case_bad_options(binary, _echo_server):
    for args in (["--lines", "0"], ["--lines", "many"], ["--timeout", "-1"], ["--frobnicate"],
                 ["--connect", "bogus:1"]):
        result = client(binary, *args)
        if result.returncode != 2 or len(result.stderr.splitlines()) != 1:
            fail(f"{args}: status {result.returncode}, stderr {result.stderr!r}; expected 2 and "
                 "one line")
    result = client(binary, "--help")
    if result.returncode != 0 or "--timeout" not in result.stdout:
        fail(f"--help: status {result.returncode}, stdout {result.stdout!r}")


CASES = {
    "echo": case_echo,
    "refused": case_refused,
    "timeout": case_timeout,
    "mismatch": case_mismatch,
    "bad-options": case_bad_options,
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in CASES:
        fail("usage: coroutine_client_driver.py {" + ",".join(CASES) +
             "} PATH-TO-coroutine_client PATH-TO-echo_server")
    CASES[sys.argv[1]](sys.argv[2], sys.argv[3])
    print("ok: " + sys.argv[1])
