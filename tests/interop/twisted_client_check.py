#!/usr/bin/env python3
"""A Twisted client against torsion's framed_echo: every echo must come back, in order.

It starts framed_echo on an ephemeral port of 127.0.0.1, connects with twisted.protocols.basic's
receiver for the framing, writes 10,000 small framed messages and one big one (1 MiB where the
prefix allows; the server gets a --max-length that fits it) cut at awkward places with
TCP_NODELAY on, and checks each echo. A piece that completes a message is followed by a wait for
its echo, so framed_echo reads it alone; the others go one per reactor turn. Then it stops
framed_echo with SIGTERM, which must exit 0.

Usage: twisted_client_check.py --framed-echo PATH --framing FRAMING [--count N] [--big N]
Exit status: 0 on success, 1 on failure (the reason printed), 77 if Twisted is missing.
"""

import argparse
import sys
import time

import interop_support as support


class Run:
    """One client run's state: what to send, what came back, and the first failure."""

    def __init__(self, reactor, messages, pieces, done):
        self.reactor = reactor
        self.messages = messages
        self.pieces = pieces
        self.done = done
        self.waiting = False
        self.next_piece = 0
        self.next_echo = 0
        self.failure = None
        self.transport = None
        self._stopping = False

    def connected(self, transport):
        self.transport = transport
        # Without Nagle, each piece leaves as its own segment instead of being coalesced.
        transport.setTcpNoDelay(True)
        self.write_next()

    def write_next(self):
        if self.transport is None or self.failure is not None:
            return
        self.transport.write(self.pieces[self.next_piece])
        self.next_piece += 1
        if self.next_piece == len(self.pieces):
            return
        if self.next_echo < self.done[self.next_piece - 1]:
            # This piece completed a message: once its echo is back, the server has read the
            # piece on its own, cut exactly here. received() resumes writing.
            self.waiting = True
        else:
            # callLater(0) runs on the next reactor iteration, after Twisted has written this
            # piece out: one piece per turn.
            self.reactor.callLater(0, self.write_next)

    def received(self, message):
        if self.failure is not None:
            return
        if self.next_echo == len(self.messages):
            self.fail(f"an extra echo of {len(message)} bytes after all {self.next_echo}")
            return
        expected = self.messages[self.next_echo]
        if message != expected:
            self.fail(
                f"echo {self.next_echo} differs: {len(message)} bytes, expected {len(expected)}"
                f" (first bytes {message[:16]!r} vs {expected[:16]!r})"
            )
            return
        self.next_echo += 1
        if self.next_echo == len(self.messages):
            self.transport.loseConnection()
        elif self.waiting and self.next_echo == self.done[self.next_piece - 1]:
            self.waiting = False
            self.reactor.callLater(0, self.write_next)

    def lost(self, reason):
        self.transport = None
        if self.failure is None and self.next_echo < len(self.messages):
            self.fail(
                f"connection lost after {self.next_echo} of {len(self.messages)} echoes: "
                f"{reason.getErrorMessage()}"
            )
        self.stop()

    def fail(self, why):
        if self.failure is None:
            self.failure = why
        if self.transport is not None:
            self.transport.abortConnection()
        self.stop()

    def stop(self):
        if not self._stopping:
            self._stopping = True
            self.reactor.stop()


def client_protocol(framing, max_length, run):
    """twisted.protocols.basic's receiver for `framing`, reporting to `run`."""
    from twisted.protocols import basic

    if framing == "line":

        class Client(basic.LineReceiver):
            def lineReceived(self, line):
                run.received(line)

            def lineLengthExceeded(self, line):
                run.fail(f"an echoed line of {len(line)}+ bytes exceeds {self.MAX_LENGTH}")

    else:
        base = {
            "netstring": basic.NetstringReceiver,
            "int8": basic.Int8StringReceiver,
            "int16": basic.Int16StringReceiver,
            "int32": basic.Int32StringReceiver,
        }[framing]

        class Client(base):
            def stringReceived(self, string):
                run.received(string)

    class Checking(Client):
        MAX_LENGTH = max_length

        def connectionMade(self):
            run.connected(self.transport)

        def connectionLost(self, reason):
            run.lost(reason)

    return Checking


def exchange(port, args, messages, pieces, done, max_length):
    """Runs the Twisted client to completion or timeout; returns the Run."""
    from twisted.internet import protocol, reactor

    run = Run(reactor, messages, pieces, done)

    class Factory(protocol.ClientFactory):
        protocol = client_protocol(args.framing, max_length, run)

        def clientConnectionFailed(self, connector, reason):
            run.fail(f"cannot connect: {reason.getErrorMessage()}")

    reactor.connectTCP("127.0.0.1", port, Factory(), timeout=10)
    reactor.callLater(
        args.timeout,
        lambda: run.fail(
            f"timed out with {run.next_echo} of {len(messages)} echoes and "
            f"{run.next_piece} of {len(pieces)} pieces written"
        ),
    )
    # The driver's signals are not the test's business; ctest's timeout kills it if need be.
    reactor.run(installSignalHandlers=False)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framed-echo", required=True)
    parser.add_argument("--framing", choices=support.FRAMINGS, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--big", type=int, default=1 << 20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    support.require_twisted()

    started = time.monotonic()
    messages = support.make_messages(args.framing, args.count, args.big, args.seed)
    stream, pieces, done = support.frame_awkwardly(args.framing, messages)
    big = support.largest_message(args.framing, args.big)
    server = [args.framed_echo, "--listen", "tcp:0:interface=127.0.0.1", "--framing", args.framing]
    max_length = support.default_max_length(args.framing)
    if big > max_length:
        max_length = big
        server += ["--max-length", str(big)]

    proc, port = support.start_server(server)
    try:
        run = exchange(port, args, messages, pieces, done, max_length)
        status = support.stop_server(proc)
    finally:
        support.kill(proc)
    if run.failure is None and status != 0:
        run.failure = f"framed_echo exited with {status} after SIGTERM, expected 0"
    elapsed = time.monotonic() - started
    if run.failure is not None:
        print(f"FAIL {args.framing}: {run.failure}")
        return 1
    print(
        f"ok {args.framing}: {run.next_echo} echoes matched ({len(stream)} bytes in"
        f" {len(pieces)} pieces, biggest message {big} bytes) in {elapsed:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
