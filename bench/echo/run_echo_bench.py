#!/usr/bin/env python3
"""run_echo_bench: the echo suite of issue #9 in one command; prints a Markdown report.

Servers: the hand-written epoll server in C (the floor), idiomatic libuv, idiomatic Boost.Asio
(when built), Twisted's echo server on its epoll reactor, and torsion on each backend (epoll,
poll, uv). Each run starts one server, waits for its "ready <port>" line, drives it with
echo_load, reads its peak RSS (VmHWM) and stops it with SIGTERM. echo_load reads the server's
user and system CPU time from /proc/<pid>/stat at both ends of its measured window, so start-up,
connection set-up and warm-up are excluded.

Passes:
  1. rounds (default 3), interleaved: each round runs every server on every workload, the server
     order rotating between rounds; figures are medians over rounds, ratios are medians of the
     per-round ratios against the hand-written epoll server of the same round;
  2. idle connections: 10,000 idle connections to torsion (epoll), the C epoll server and libuv,
     RSS before and after, once per round;
  3. system calls per message, in a separate pass: `perf stat` counting the syscall tracepoints
     of the server (or, where perf cannot, `strace -c -f`) for a short ping-pong window only
     (echo_load --sync tells the runner when the window opens and closes), so the counts hold
     exactly the window's messages. perf is preferred: strace stops the server at every call,
     which slows it enough that the next message is often already there when it reads again,
     hiding the EAGAIN reads and epoll_waits of read-until-EAGAIN servers;
  4. user-space instructions per message, in another separate pass: each server runs under
     valgrind's callgrind with instrumentation off, and the runner switches it on
     (`callgrind_control -i on`) for one ping-pong window opened and closed with --sync as in
     pass 3. Instruction counts do not depend on the machine's load or the kernel, so this is
     the figure the "user CPU at most 1/20 of Twisted's" target is judged by (/proc's user time
     is tick-sampled and, on VMs, catches part of each system call).

Usage: bench/echo/run_echo_bench.py [--build-dir build] [--quick] [--rounds N] [--output FILE]
Standard library only; Twisted runs under --python (default /usr/bin/python3, Debian's).
"""
import argparse
import datetime
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOOR = "epoll (C)"
HOSTED = "torsion epoll (host loop)"  # torsion_echo --host-loop: driven through iterate(0s)

# name, workload arguments for echo_load, counted unit
WORKLOADS = [
    ("ping-pong, 1 connection", ["--mode", "pingpong", "--connections", "1"]),
    ("ping-pong, 100 connections", ["--mode", "pingpong", "--connections", "100"]),
    ("ping-pong, 1000 connections", ["--mode", "pingpong", "--connections", "1000"]),
    ("streaming 16 KiB writes, 10 connections", ["--mode", "stream", "--connections", "10"]),
]
IDLE_SERVERS = ["torsion epoll", FLOOR, "libuv"]

SYSCALL_GROUPS = {
    "read": {"read", "recvfrom", "recvmsg", "readv", "recv"},
    "write": {"write", "sendto", "sendmsg", "writev", "send"},
    "epoll_ctl": {"epoll_ctl"},
    "epoll_wait": {"epoll_wait", "epoll_pwait", "epoll_pwait2"},
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def servers(build_dir, python):
    """The servers in the suite: name -> argv (each prints "ready <port>")."""
    echo = os.path.join(build_dir, "bench", "echo")
    found = {
        FLOOR: [os.path.join(echo, "epoll_echo"), "0"],
        "libuv": [os.path.join(echo, "uv_echo"), "0"],
        "asio": [os.path.join(echo, "asio_echo"), "0"],
        "twisted": [python, os.path.join(REPO, "bench", "echo", "twisted_echo.py"), "0"],
        "torsion epoll": [os.path.join(echo, "torsion_echo"), "--reactor", "epoll"],
        "torsion poll": [os.path.join(echo, "torsion_echo"), "--reactor", "poll"],
        "torsion uv": [os.path.join(echo, "torsion_echo"), "--reactor", "uv"],
        HOSTED: [os.path.join(echo, "torsion_echo"), "--reactor", "epoll", "--host-loop"],
    }
    result = {}
    for name, argv in found.items():
        if os.access(argv[0], os.X_OK):
            result[name] = argv
        else:
            log(f"skipping {name}: {argv[0]} not found (build it, or pass --build-dir)")
    return result


class Server:
    """One server process: started, asked for its port, measured, stopped."""

    def __init__(self, argv, timeout=20.0, wrapper=()):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(list(wrapper) + argv, stdout=subprocess.PIPE,
                                     stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                self.stop()
                raise RuntimeError(f"{argv[0]} did not print ready within {timeout} s")
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                self.stop()
                raise RuntimeError(f"{argv[0]} exited before ready: {self.errors()}")
            line += chunk
        match = re.match(rb"ready (\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"{argv[0]} printed {line!r}, not 'ready <port>'")
        self.port = int(match.group(1))

    def status_kib(self, key):
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace").strip()[-2000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def run_load(load, server, args, timeout):
    argv = [load, "--port", str(server.port), "--server-pid", str(server.pid),
            "--timeout", str(timeout)] + args
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=timeout + 15)
    if proc.returncode != 0:
        raise RuntimeError(f"echo_load exit {proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def measure(name, argv, load, args, timeout):
    """One measured run: returns echo_load's result plus the server's peak RSS."""
    server = Server(argv)
    try:
        result = run_load(load, server, args, timeout)
        result["peak_rss_kib"] = server.status_kib("VmHWM")
    finally:
        server.stop()
    if server.proc.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
        log(f"note: {name} exited with {server.proc.returncode}: {server.errors()}")
    return result


def read_until(stream, wanted, deadline):
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([stream], [], [], max(left, 0))
        if not ready:
            raise RuntimeError(f"timed out waiting for {wanted!r}")
        line = stream.readline()
        if not line:
            raise RuntimeError(f"stream closed while waiting for {wanted!r}")
        if wanted in line:
            return line


def parse_strace(path):
    calls = {}
    with open(path) as summary:
        for line in summary:
            fields = line.split()
            # "% time seconds usecs/call calls [errors] syscall"
            if len(fields) >= 5 and re.match(r"^[\d.]+$", fields[0]) and fields[-1] != "total":
                calls[fields[-1]] = calls.get(fields[-1], 0) + int(fields[3])
    return calls


TRACEFS = next((p for p in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")
                if os.path.isdir(os.path.join(p, "events", "syscalls"))), None)


def perf_usable():
    """Whether `perf stat` can count syscall tracepoints here (root or a low paranoia level)."""
    if shutil.which("perf") is None or TRACEFS is None:
        return False
    proc = subprocess.run(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "true"],
                          capture_output=True, text=True)
    return proc.returncode == 0 and re.search(r"^\d+,", proc.stderr, re.M) is not None


def tracer_command(tool, pid, path):
    if tool == "strace":
        return ["strace", "-c", "-f", "-o", path, "-p", str(pid)]
    names = sorted(set().union(*SYSCALL_GROUPS.values()) | {"brk", "mmap", "munmap", "poll",
                                                            "ppoll"})
    events = ["raw_syscalls:sys_enter"] + [
        f"syscalls:sys_enter_{n}" for n in names
        if os.path.isdir(os.path.join(TRACEFS, "events", "syscalls", f"sys_enter_{n}"))]
    return ["perf", "stat", "-x,", "-o", path, "-e", ",".join(events), "-p", str(pid)]


def parse_perf(path):
    calls = {}
    total = 0
    with open(path) as summary:
        for line in summary:
            fields = line.strip().split(",")
            if len(fields) < 3 or not fields[0].isdigit():
                continue
            if fields[2] == "raw_syscalls:sys_enter":
                total = int(fields[0])
            elif fields[2].startswith("syscalls:sys_enter_"):
                calls[fields[2][len("syscalls:sys_enter_"):]] = int(fields[0])
    calls["(not listed)"] = total - sum(calls.values())
    return calls


def count_syscalls(tool, argv, load, args, timeout):
    """Syscalls per message in one traced ping-pong window (see the module docstring)."""
    server = Server(argv)
    out = tempfile.NamedTemporaryFile(suffix="." + tool, delete=False)
    out.close()
    tracer = None
    gen = subprocess.Popen([load, "--port", str(server.port), "--timeout", str(timeout),
                            "--sync"] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        read_until(gen.stdout, "quiesced", deadline)
        tracer = subprocess.Popen(tracer_command(tool, server.pid, out.name),
                                  stderr=subprocess.PIPE, text=True)
        if tool == "strace":
            read_until(tracer.stderr, "attached", deadline)
        # The server sleeps in epoll_wait until the window opens; give the tracer time to attach
        # to every thread (perf says nothing when it has).
        time.sleep(0.5)
        gen.stdin.write("go\n")
        gen.stdin.flush()
        read_until(gen.stdout, "drained", deadline)
        tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=20)
        gen.stdin.write("go\n")
        gen.stdin.flush()
        result = json.loads(gen.stdout.read().strip().splitlines()[-1])
        gen.wait(timeout=20)
        calls = parse_strace(out.name) if tool == "strace" else parse_perf(out.name)
    finally:
        if tracer is not None and tracer.poll() is None:
            tracer.kill()
            tracer.wait()
        if gen.poll() is None:
            gen.kill()
            gen.wait()
        server.stop()
        os.unlink(out.name)
    messages = max(result["verified"], 1)
    per = {group: sum(calls.get(c, 0) for c in names) / messages
           for group, names in SYSCALL_GROUPS.items()}
    grouped = set().union(*SYSCALL_GROUPS.values())
    per["other"] = sum(n for c, n in calls.items() if c not in grouped) / messages
    others = sorted(((n, c) for c, n in calls.items() if c not in grouped), reverse=True)
    per["other_names"] = ", ".join(f"{c} {n / messages:.2f}" for n, c in others[:3]
                                   if n / messages >= 0.005)
    per["messages"] = result["verified"]
    return per


def callgrind_usable():
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def callgrind_control(pid, *command):
    proc = subprocess.run(["callgrind_control", *command, str(pid)], capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"callgrind_control {' '.join(command)}: {proc.stdout} {proc.stderr}")


def parse_callgrind(path):
    """The instructions (Ir) in one callgrind dump: its 'summary:' or 'totals:' line."""
    with open(path) as out:
        for line in out:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no instruction total in {path}")


def count_instructions(argv, load, args, timeout):
    """User-space instructions per message in one ping-pong window under callgrind."""
    out = tempfile.NamedTemporaryFile(suffix=".callgrind", delete=False)
    out.close()
    wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               f"--callgrind-out-file={out.name}", "--"]
    # Start-up under valgrind is slow (Python's most of all): allow it more time.
    server = Server(argv, timeout=120.0, wrapper=wrapper)
    gen = subprocess.Popen([load, "--port", str(server.port), "--timeout", str(timeout),
                            "--sync"] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        read_until(gen.stdout, "quiesced", deadline)
        callgrind_control(server.pid, "-i", "on")
        gen.stdin.write("go\n")
        gen.stdin.flush()
        read_until(gen.stdout, "drained", deadline)
        # Dump now, into <out>.1: the counts since instrumentation went on, i.e. the window.
        # (Switching instrumentation off again would subtract them from the final totals.)
        callgrind_control(server.pid, "-d")
        gen.stdin.write("go\n")
        gen.stdin.flush()
        result = json.loads(gen.stdout.read().strip().splitlines()[-1])
        gen.wait(timeout=20)
        instructions = parse_callgrind(out.name + ".1")
    finally:
        if gen.poll() is None:
            gen.kill()
            gen.wait()
        server.stop()
        for path in (out.name, out.name + ".1"):
            if os.path.exists(path):
                os.unlink(path)
    return {"instructions_per_msg": instructions / max(result["verified"], 1),
            "messages": result["verified"]}


def instruction_table(counts):
    """Instructions per message per server and workload, with ratios to the floor and Twisted."""
    lines = ["### User-space instructions per message (callgrind)", "",
             "| workload | server | instructions/msg | × C | × Twisted |", "|---|---|---|---|---|"]
    for title, per in counts.items():
        floor = (per.get(FLOOR) or {}).get("instructions_per_msg")
        twisted = (per.get("twisted") or {}).get("instructions_per_msg")
        for name, c in per.items():
            if not c:
                lines.append(f"| {title} | {name} | failed | | |")
                continue
            i = c["instructions_per_msg"]
            lines.append(f"| {title} | {name} | {fmt(i, 0)} | "
                         f"{fmt(i / floor, 2) if floor else '-'} | "
                         f"{fmt(i / twisted, 3) if twisted else '-'} |")
    lines.append("")
    return lines


def tracer_note(tool):
    return {"perf": "`perf stat` on the syscalls:sys_enter_* tracepoints",
            "strace": "`strace -c -f`, which slows the server and can hide EAGAIN reads",
            "none": "not measured"}[tool]


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release,
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "commit": commit, "loadavg": load}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratios(runs, name, key):
    """Median over rounds of (server's figure / the floor's figure in the same round)."""
    per_round = []
    for own, floor in zip(runs.get(name, []), runs.get(FLOOR, [])):
        if own is None or floor is None:
            continue
        a, b = key(own), key(floor)
        if a is not None and b:
            per_round.append(a / b)
    return med(per_round)


def cpu_per(run, unit):
    if run["verified"] == 0:
        return None
    return (run["server_user_s"] + run["server_sys_s"]) * 1e6 / unit(run)


def workload_table(title, runs, syscalls, streaming):
    lines = [f"### {title}", ""]
    if streaming:
        unit = lambda r: r["bytes"] / 2**20  # noqa: E731  (per MiB)
        lines.append("| server | MB/s | × C | chunk RTT p50 ms | p99 ms | user µs/MiB | "
                     "sys µs/MiB | CPU × C | server sleeps/MiB | peak RSS MiB | "
                     "client CPU % |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    else:
        unit = lambda r: r["verified"]  # noqa: E731
        lines.append("| server | msgs/s | × C | p50 µs | p99 µs | p99 × C | user µs/msg | "
                     "sys µs/msg | CPU × C | read | write | epoll_ctl | epoll_wait | other | "
                     "peak RSS MiB | client CPU % |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, rounds in runs.items():
        ok = [r for r in rounds if r is not None]
        if not ok:
            lines.append(f"| {name} | failed |" + " |" * (10 if streaming else 15))
            continue
        rate_key = (lambda r: r["mb_per_s"]) if streaming else (lambda r: r["msgs_per_s"])
        rate = med([rate_key(r) for r in ok])
        p50 = med([r["p50_us"] for r in ok])
        p99 = med([r["p99_us"] for r in ok])
        user = med([r["server_user_s"] * 1e6 / unit(r) for r in ok if unit(r)])
        sys_ = med([r["server_sys_s"] * 1e6 / unit(r) for r in ok if unit(r)])
        cpu_ratio = ratios(runs, name, lambda r: cpu_per(r, unit))
        rate_ratio = ratios(runs, name, rate_key)
        rss = med([r["peak_rss_kib"] / 1024 for r in ok if r.get("peak_rss_kib")])
        client = med([100 * r["client_cpu_s"] / r["seconds"] for r in ok if r["seconds"]])
        if streaming:
            sleeps = med([r["server_sleeps"] / unit(r) for r in ok
                          if r.get("server_sleeps", -1) >= 0 and unit(r)])
            lines.append(f"| {name} | {fmt(rate)} | {fmt(rate_ratio, 2)} | {fmt(p50 / 1e3, 2)} | "
                         f"{fmt(p99 / 1e3, 2)} | {fmt(user)} | {fmt(sys_)} | "
                         f"{fmt(cpu_ratio, 2)} | {fmt(sleeps)} | {fmt(rss)} | "
                         f"{fmt(client, 0)} |")
        else:
            p99_ratio = ratios(runs, name, lambda r: r["p99_us"])
            sc = syscalls.get(name) or {}
            cells = " | ".join(fmt(sc.get(g), 2) for g in
                               ("read", "write", "epoll_ctl", "epoll_wait", "other"))
            lines.append(f"| {name} | {fmt(rate)} | {fmt(rate_ratio, 2)} | {fmt(p50)} | "
                         f"{fmt(p99)} | {fmt(p99_ratio, 2)} | {fmt(user, 2)} | {fmt(sys_, 2)} | "
                         f"{fmt(cpu_ratio, 2)} | {cells} | {fmt(rss)} | {fmt(client, 0)} |")
    others = {n: s["other_names"] for n, s in syscalls.items() if s and s.get("other_names")}
    if others:
        lines.append("")
        lines.append("Other system calls per message: " +
                     "; ".join(f"{n}: {o}" for n, o in others.items()) + ".")
    lines.append("")
    return lines


def idle_table(idle, connections):
    lines = [f"### Idle connections ({connections:,} open, one echo each, then idle)", "",
             "| server | RSS before MiB | RSS after MiB | KiB per connection | × C |",
             "|---|---|---|---|---|"]
    floor = med([r["kib_per_connection"] for r in idle.get(FLOOR, []) if r])
    for name, rounds in idle.items():
        ok = [r for r in rounds if r is not None]
        if not ok:
            lines.append(f"| {name} | failed | | | |")
            continue
        per = med([r["kib_per_connection"] for r in ok])
        lines.append(f"| {name} | {fmt(med([r['rss_before_kib'] / 1024 for r in ok]))} | "
                     f"{fmt(med([r['rss_after_kib'] / 1024 for r in ok]))} | {fmt(per, 2)} | "
                     f"{fmt(per / floor, 2) if floor else '-'} |")
    lines.append("")
    return lines


def target_lines(results, syscalls, idle, instructions):
    """The issue's targets for torsion's epoll backend, each with its figure from this run."""
    t = "torsion epoll"
    lines = ["### Targets (issue #9), torsion epoll backend", "",
             "| target | figure | met |", "|---|---|---|"]

    def add(target, value, ok):
        lines.append(f"| {target} | {value} | {'-' if ok is None else ('yes' if ok else 'no')} |")

    for title, _ in WORKLOADS[:3]:
        runs = results[title]
        if t not in runs:
            continue
        unit = lambda r: r["verified"]  # noqa: E731
        sc = syscalls.get(title, {}).get(t)
        if sc:
            ok = abs(sc["read"] - 1) < 0.05 and abs(sc["write"] - 1) < 0.05 and sc["epoll_ctl"] < 0.01
            add(f"{title}: 1 read + 1 write, no epoll_ctl per message",
                f"{sc['read']:.2f} + {sc['write']:.2f}, epoll_ctl {sc['epoll_ctl']:.2f}", ok)
        for peer, bound, what in ((FLOOR, 1.1, "<= 1.1x"), ("libuv", 1.0, "< 1.0x"),
                                  ("asio", 1.0, "< 1.0x")):
            if peer not in runs:
                continue
            r = ratio_between(runs, t, peer, lambda x: cpu_per(x, unit))
            ok = None if r is None else (r <= bound if peer == FLOOR else r < bound)
            add(f"{title}: server CPU/msg vs {peer} {what}", fmt(r, 2), ok)
        counted = instructions.get(title, {})
        if counted.get(t) and counted.get("twisted"):
            r = (counted[t]["instructions_per_msg"] /
                 counted["twisted"]["instructions_per_msg"])
            add(f"{title}: user-space instructions/msg vs twisted <= 0.05x", fmt(r, 3),
                r <= 0.05)
        elif "twisted" in runs:
            r = ratio_between(runs, t, "twisted", lambda x: x["server_user_s"] / x["verified"])
            add(f"{title}: user CPU/msg (tick-sampled) vs twisted <= 0.05x", fmt(r, 3),
                None if r is None else r <= 0.05)
        for peer, bound in ((FLOOR, 0.9), ("libuv", 1.0), ("asio", 1.0)):
            if peer in runs:
                r = ratio_between(runs, t, peer, lambda x: x["msgs_per_s"])
                add(f"{title}: msgs/s vs {peer} >= {bound}x", fmt(r, 2),
                    None if r is None else r >= bound)
        r = ratio_between(runs, t, FLOOR, lambda x: x["p99_us"])
        add(f"{title}: p99 vs {FLOOR} <= 1.2x", fmt(r, 2), None if r is None else r <= 1.2)
        if "torsion uv" in runs:
            r = ratio_between(runs, "torsion uv", t, lambda x: x["msgs_per_s"])
            add(f"{title}: torsion uv msgs/s vs torsion epoll >= 0.8x", fmt(r, 2),
                None if r is None else r >= 0.8)
        if HOSTED in runs:
            r = ratio_between(runs, HOSTED, t, lambda x: x["msgs_per_s"])
            add(f"{title}: host-loop msgs/s vs self-driven >= 0.9x", fmt(r, 2),
                None if r is None else r >= 0.9)
            r = ratio_between(runs, HOSTED, t, lambda x: cpu_per(x, unit))
            add(f"{title}: host-loop CPU/msg vs self-driven (no target)", fmt(r, 2), None)
    title = WORKLOADS[3][0]
    runs = results.get(title, {})
    for peer, bound in ((FLOOR, 0.9), ("libuv", 1.0), ("asio", 1.0)):
        if t in runs and peer in runs:
            r = ratio_between(runs, t, peer, lambda x: x["mb_per_s"])
            add(f"streaming: MB/s vs {peer} >= {bound}x", fmt(r, 2),
                None if r is None else r >= bound)
    if t in idle:
        per = med([r["kib_per_connection"] for r in idle[t] if r])
        add("idle: RSS per connection <= 2 KiB", f"{fmt(per, 2)} KiB",
            None if per is None else per <= 2.0)
    lines.append("")
    return lines


def ratio_between(runs, a, b, key):
    per_round = []
    for x, y in zip(runs.get(a, []), runs.get(b, [])):
        if x is None or y is None:
            continue
        u, v = key(x), key(y)
        if u is not None and v:
            per_round.append(u / v)
    return med(per_round)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    parser.add_argument("--python", default="/usr/bin/python3", help="Python with Twisted")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1 round, short windows, 1,000 idle connections")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--duration", type=float, help="measured window per run, s")
    parser.add_argument("--warmup", type=float, help="warm-up per run, s")
    parser.add_argument("--idle-connections", type=int)
    parser.add_argument("--only", help="comma-separated server names to run")
    parser.add_argument("--tracer", choices=["auto", "perf", "strace", "none"], default="auto",
                        help="how to count system calls (auto: perf if usable, else strace)")
    parser.add_argument("--instructions", choices=["auto", "yes", "no"], default="auto",
                        help="count user-space instructions per message under callgrind "
                             "(auto: when valgrind is installed)")
    parser.add_argument("--output", help="also write the report to this file")
    parser.add_argument("--raw", help="write every run's raw result as JSON to this file")
    args = parser.parse_args()
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    duration = args.duration or (0.3 if args.quick else 2.0)
    warmup = args.warmup if args.warmup is not None else (0.1 if args.quick else 0.5)
    idle_n = args.idle_connections or (1000 if args.quick else 10000)
    trace_duration = 0.3 if args.quick else 1.0
    timeout = 60.0

    load = os.path.join(args.build_dir, "bench", "echo", "echo_load")
    if not os.access(load, os.X_OK):
        sys.exit(f"{load} not found: build the echo suite first (scripts/bench.sh echo)")
    suite = servers(args.build_dir, args.python)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",")]
        suite = {n: a for n, a in suite.items() if n in wanted}
    names = list(suite)
    info = machine()
    started = time.monotonic()

    results = {title: {n: [] for n in names} for title, _ in WORKLOADS}
    idle = {n: [] for n in IDLE_SERVERS if n in suite}
    raw = []
    for rnd in range(rounds):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for title, wargs in WORKLOADS:
            for name in order:
                log(f"round {rnd + 1}/{rounds}: {name}: {title}")
                try:
                    r = measure(name, suite[name], load,
                                wargs + ["--duration", str(duration), "--warmup", str(warmup)],
                                timeout)
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                    log(f"  FAILED: {e}")
                    r = None
                results[title][name].append(r)
                raw.append({"round": rnd + 1, "server": name, "workload": title, "result": r})
        for name in [n for n in order if n in idle]:
            log(f"round {rnd + 1}/{rounds}: {name}: {idle_n} idle connections")
            try:
                r = measure(name, suite[name], load,
                            ["--mode", "idle", "--connections", str(idle_n)], timeout)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                log(f"  FAILED: {e}")
                r = None
            idle[name].append(r)
            raw.append({"round": rnd + 1, "server": name, "workload": "idle", "result": r})

    syscalls = {title: {} for title, _ in WORKLOADS[:3]}
    tool = args.tracer
    if tool == "auto":
        tool = "perf" if perf_usable() else ("strace" if shutil.which("strace") else "none")
    if tool != "none":
        for title, wargs in WORKLOADS[:3]:
            for name in names:
                log(f"{tool}: {name}: {title}")
                try:
                    syscalls[title][name] = count_syscalls(
                        tool, suite[name], load,
                        wargs + ["--duration", str(trace_duration), "--warmup", str(warmup)],
                        timeout)
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                    log(f"  FAILED: {e}")
                raw.append({"server": name, "workload": title, "syscalls":
                            syscalls[title].get(name)})
    instructions = {}
    if args.instructions == "yes" or (args.instructions == "auto" and callgrind_usable()):
        # Every ping-pong workload: the tick-sampled user time cannot compare torsion with
        # Twisted (the C floor's user time alone is 5-14 % of Twisted's there), counts can.
        for title, wargs in WORKLOADS[:3]:
            instructions[title] = {}
            for name in names:
                log(f"callgrind: {name}: {title}")
                try:
                    instructions[title][name] = count_instructions(
                        suite[name], load,
                        wargs + ["--duration", str(trace_duration), "--warmup", str(warmup)],
                        timeout)
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                    log(f"  FAILED: {e}")
                    instructions[title][name] = None
                raw.append({"server": name, "workload": title, "instructions":
                            instructions[title][name]})
    elapsed = time.monotonic() - started

    out = ["## Echo results", "",
           f"Machine: {info['nproc']} CPUs, {info['cpu']}, Linux {info['kernel']}; "
           f"load average at start {info['loadavg']}.",
           f"Date: {info['date']}. Commit: {info['commit']} (plus any uncommitted changes in "
           f"the tree). Suite time: {elapsed:.0f} s.",
           "",
           f"Each figure is the median of {rounds} interleaved round(s) "
           f"({warmup:g} s warm-up, {duration:g} s measured window per run); "
           "'× C' columns are the median of the per-round ratios to the hand-written epoll "
           "server (epoll (C)) of the same round. CPU is the server's user and system time in "
           "the window (/proc/<pid>/stat, 10 ms ticks); 'CPU × C' compares user+system per "
           f"message. System calls per message ({tracer_note(tool)}) come from one window of "
           f"{trace_duration:g} s per server and workload, in a separate pass after the timed "
           "rounds; 'other' counts every other system call. 'client CPU %' is the load "
           "generator's own CPU use in the window: near 100 % it, not the server, is the limit. "
           "'server sleeps' counts the server's voluntary context switches in the window "
           "(/proc/<pid>/status): each is a block in the kernel that the generator's next send "
           "has to wake.",
           ""]
    for title, _ in WORKLOADS:
        out += workload_table(title, results[title], syscalls.get(title, {}),
                              streaming=title.startswith("streaming"))
    if idle:
        out += idle_table(idle, idle_n)
    if instructions:
        out += instruction_table(instructions)
    out += target_lines(results, syscalls, idle, instructions)
    report = "\n".join(out)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report + "\n")
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump({"machine": info, "runs": raw}, f, indent=1)


if __name__ == "__main__":
    main()
