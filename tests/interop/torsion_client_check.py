#!/usr/bin/env python3
"""A torsion client against a Twisted echo server: every echo must come back, in order.

It starts twisted_echo_server.py (twisted.protocols.basic's receiver for the framing) on an
ephemeral port of 127.0.0.1, with a MAX_LENGTH that fits the big message, and runs interop_client
(tests/interop/interop_client.cpp) against it: 10,000 small framed messages and one big one, cut
at awkward places, one piece per reactor turn, each echo checked by torsion's receiver. Then it
stops the Twisted server with SIGTERM.

Usage: torsion_client_check.py --client PATH --framing FRAMING [--count N] [--big N]
Exit status: 0 on success, 1 on failure, 77 if Twisted is missing.
"""

import argparse
import os
import subprocess
import sys
import time

import interop_support as support


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", required=True)
    parser.add_argument("--framing", choices=support.FRAMINGS, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--big", type=int, default=1 << 20)
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    support.require_twisted()

    started = time.monotonic()
    big = support.largest_message(args.framing, args.big)
    max_length = max(big, support.default_max_length(args.framing))
    here = os.path.dirname(os.path.abspath(__file__))
    server = [sys.executable, os.path.join(here, "twisted_echo_server.py"),
              "--framing", args.framing, "--max-length", str(max_length)]
    client = [args.client, "--connect", None, "--framing", args.framing,
              "--count", str(args.count), "--big", str(args.big),
              "--max-length", str(max_length), "--timeout", str(args.timeout)]

    proc, port = support.start_server(server)
    try:
        client[2] = f"tcp:host=127.0.0.1:port={port}"
        try:
            # interop_client times itself out first; this bound only catches a hung process.
            result = subprocess.run(client, timeout=args.timeout + 30, stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, check=False,
                                    preexec_fn=support.die_with_parent)
            failure = None if result.returncode == 0 else (
                f"interop_client exited {result.returncode}: {result.stderr.strip()}")
            output = result.stdout.strip()
        except subprocess.TimeoutExpired:
            failure, output = "interop_client did not finish in time (killed)", ""
        status = support.stop_server(proc)
        if failure is None and status != 0:
            failure = f"twisted_echo_server exited {status} after SIGTERM, expected 0"
    finally:
        support.kill(proc)
    elapsed = time.monotonic() - started
    if failure is not None:
        print(f"FAIL {args.framing}: {failure}")
        return 1
    print(f"ok {args.framing}: {output} in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
