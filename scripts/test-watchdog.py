#!/usr/bin/env python3
"""Runs the test command under a wall-clock limit and reports what it was doing if it hangs.

usage: test-watchdog.py SECONDS COMMAND...

The command's output is passed through line by line (stdout unbuffered via stdbuf, so nothing
is lost when the run is killed). Swift Testing's "started"/"passed"/"failed" lines are tracked:
when SECONDS pass, the tests still running are listed with how long they have run, every thread
of the test process is backtraced with lldb (or gdb), the run is killed and the exit status is
124. At the end the slowest tests are listed, so the CI's time budget can be watched.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

STARTED = re.compile(r"◇ Test (.+?) started\.")
ENDED = re.compile(r"[✔✘] Test (.+?) (?:passed|failed)(?: after ([0-9.]+) seconds)?")


def descendants(pid):
    """Every process below PID (by /proc's parent links)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def backtrace(pid):
    """All threads' backtraces of PID, by gdb if present, else lldb (the toolchain's lldb needs
    a libpython this machine may lack)."""
    if shutil.which("gdb"):
        argv = ["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"]
    elif shutil.which("lldb"):
        argv = ["lldb", "--batch", "-p", str(pid), "-o", "thread backtrace all", "-o", "detach"]
    else:
        return "(neither gdb nor lldb is installed: no backtrace)"
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=180, errors="replace")
        return out.stdout + out.stderr
    except subprocess.TimeoutExpired:
        return "(the debugger did not finish in 180 s)"


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    limit = float(sys.argv[1])
    argv = sys.argv[2:]
    if shutil.which("stdbuf"):
        argv = ["stdbuf", "-oL", "-eL"] + argv
    start = time.monotonic()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    running = {}
    durations = []
    lock = threading.Lock()

    def pump():
        for raw in proc.stdout:
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            line = raw.decode(errors="replace")
            with lock:
                m = STARTED.search(line)
                if m:
                    running[m.group(1)] = time.monotonic()
                    continue
                m = ENDED.search(line)
                if m and not m.group(1).startswith("run with "):
                    began = running.pop(m.group(1), None)
                    if m.group(2):
                        durations.append((float(m.group(2)), m.group(1)))
                    elif began is not None:
                        durations.append((time.monotonic() - began, m.group(1)))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        status = None
    if status is None:
        now = time.monotonic()
        print(f"\ntest-watchdog: the tests did not end in {limit:.0f} s; still running:", flush=True)
        with lock:
            for name, began in sorted(running.items(), key=lambda item: item[1]):
                print(f"  {name} — {now - began:.0f} s", flush=True)
        for pid in descendants(proc.pid):
            line = command_line(pid)
            if ".xctest" in line or "swiftpm-testing-helper" in line:
                print(f"\ntest-watchdog: threads of {pid} ({line[:200]}):", flush=True)
                print(backtrace(pid), flush=True)
        # The test binary may run in a process group of its own (swift test starts it), so every
        # descendant is killed by pid as well as the group: none is left spinning after the run.
        stragglers = descendants(proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in stragglers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        reader.join(timeout=5)
        return 124
    reader.join(timeout=30)
    with lock:
        slowest = sorted(durations, reverse=True)[:15]
    total = time.monotonic() - start
    print(f"\ntest-watchdog: the test run took {total:.0f} s; the slowest tests:")
    for seconds, name in slowest:
        print(f"  {seconds:8.1f} s  {name}")
    return status


if __name__ == "__main__":
    sys.exit(main())
