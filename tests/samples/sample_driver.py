#!/usr/bin/env python3
"""Runs the samples of docs/getting-started.md and docs/embedding.md, and udp_ping, as a user
would, and checks what they print and how they exit (ctest: "samples: CASE").

Usage: sample_driver.py CASE BINARY [BINARY...]

Every wait is bounded (socket and subprocess timeouts), the samples only ever use 127.0.0.1,
and a program that outlives its case is killed.
"""

import re
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 10.0  # seconds for any single wait


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Program:
    """A sample running in the background; `port` is read from its "... on HOST:PORT" line."""

    def __init__(self, *argv, stdin=subprocess.DEVNULL, pass_fds=()):
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, pass_fds=pass_fds)
        self.lines = []
        line = self.proc.stdout.readline()  # the program prints it once it listens
        self.lines.append(line)
        match = re.search(r" on 127\.0\.0\.1:(\d+)$", line.strip())
        if not match:
            self.kill()
            fail(f"{argv[0]}: expected a 'listening on 127.0.0.1:PORT' line, got {line!r}; "
                 f"stderr {self.proc.stderr.read()!r}")
        self.port = int(match.group(1))

    def finish(self, sig=None, expect_status=0):
        """Sends `sig` (if any), waits for the exit and returns everything it printed."""
        if sig is not None:
            self.proc.send_signal(sig)
        stdin, self.proc.stdin = self.proc.stdin, None  # left open: only `sig` may stop it
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("the program did not exit in time")
        if stdin is not None:
            stdin.close()
        out = "".join(self.lines) + out
        if self.proc.returncode != expect_status:
            fail(f"exit status {self.proc.returncode}, expected {expect_status}; "
                 f"stdout {out!r}, stderr {err!r}")
        return out, err

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=TIMEOUT)


def expect(text, pattern, what):
    if not re.search(pattern, text, re.MULTILINE):
        fail(f"{what}: {pattern!r} not found in {text!r}")


def converse(port, send):
    """Connects, sends `send`, half-closes, and returns everything until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(send)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
        return received


def echo_once(port, message):
    """Sends `message` to an echo server and reads it back, without closing first."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as conn:
        conn.sendall(message)
        received = b""
        while len(received) < len(message):
            chunk = conn.recv(4096)
            if not chunk:
                break
            received += chunk
        if received != message:
            fail(f"echo on port {port}: sent {message!r}, got {received!r}")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)


def case_first_protocol(binary):
    server = Program(binary, "--port", "0")
    got = converse(server.port, b"alice\nbob\r\nquit\n")
    expected = (b"Hello! What is your name? ('quit' to leave)\n"
                b"Hello, alice! (greeting #1)\nHello, bob! (greeting #2)\nBye!\n")
    if got != expected:
        server.kill()
        fail(f"conversation: got {got!r}, expected {expected!r}")
    out, _ = server.finish(signal.SIGINT)
    expect(out, r"^gave 2 greetings; bye$", "first_protocol after SIGINT")


def case_udp_ping(binary):
    server = Program(binary, "server", "--port", "0")
    client = run(binary, "client", "--port", str(server.port), "--count", "3",
                 "--interval", "0.01", "--timeout", "5")
    if client.returncode != 0:
        server.kill()
        fail(f"client exit status {client.returncode}; stdout {client.stdout!r}, "
             f"stderr {client.stderr!r}")
    for n in (1, 2, 3):
        expect(client.stdout, rf"^pong {n} from 127\.0\.0\.1:{server.port}: rtt \d+\.\d{{3}} ms$",
               "client")
    expect(client.stdout, r"^3 pings, 3 pongs, rtt min/max \d+\.\d{3}/\d+\.\d{3} ms$", "client")
    server.finish(signal.SIGTERM)


def case_udp_ping_timeout(binary):
    # A UDP socket that never answers: the pings arrive and nobody refuses them.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        start = time.monotonic()
        client = run(binary, "client", "--port", str(port), "--count", "2", "--interval", "0.01",
                     "--timeout", "0.2")
        if client.returncode != 1:
            fail(f"client exit status {client.returncode}, expected 1; stderr {client.stderr!r}")
        expect(client.stderr, r"^udp_ping: timed out: 2 of 2 pongs missing after 0\.2 s$",
               "client")
        if client.stdout:
            fail(f"client printed pongs nobody sent: {client.stdout!r}")
        if silent.recv(64) != b"PING 1":
            fail("the silent peer did not receive PING 1")
        if time.monotonic() - start > TIMEOUT:
            fail("the client did not give up in time")

    # Nothing bound at all: the kernel's "port unreachable" reaches connectionRefused.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = run(binary, "client", "--port", str(port), "--count", "2", "--timeout", "5")
    if client.returncode != 1:
        fail(f"client exit status {client.returncode}, expected 1; stderr {client.stderr!r}")
    expect(client.stderr, rf"^udp_ping: 127\.0\.0\.1:{port} refused the ping", "client")


def case_embed_host_loop(binary):
    host = Program(binary, "--listen", "tcp:0:interface=127.0.0.1", "--seconds", "30",
                   stdin=subprocess.PIPE)
    echo_once(host.port, b"hello")
    echo_once(host.port, b"embedded")
    host.proc.stdin.write("stats\n")
    host.proc.stdin.flush()
    line = host.proc.stdout.readline()
    host.lines.append(line)
    expect(line, r"^host: 2 connections, 13 bytes echoed, \d+ torsion turns$", "stats")
    host.proc.stdin.close()  # end of input: the host stops
    host.proc.stdin = None
    out, _ = host.finish()
    expect(out, r"^host: end of input, stopping$", "embed_host_loop")
    expect(out, r"^host: 2 connections, 13 bytes echoed; bye$", "embed_host_loop at exit")

    # The host's signalfd takes SIGTERM, and its timerfd ends a bounded run; stdin stays open.
    host = Program(binary, "--listen", "tcp:0:interface=127.0.0.1", "--seconds", "30",
                   stdin=subprocess.PIPE)
    echo_once(host.port, b"x")
    out, _ = host.finish(signal.SIGTERM)
    expect(out, r"^host: SIGTERM, stopping$", "embed_host_loop")
    expect(out, r"^host: 1 connections, 1 bytes echoed; bye$", "embed_host_loop after SIGTERM")
    host = Program(binary, "--listen", "tcp:0:interface=127.0.0.1", "--seconds", "0.2",
                   stdin=subprocess.PIPE)
    out, _ = host.finish()
    expect(out, r"^host: --seconds elapsed, stopping$", "embed_host_loop --seconds")
    expect(out, r"^host: 0 connections, 0 bytes echoed; bye$", "embed_host_loop --seconds")

    # A listening socket the host inherits, as from systemd: torsion adopts it.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        host = Program(binary, "--adopt-fd", str(listener.fileno()), "--seconds", "30",
                       stdin=subprocess.PIPE, pass_fds=(listener.fileno(),))
    if host.port != port:  # our copy is closed; the host serves on the same socket
        host.kill()
        fail(f"the host adopted a socket on port {host.port}, not {port}")
    echo_once(port, b"adopted")
    out, _ = host.finish(signal.SIGINT)
    expect(out, r"^host: SIGINT, stopping$", "embed_host_loop --adopt-fd")
    expect(out, r"^host: 1 connections, 7 bytes echoed; bye$", "embed_host_loop --adopt-fd")
    result = run(binary, "--adopt-fd", "0")  # stdin: not a listening socket
    if result.returncode != 2 or "embed_host_loop: " not in result.stderr:
        fail(f"--adopt-fd 0: status {result.returncode}, stderr {result.stderr!r}")


def case_embed_uv_loop(binary):
    host = Program(binary, "--listen", "tcp:0:interface=127.0.0.1", "--seconds", "30")
    echo_once(host.port, b"hello")
    echo_once(host.port, b"uv")
    out, _ = host.finish(signal.SIGINT)
    expect(out, r"^host: SIGINT, stopping$", "embed_uv_loop")
    expect(out, r"^host: \d+ heartbeats while torsion served; loop closed: yes; bye$",
           "embed_uv_loop")
    # A bounded run: the 100 ms heartbeat falls due before the 0.3 s deadline, and libuv runs
    # due timers in deadline order, so the host's timer ran while torsion was running the loop.
    host = Program(binary, "--listen", "tcp:0:interface=127.0.0.1", "--seconds", "0.3")
    out, _ = host.finish()
    expect(out, r"^host: --seconds elapsed, stopping$", "embed_uv_loop --seconds")
    expect(out, r"^host: [1-9]\d* heartbeats while torsion served; loop closed: yes; bye$",
           "embed_uv_loop --seconds")


def case_bad_options(*binaries):
    for binary in binaries:
        for args in (["--no-such-option"], ["--seconds", "soon"], ["--port", "70000"],
                     ["client", "--count", "0"], ["--listen", "bogus:1"]):
            result = run(binary, *args)
            # Each program rejects what it does not know; what it knows must still be valid.
            if result.returncode != 2:
                fail(f"{binary} {args}: exit status {result.returncode}, expected 2; "
                     f"stderr {result.stderr!r}")
            if not result.stderr.strip():
                fail(f"{binary} {args}: no message on stderr")
        result = run(binary, "--help")
        if result.returncode != 0 or "Usage" not in result.stdout:
            fail(f"{binary} --help: status {result.returncode}, stdout {result.stdout!r}")


CASES = {
    "first_protocol": case_first_protocol,
    "udp_ping": case_udp_ping,
    "udp_ping_timeout": case_udp_ping_timeout,
    "embed_host_loop": case_embed_host_loop,
    "embed_uv_loop": case_embed_uv_loop,
    "bad_options": case_bad_options,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in CASES:
        print(__doc__)
        sys.exit(2)
    CASES[sys.argv[1]](*sys.argv[2:])
    print("ok")
