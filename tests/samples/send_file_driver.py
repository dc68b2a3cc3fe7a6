#!/usr/bin/env python3
"""Runs samples/send_file as a user would (ctest: "samples: send_file CASE").

Usage: send_file_driver.py CASE PATH-TO-send_file

stream-20mib: serves a generated 20 MiB file; two clients connected at once each receive it
whole (SHA-256 checked), a third that hangs up early makes the server log a failed transfer,
and SIGINT then stops the server with status 0.
bad-options: a missing --file, a file that does not exist, an unknown option and a bad endpoint
each exit 2 with one line on stderr.

Every wait is bounded (socket timeouts, deadlines, subprocess timeouts), the server only listens
on 127.0.0.1, and a server that outlives its test is killed.
"""

import hashlib
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 30.0  # seconds for any single wait (a 20 MiB transfer under ASan included)
SIZE = 20 * 1024 * 1024


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Server:
    """send_file on a kernel-chosen port; its stdout log read line by line, bounded."""

    def __init__(self, binary, path):
        self.proc = subprocess.Popen(
            [binary, "--listen", "tcp:0:interface=127.0.0.1", "--file", path],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pending = b""  # read from stdout, not yet split into lines
        first = self.wait_for(r"send_file listening on 127\.0\.0\.1:(\d+), sending .*")
        self.port = int(first.group(1))

    def _line(self, deadline):
        # os.read on the descriptor, not readline: a buffered reader could hold lines that
        # select() then cannot see.
        while b"\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.proc.stdout], [], [], remaining)[0]:
                return None
            data = os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                fail(f"the server exited early with status {self.proc.wait(TIMEOUT)}: "
                     f"{self.proc.stderr.read()!r}")
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def wait_for(self, pattern):
        """Reads log lines until one matches `pattern`; fails at the deadline."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            line = self._line(deadline)
            if line is None:
                self.kill()
                fail(f"the server logged no line matching {pattern!r} in time")
            match = re.fullmatch(pattern, line)
            if match:
                return match

    def interrupt(self):
        """SIGINT, then the exit status (the server must stop by itself in time)."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("the server did not stop within the timeout after SIGINT")
        return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)


def receive_all(sock):
    """Reads until the server closes; returns the SHA-256 hex digest and the byte count."""
    digest = hashlib.sha256()
    count = 0
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        data = sock.recv(1 << 20)
        if not data:
            return digest.hexdigest(), count
        digest.update(data)
        count += len(data)
    fail(f"the transfer did not finish in time ({count} bytes received)")
    return None


def case_stream_20mib(binary):
    with tempfile.TemporaryDirectory(prefix="send-file-") as tmp:
        path = os.path.join(tmp, "payload.bin")
        payload = random.Random(20).randbytes(SIZE)  # seeded: the same bytes every run
        with open(path, "wb") as out:
            out.write(payload)
        expected = hashlib.sha256(payload).hexdigest()

        server = Server(binary, path)
        try:
            # Two clients at once: the server streams to both, each paced by its own reader.
            first = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
            second = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
            for name, sock in (("first", first), ("second", second)):
                with sock:
                    got, count = receive_all(sock)
                if count != SIZE or got != expected:
                    fail(f"{name} client: {count} bytes, sha256 {got}; expected {SIZE}, "
                         f"{expected}")
            for _ in range(2):
                server.wait_for(rf"sent {SIZE} bytes to 127\.0\.0\.1:\d+")

            # A client that hangs up after the first bytes: the transfer fails, and says so.
            with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as quitter:
                if not quitter.recv(1024):
                    fail("the third client got nothing")
                quitter.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close with a reset
            server.wait_for(r"sending to 127\.0\.0\.1:\d+ failed: .*")

            status = server.interrupt()
            if status != 0:
                fail(f"exit status {status} after SIGINT, expected 0; stderr "
                     f"{server.proc.stderr.read()!r}")
        finally:
            server.kill()


def expect_usage_error(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=TIMEOUT)
    lines = result.stderr.splitlines()
    if result.returncode != 2 or len(lines) != 1:
        fail(f"{args}: status {result.returncode}, stderr {result.stderr!r}; expected 2 and "
             "one line")


def case_bad_options(binary):
    expect_usage_error(binary)  # --file is required
    expect_usage_error(binary, "--file", "/nonexistent/send-file-driver")
    expect_usage_error(binary, "--file", __file__, "--frobnicate")
    expect_usage_error(binary, "--file", __file__, "--listen", "bogus:1")
    result = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    if result.returncode != 0 or "--file" not in result.stdout:
        fail(f"--help: status {result.returncode}, stdout {result.stdout!r}")


CASES = {
    "stream-20mib": case_stream_20mib,
    "bad-options": case_bad_options,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        fail("usage: send_file_driver.py {" + ",".join(CASES) + "} PATH-TO-send_file")
    CASES[sys.argv[1]](sys.argv[2])
    print("ok: " + sys.argv[1])
