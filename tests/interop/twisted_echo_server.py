#!/usr/bin/env python3
"""A Twisted echo server for one framing: twisted.protocols.basic's receiver, echoing each
message back with the same framing; the reference framed_echo is compared against.

Usage: twisted_echo_server.py --framing line|netstring|int8|int16|int32 [--max-length N]
It listens on 127.0.0.1 (an ephemeral port unless --port), prints
"twisted_echo_server listening on 127.0.0.1:PORT (FRAMING framing)" and runs until SIGINT or
SIGTERM. Without --max-length each receiver keeps Twisted's MAX_LENGTH.
"""

import argparse
import sys

from interop_support import FRAMINGS, require_twisted


def echo_protocol(framing, max_length):
    """The echo protocol class for `framing`; Twisted's default hooks drop a broken peer."""
    from twisted.protocols import basic

    if framing == "line":

        class Echo(basic.LineReceiver):
            def lineReceived(self, line):
                self.sendLine(line)

    else:
        base = {
            "netstring": basic.NetstringReceiver,
            "int8": basic.Int8StringReceiver,
            "int16": basic.Int16StringReceiver,
            "int32": basic.Int32StringReceiver,
        }[framing]

        class Echo(base):
            def stringReceived(self, string):
                self.sendString(string)

    class NoDelayEcho(Echo):
        def connectionMade(self):
            # As framed_echo does: each echo leaves at once instead of waiting for the ACK of
            # the previous one (Nagle), which would stall a client that waits for its echoes.
            self.transport.setTcpNoDelay(True)

    if max_length is not None:
        NoDelayEcho.MAX_LENGTH = max_length
    return NoDelayEcho


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framing", choices=FRAMINGS, required=True)
    parser.add_argument("--max-length", type=int)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    require_twisted()
    from twisted.internet import protocol, reactor

    factory = protocol.Factory.forProtocol(echo_protocol(args.framing, args.max_length))
    port = reactor.listenTCP(args.port, factory, interface="127.0.0.1")
    host = port.getHost()
    print(f"twisted_echo_server listening on {host.host}:{host.port} ({args.framing} framing)")
    sys.stdout.flush()
    reactor.run()  # Twisted's own SIGINT/SIGTERM handlers stop it


if __name__ == "__main__":
    main()
