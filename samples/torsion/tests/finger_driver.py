#!/usr/bin/env python3
"""Runs `torsion finger` as a user would (ctest: "cli: finger-session", "cli: finger-bad-users").

Usage: finger_driver.py CASE PATH-TO-torsion

It reuses cli_driver.py's bounded helpers (Server, Client, run): every wait is bounded, the
server only listens on 127.0.0.1 and is killed if it outlives its test.
"""

import os
import sys
import tempfile

sys.dont_write_bytecode = True  # importing cli_driver must leave no __pycache__ in the tree
from cli_driver import Client, Server, expect_one_line_error, fail, run

USERS = """# users for the finger driver
alice: Happy and well
bob:   Out to lunch
"""


def users_file(text):
    """Writes `text` to a temporary users file and returns its path (the caller removes it)."""
    handle, path = tempfile.mkstemp(prefix="finger-users-", suffix=".txt")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    return path


def ask(port, query):
    """Sends one finger query and returns everything the server wrote before it closed."""
    client = Client(port)
    client.send(query)
    return client.closed()


def case_finger_session(binary):
    path = users_file(USERS)
    server = Server(binary, "finger", "--users", path)
    try:
        checks = [
            ("alice\r\n", "Happy and well\r\n"),
            ("bob\n", "Out to lunch\r\n"),  # LF alone, as nc sends
            ("mallory\r\n", "No such user\r\n"),
            ("\r\n", "alice\r\nbob\r\n"),  # the list of users
            ("/W alice\r\n", "Happy and well\r\n"),
            ("alice@example.org\r\n", "Finger forwarding service denied\r\n"),
        ]
        for query, expected in checks:
            got = ask(server.port, query)
            if got != expected:
                fail(f"query {query!r}: expected {expected!r}, got {got!r}")
        status = server.terminate()
        if status != 0:
            fail(f"exit status {status} after SIGTERM, expected 0")
    finally:
        server.kill()
        os.unlink(path)


def case_finger_bad_users(binary):
    listen = ["--listen", "tcp:0:interface=127.0.0.1"]
    expect_one_line_error(run(binary, "finger", *listen), 2, "--users")
    missing = os.path.join(tempfile.gettempdir(), "finger-driver-no-such-file.txt")
    expect_one_line_error(run(binary, "finger", "--users", missing, *listen), 2, missing)
    path = users_file("alice: fine\n\nthis line has no colon\n")
    try:
        expect_one_line_error(run(binary, "finger", "--users", path, *listen), 2, f"{path}:3:")
    finally:
        os.unlink(path)
    path = users_file("alice: one\nalice: two\n")
    try:
        expect_one_line_error(run(binary, "finger", "--users", path, *listen), 2,
                              "already listed on line 1")
    finally:
        os.unlink(path)
    help_text = run(binary, "finger", "--help")
    if help_text.returncode != 0 or "--users" not in help_text.stdout:
        fail(f"finger --help: status {help_text.returncode}, stdout {help_text.stdout!r}")


CASES = {
    "finger-session": case_finger_session,
    "finger-bad-users": case_finger_bad_users,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        fail("usage: finger_driver.py {" + ",".join(CASES) + "} PATH-TO-torsion")
    CASES[sys.argv[1]](sys.argv[2])
    print("ok: " + sys.argv[1])
