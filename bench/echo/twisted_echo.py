"""twisted_echo: Twisted's echo server (docs/core/examples/echoserv.py) on the epoll reactor.

Part of torsion's echo suite (issue #9). The only additions are the epoll reactor, an ephemeral
port on 127.0.0.1, a raised descriptor limit and a "ready <port>" line for the runner.

Usage: /usr/bin/python3 twisted_echo.py [port]   (port 0 or none: any free port)
SIGTERM or SIGINT stops the reactor.
"""
import resource
import sys

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import reactor  # noqa: E402  (after install(), as Twisted requires)
from twisted.internet.protocol import Factory, Protocol  # noqa: E402


class Echo(Protocol):
    """As in echoserv.py: write back every byte received."""

    def dataReceived(self, data):
        self.transport.write(data)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 16384:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (16384, max(hard, 16384)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    factory = Factory()
    factory.protocol = Echo
    port = reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 0, factory,
                             backlog=4096, interface="127.0.0.1")
    print("ready %d" % port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
