#!/usr/bin/env python3
"""Runs the `torsion` program as a user would and checks what it does (ctest: "cli: CASE").

Usage: cli_driver.py CASE PATH-TO-torsion

Every wait is bounded (socket timeouts, subprocess timeouts), the program only ever listens
on 127.0.0.1, and a server that outlives its test is killed.
"""

import json
import re
import select
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 10.0  # seconds for any single wait


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=TIMEOUT)


def expect_one_line_error(result, status, needle):
    lines = result.stderr.splitlines()
    if result.returncode != status:
        fail(f"exit status {result.returncode}, expected {status}; stderr: {result.stderr!r}")
    if len(lines) != 1:
        fail(f"expected one line on stderr, got {len(lines)}: {result.stderr!r}")
    if needle not in lines[0]:
        fail(f"stderr {lines[0]!r} does not mention {needle!r}")


def case_help(binary):
    for args in ([], ["echo"], ["chat"]):
        result = run(binary, *args, "--help")
        if result.returncode != 0 or "Usage: torsion" not in result.stdout:
            fail(f"--help for {args}: status {result.returncode}, stdout {result.stdout!r}")
    if "--idle-timeout" not in run(binary, "chat", "--help").stdout:
        fail("chat --help does not list --idle-timeout")


def case_bad_endpoint(binary):
    expect_one_line_error(run(binary, "echo", "--listen", "bogus:1"), 2, "bogus:1")
    expect_one_line_error(run(binary, "chat", "--listen", "tcp:notaport"), 2, "notaport")


def case_bad_option(binary):
    expect_one_line_error(run(binary, "frob"), 2, "frob")
    expect_one_line_error(run(binary, "echo", "--reactor", "kqueue"), 2, "kqueue")
    expect_one_line_error(run(binary, "chat", "--idle-timeout", "soon"), 2, "soon")
    expect_one_line_error(run(binary, "echo", "--no-such-option"), 2, "--no-such-option")


def case_port_in_use(binary):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(binary, "echo", "--listen", f"tcp:{port}:interface=127.0.0.1")
        expect_one_line_error(result, 1, "in use")


class Server:
    """A `torsion SERVICE` process on a kernel-chosen port, read from its JSON log."""

    def __init__(self, binary, service, *extra):
        self.proc = subprocess.Popen(
            [binary, service, "--listen", "tcp:0:interface=127.0.0.1", "--log-format", "json",
             *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = []
        self.port = None
        deadline = time.monotonic() + TIMEOUT
        while self.port is None:
            line = self._readline(deadline)
            event = json.loads(line)  # --log-format json: every line is one JSON object
            self.log.append(event)
            port = event.get("fields", {}).get("port")
            if "listening on" in event.get("message", "") and port:
                self.port = int(port)

    def _readline(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.proc.stderr], [], [], remaining)[0]:
            self.kill()
            fail("the server did not report its port in time")
        line = self.proc.stderr.readline()
        if not line:
            fail(f"the server exited early with status {self.proc.wait(TIMEOUT)}")
        return line

    def terminate(self):
        """SIGTERM, then the exit status (the server must stop by itself in time)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("the server did not stop within the timeout after SIGTERM")
        self.log += [json.loads(line) for line in self.proc.stderr.read().splitlines()]
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)


class Client:
    """A line-oriented TCP client with bounded reads."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def send(self, text):
        self.sock.sendall(text.encode())

    def line(self):
        while b"\n" not in self.buffer:
            data = self.sock.recv(4096)
            if not data:
                fail(f"connection closed while waiting for a line; got {self.buffer!r}")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def expect(self, pattern):
        got = self.line()
        if not re.fullmatch(pattern, got):
            fail(f"expected a line matching {pattern!r}, got {got!r}")
        return got

    def closed(self):
        """Reads until the server closes; returns what came before."""
        rest = self.buffer
        while True:
            data = self.sock.recv(4096)
            if not data:
                return rest.decode()
            rest += data


def case_chat_session(binary):
    server = Server(binary, "chat")
    try:
        alice = Client(server.port)
        alice.expect(r"\* Welcome to torsion chat, guest\d+\. .*")
        bob = Client(server.port)
        bob.expect(r"\* Welcome to torsion chat, (guest\d+)\. .*")
        alice.expect(r"\* guest\d+ has joined")  # the join notice
        alice.send("/nick alice\n")
        alice.expect(r"\* You are now alice")
        bob.expect(r"\* guest\d+ is now known as alice")
        bob.send("/nick bob\r\n")  # CRLF, as some clients send
        bob.expect(r"\* You are now bob")
        alice.expect(r"\* guest\d+ is now known as bob")
        alice.send("hello from alice\n")
        bob.expect(r"<alice> hello from alice")  # the broadcast
        bob.send("/who\n")
        bob.expect(r"\* Online \(2\): alice, bob")
        status = server.terminate()
        if status != 0:
            fail(f"exit status {status} after SIGTERM, expected 0")
        # A graceful stop: both users are told, then their connections are closed.
        for client in (alice, bob):
            if "shutting down" not in client.closed():
                fail("a client was not told about the shutdown")
    finally:
        server.kill()


def case_echo_session(binary):
    server = Server(binary, "echo", "--reactor", "poll")
    try:
        client = Client(server.port)
        client.send("ping\n")
        client.expect("ping")
        if server.terminate() != 0:
            fail("echo did not exit 0 after SIGTERM")
    finally:
        server.kill()


CASES = {
    "help": case_help,
    "bad-endpoint": case_bad_endpoint,
    "bad-option": case_bad_option,
    "port-in-use": case_port_in_use,
    "chat-session": case_chat_session,
    "echo-session": case_echo_session,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        fail("usage: cli_driver.py {" + ",".join(CASES) + "} PATH-TO-torsion")
    CASES[sys.argv[1]](sys.argv[2])
    print("ok: " + sys.argv[1])
