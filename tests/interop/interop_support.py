"""What the interop drivers share: the framings, the traffic of a run, and the servers they start.

The traffic mirrors tests/interop/framed_stream.cpp (the torsion client's side): many small
messages and one big one, framed, then cut into pieces at awkward places. Every wait here is
bounded, and every process a driver starts is stopped (or killed) by the driver.
"""

import bisect
import ctypes
import importlib.util
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

FRAMINGS = ("line", "netstring", "int8", "int16", "int32")

# ctest reports a test that exits with this status as skipped (SKIP_RETURN_CODE).
SKIP = 77

# Twisted's MAX_LENGTH defaults (twisted.protocols.basic).
LINE_MAX_LENGTH = 16384
STRING_MAX_LENGTH = 99999

SMALL_MAX = 40
OCCASIONAL_MAX = 300
ONE_BYTE_STRETCH = 2000
BIG_CUT = 65537  # odd, so big bodies are never cut on a page boundary

_PREFIX_FORMATS = {"int8": "!B", "int16": "!H", "int32": "!I"}


def require_twisted():
    """Exits with SKIP when Twisted is missing: the test cannot run here, and must not install.

    Under CI (CI=true) a missing Twisted is a failure instead: scripts/setup.sh installs it
    there, so a skip would only hide a broken set-up."""
    if importlib.util.find_spec("twisted") is None:
        print(f"{sys.executable} has no Twisted; scripts/setup.sh installs python3-twisted")
        sys.exit(1 if os.environ.get("CI") == "true" else SKIP)


def default_max_length(framing):
    """Twisted's MAX_LENGTH for the receiver of `framing`."""
    return LINE_MAX_LENGTH if framing == "line" else STRING_MAX_LENGTH


def largest_message(framing, wanted):
    """`wanted`, capped at what the length prefix can express (255 for int8, 65535 for int16)."""
    if framing == "int8":
        return min(wanted, 0xFF)
    if framing == "int16":
        return min(wanted, 0xFFFF)
    return wanted


def frame(framing, message):
    """`message` with its framing: header, body, trailer."""
    return _header(framing, len(message)) + message + _trailer(framing)


def _header(framing, length):
    if framing == "line":
        return b""
    if framing == "netstring":
        return str(length).encode("ascii") + b":"
    return struct.pack(_PREFIX_FORMATS[framing], length)


def _trailer(framing):
    return {"line": b"\r\n", "netstring": b","}.get(framing, b"")


def make_messages(framing, count, big, seed):
    """`count` small messages (0 to 40 bytes, every 97th up to 300; random bytes, no CRLF inside
    a line) and one of `big` bytes (capped by the prefix) in the middle."""
    rng = random.Random(seed)

    def random_message(size):
        data = rng.randbytes(size)
        # A line cannot contain its delimiter; a lone b"\r" or b"\n" is fine and worth sending.
        return data.replace(b"\r\n", b"\rn") if framing == "line" else data

    messages = []
    for i in range(count):
        if i == count // 2:
            messages.append(random_message(largest_message(framing, big)))
        most = largest_message(framing, OCCASIONAL_MAX if i % 97 == 96 else SMALL_MAX)
        messages.append(random_message(rng.randint(0, most)))
    return messages


def frame_awkwardly(framing, messages):
    """The framed messages as one byte string, the pieces to write it in, and for each piece
    how many messages are complete once it is written (`done`).

    One byte at a time for the first ONE_BYTE_STRETCH bytes; then, frame by frame, a cut inside
    every 4th frame's header (between prefix bytes, or between a netstring's digits and ':') and
    inside its trailer (between b"\\r" and b"\\n", before a netstring's ','), a cut mid-body in
    the next frame, and none in the two after, so pieces also carry several frames and end inside
    one. Bodies over 64 KiB are cut every BIG_CUT bytes.

    A writer that waits for the echoes of those `done` messages before writing the next piece
    knows the receiver has read the piece on its own, so the cuts after complete messages are
    seen exactly as made; the other pieces go one per reactor turn and may be coalesced.
    """
    parts = []
    cuts = set(range(1, ONE_BYTE_STRETCH))
    frame_ends = []
    offset = 0
    for i, message in enumerate(messages):
        header, trailer = _header(framing, len(message)), _trailer(framing)
        start, body_start = offset, offset + len(header)
        body_end = body_start + len(message)
        end = body_end + len(trailer)
        middle = body_start + len(message) // 2
        if i % 4 == 0:
            cuts.add(start + len(header) // 2 if len(header) >= 2 else body_start)
            if len(trailer) >= 2:
                cuts.add(body_end + 1)
            else:
                cuts.add(body_end if trailer else middle)
        elif i % 4 == 1:
            cuts.add(middle)
        cuts.update(range(body_start + BIG_CUT, body_end, BIG_CUT))
        parts += (header, message, trailer)
        frame_ends.append(end)
        offset = end
    stream = b"".join(parts)
    ends = sorted(c for c in cuts if 0 < c < len(stream)) + [len(stream)]
    pieces, done, begin = [], [], 0
    for cut in ends:
        pieces.append(stream[begin:cut])
        done.append(bisect.bisect_right(frame_ends, cut))
        begin = cut
    return stream, pieces, done


def die_with_parent():
    """A preexec_fn: the child gets SIGKILL when the driver dies, so that even a driver killed by
    ctest's TIMEOUT (which skips every `finally`) leaves no server behind."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def start_server(argv, timeout=15.0):
    """Starts a server that prints "... listening on HOST:PORT ..." as its first line of output;
    returns (process, port). Raises RuntimeError (after killing it) if no such line comes in
    `timeout` seconds."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            preexec_fn=die_with_parent)
    deadline = time.monotonic() + timeout
    line = b""
    try:
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                raise RuntimeError(f"{argv[0]} printed no listening line in {timeout} s")
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                raise RuntimeError(f"{argv[0]} exited ({proc.wait(timeout)}) before listening")
            line += chunk
        words = line.decode().split()
        address = words[words.index("on") + 1]
        return proc, int(address.rsplit(":", 1)[1])
    except BaseException:
        kill(proc)
        raise


def stop_server(proc, timeout=15.0):
    """Sends SIGTERM and returns the exit status, or None if it had to be killed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        return None


def kill(proc):
    """Kills `proc` if it still runs and reaps it."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
