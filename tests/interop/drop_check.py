#!/usr/bin/env python3
"""framed_echo drops a peer that breaks the framing exactly where Twisted does.

Each bad stream is two good messages (the second exactly MAX_LENGTH bytes, the longest accepted)
followed by one violation: an over-long line, a malformed netstring, a length prefix over
MAX_LENGTH. The stream is sent in one write, with nothing after the violation, to a Twisted echo
server (twisted_echo_server.py) and to torsion's framed_echo, both with the same limit, and both
must echo exactly the two good messages and then close the connection.

The limits are Twisted's defaults (line 16384, netstring and int32 99999) except for int8 and
int16, whose prefixes cannot exceed 99999: they run with --max-length 100 and 1000.

Usage: drop_check.py --framed-echo PATH --framing FRAMING
Exit status: 0 on success, 1 on failure, 77 if Twisted is missing.
"""

import argparse
import os
import socket
import struct
import sys
import time

import interop_support as support

# The limit each framing is tested at; None keeps Twisted's default (and framed_echo's).
_LIMITS = {"line": None, "netstring": None, "int8": 100, "int16": 1000, "int32": None}


def bad_streams(framing, limit):
    """[(name, good messages, violation)] for `framing` at MAX_LENGTH `limit`."""
    if framing == "line":
        return [
            ("a complete line of MAX_LENGTH + 1 bytes", b"x" * (limit + 1) + b"\r\n"),
            # Twisted's rule for a tail without delimiter: too long at MAX_LENGTH + len(b"\r\n").
            ("an unterminated tail of MAX_LENGTH + 2 bytes", b"x" * (limit + 2)),
        ]
    if framing == "netstring":
        return [
            ("a missing comma", b"3:abcX"),
            ("a non-digit in the length", b"1x"),
            ("a leading zero in the length", b"01"),
            ("a length over MAX_LENGTH", str(limit + 1).encode()),
            ("no length before ':'", b":"),
        ]
    fmt = {"int8": "!B", "int16": "!H", "int32": "!I"}[framing]
    streams = [("a prefix of MAX_LENGTH + 1", struct.pack(fmt, limit + 1))]
    if framing != "int8":
        streams.append(("the largest prefix", b"\xff" * struct.calcsize(fmt)))
    return streams


def talk(port, data, timeout):
    """Sends `data` in one write and reads until the server closes; returns (echo, how it closed),
    where how is "closed", "reset" or "still open" (nothing for `timeout` seconds)."""
    echo = bytearray()
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(data)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(echo), "still open"
            sock.settimeout(left)
            try:
                chunk = sock.recv(1 << 16)
            except socket.timeout:
                return bytes(echo), "still open"
            except ConnectionResetError:
                # The server closed with bytes of ours unread; what it echoed first was received.
                return bytes(echo), "reset"
            if not chunk:
                return bytes(echo), "closed"
            echo += chunk


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framed-echo", required=True)
    parser.add_argument("--framing", choices=support.FRAMINGS, required=True)
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    support.require_twisted()

    started = time.monotonic()
    limit_option = _LIMITS[args.framing]
    limit = limit_option or support.default_max_length(args.framing)
    extra = [] if limit_option is None else ["--max-length", str(limit_option)]
    here = os.path.dirname(os.path.abspath(__file__))
    servers = {
        "Twisted": [sys.executable, os.path.join(here, "twisted_echo_server.py"),
                    "--framing", args.framing] + extra,
        "framed_echo": [args.framed_echo, "--listen", "tcp:0:interface=127.0.0.1",
                        "--framing", args.framing] + extra,
    }
    good = [b"alpha", b"L" * limit]
    expected = b"".join(support.frame(args.framing, m) for m in good)

    failures = []
    procs = {}
    try:
        ports = {}
        for name, argv in servers.items():
            procs[name], ports[name] = support.start_server(argv)
        for case, violation in bad_streams(args.framing, limit):
            stream = expected + violation
            results = {name: talk(port, stream, args.timeout) for name, port in ports.items()}
            twisted_echo, twisted_close = results["Twisted"]
            torsion_echo, torsion_close = results["framed_echo"]
            summary = (f"{case}: Twisted echoed {len(twisted_echo)} bytes and {twisted_close}, "
                       f"framed_echo echoed {len(torsion_echo)} bytes and {torsion_close}")
            ok = (twisted_echo == expected and torsion_echo == twisted_echo
                  and twisted_close != "still open" and torsion_close != "still open")
            print(("ok   " if ok else "FAIL ") + summary)
            if not ok:
                failures.append(case)
        for name, proc in procs.items():
            status = support.stop_server(proc)
            if status != 0:
                failures.append(f"{name} exited {status} after SIGTERM, expected 0")
    finally:
        for proc in procs.values():
            support.kill(proc)
    elapsed = time.monotonic() - started
    if failures:
        print(f"FAIL {args.framing}: {'; '.join(failures)}")
        return 1
    print(f"ok {args.framing}: {len(bad_streams(args.framing, limit))} bad streams handled alike"
          f" in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
