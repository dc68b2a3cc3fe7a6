#!/usr/bin/env python3
"""Runs `torsion game` as a user would (ctest: "cli: game-*").

Usage: game_driver.py CASE PATH-TO-torsion

Plain socket clients speak each framing by hand (docs/game.md): JSON then a NUL byte, netstrings,
or a 4-byte big-endian length. It reuses cli_driver.py's bounded helpers (Server, run): every
wait is bounded, the server only listens on 127.0.0.1 and is killed if it outlives its test.
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing cli_driver must leave no __pycache__ in the tree
from cli_driver import TIMEOUT, Server, expect_one_line_error, fail, run


class GameClient:
    """A TCP client that frames JSON messages as `framing` says, with bounded reads."""

    def __init__(self, port, framing):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.framing = framing
        self.buffer = b""

    def frame(self, payload):
        if self.framing == "netstring":
            return str(len(payload)).encode() + b":" + payload + b","
        if self.framing == "int32":
            return struct.pack(">I", len(payload)) + payload
        return payload + b"\0"

    def send(self, message):
        self.send_raw(self.frame(json.dumps(message).encode()))

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            fail(f"connection closed while waiting for a message; got {self.buffer!r}")
        self.buffer += data

    def _take_frame(self):
        """One complete frame's payload from the buffer, or None."""
        if self.framing == "netstring":
            colon = self.buffer.find(b":")
            if colon < 0:
                return None
            length = int(self.buffer[:colon])
            end = colon + 1 + length
            if len(self.buffer) < end + 1:
                return None
            if self.buffer[end:end + 1] != b",":
                fail(f"bad netstring from the server: {self.buffer!r}")
            payload, self.buffer = self.buffer[colon + 1:end], self.buffer[end + 1:]
            return payload
        if self.framing == "int32":
            if len(self.buffer) < 4:
                return None
            length = struct.unpack(">I", self.buffer[:4])[0]
            if len(self.buffer) < 4 + length:
                return None
            payload, self.buffer = self.buffer[4:4 + length], self.buffer[4 + length:]
            return payload
        if b"\0" not in self.buffer:
            return None
        payload, self.buffer = self.buffer.split(b"\0", 1)
        return payload

    def receive(self):
        while True:
            payload = self._take_frame()
            if payload is not None:
                return json.loads(payload)
            self._fill()

    def expect(self, wanted):
        got = self.receive()
        if got != wanted:
            fail(f"expected {wanted!r}, got {got!r}")
        return got

    def expect_error(self, error):
        got = self.receive()
        if got.get("error") != error or "detail" not in got:
            fail(f"expected an {error!r} error object, got {got!r}")
        return got

    def expect_nothing(self):
        """Checks nothing is waiting: a get round trip must be the next thing that arrives."""
        self.send({"code": "get", "key": "__probe__"})
        self.expect({"code": "set", "key": "__probe__", "state": None})


def session(binary, framing):
    server = Server(binary, "game", "--framing", framing, "--max-length", "200")
    try:
        ann = GameClient(server.port, framing)
        ann.expect({"code": "welcome", "index": 1})
        bob = GameClient(server.port, framing)
        bob.expect({"code": "welcome", "index": 2})

        # set goes to everyone; update of an indexed list too; get answers the sender only.
        ann.send({"code": "set", "key": "room1.players", "state": ["ann", "bob"]})
        for client in (ann, bob):
            client.expect({"code": "set", "key": "room1.players", "state": ["ann", "bob"]})
        bob.send({"code": "update", "key": "room1.players", "index": 1, "value": "cy"})
        for client in (ann, bob):
            client.expect({"code": "update", "key": "room1.players", "index": 1, "value": "cy"})
        bob.send({"code": "get", "key": "room1.players"})
        bob.expect({"code": "set", "key": "room1.players", "state": ["ann", "cy"]})
        ann.expect_nothing()

        # An addressed send: only the listed connection gets it.
        ann.send({"code": "set", "key": "hands.1", "state": ["A"], "to": [2]})
        bob.expect({"code": "set", "key": "hands.1", "state": ["A"]})
        ann.expect_nothing()

        # Bad input: an error object for the sender only; the connection and state stay.
        bad = [
            (ann.frame(b'{"code": "set", "key": '), "malformed JSON"),
            (ann.frame(b"[1, 2]"), "not an object"),
            (ann.frame(b'{"code": "jump", "key": "room1"}'), "unknown code"),
            (ann.frame(b'{"code": "set", "key": 7, "state": 1}'), "bad command"),
            (ann.frame(b'{"code": "update", "key": "room1.players", "index": "x", "value": 1}'),
             "bad command"),
            (ann.frame(b'{"code": "set", "key": "room1.players.9.x", "state": 1}'), "bad path"),
            (ann.frame(b'{"code": "set", "key": "x", "state": "' + b"y" * 5000 + b'"}'),
             "message too long"),
        ]
        for data, error in bad:
            ann.send_raw(data)
            ann.expect_error(error)
        bob.expect_nothing()
        ann.send({"code": "get", "key": "room1"})
        ann.expect({"code": "set", "key": "room1", "state": {"players": ["ann", "cy"]}})

        if server.terminate() != 0:
            fail("game did not exit 0 after SIGTERM")
    finally:
        server.kill()


def case_session_nul_json(binary):
    session(binary, "nul-json")


def case_session_netstring(binary):
    session(binary, "netstring")


def case_session_int32(binary):
    session(binary, "int32")


def case_bad_option(binary):
    expect_one_line_error(run(binary, "game", "--framing", "xml"), 2, "xml")
    expect_one_line_error(run(binary, "game", "--snapshot-interval", "soon"), 2, "soon")
    expect_one_line_error(run(binary, "game", "--max-length", "0"), 2, "--max-length")
    expect_one_line_error(run(binary, "game", "--listen", "tcp:notaport"), 2, "notaport")
    help_text = run(binary, "game", "--help").stdout
    for option in ("--framing", "--state-file", "--snapshot-interval", "--listen"):
        if option not in help_text:
            fail(f"game --help does not list {option}")


def case_state_file(binary):
    directory = tempfile.mkdtemp(prefix="torsion-game-")
    try:
        path = os.path.join(directory, "state.json")
        # First run: change the state, stop with SIGTERM: the final snapshot is written.
        server = Server(binary, "game", "--state-file", path, "--snapshot-interval", "3600")
        try:
            client = GameClient(server.port, "nul-json")
            client.expect({"code": "welcome", "index": 1})
            client.send({"code": "set", "key": "room1", "state": {"round": 3}})
            client.expect({"code": "set", "key": "room1", "state": {"round": 3}})
            if server.terminate() != 0:
                fail("game did not exit 0 after SIGTERM")
        finally:
            server.kill()
        with open(path) as saved:
            if json.load(saved) != {"room1": {"round": 3}}:
                fail("the state file does not hold the state")
        if os.path.exists(path + ".tmp"):
            fail("the temporary snapshot was left behind")

        # Second run: the state is restored.
        server = Server(binary, "game", "--state-file", path)
        try:
            client = GameClient(server.port, "nul-json")
            client.expect({"code": "welcome", "index": 1})
            client.send({"code": "get", "key": "room1.round"})
            client.expect({"code": "set", "key": "room1.round", "state": 3})
            if server.terminate() != 0:
                fail("game did not exit 0 after SIGTERM")
        finally:
            server.kill()

        # A corrupt snapshot: a clear error, nothing started, and the file left alone.
        with open(path, "w") as corrupt:
            corrupt.write('{"room1": ')
        result = subprocess.run(
            [binary, "game", "--state-file", path, "--listen", "tcp:0:interface=127.0.0.1"],
            capture_output=True, text=True, timeout=TIMEOUT)
        if result.returncode != 1:
            fail(f"exit status {result.returncode} on a corrupt state file, expected 1; "
                 f"stderr: {result.stderr!r}")
        if path not in result.stderr or "not valid JSON" not in result.stderr:
            fail(f"the error does not name the file and the problem: {result.stderr!r}")
        if "listening on" in result.stderr:
            fail("the server listened despite the corrupt state file")
        with open(path) as kept:
            if kept.read() != '{"room1": ':
                fail("the corrupt state file was overwritten")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


CASES = {
    "game-session-nul-json": case_session_nul_json,
    "game-session-netstring": case_session_netstring,
    "game-session-int32": case_session_int32,
    "game-bad-option": case_bad_option,
    "game-state-file": case_state_file,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        fail("usage: game_driver.py {" + ",".join(CASES) + "} PATH-TO-torsion")
    CASES[sys.argv[1]](sys.argv[2])
    print("ok: " + sys.argv[1])
