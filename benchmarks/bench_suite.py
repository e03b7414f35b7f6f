"""The test suite's wall time and peak memory, run as README.md gives it.

    python benchmarks/bench_suite.py [-- extra pytest arguments]

Runs ``python -m pytest -q -n 2`` (the README's test command) from the repository root and
samples, every half second, the memory of the whole process tree it starts (pytest, its workers,
the jobs and launchers they start): the sum of each process's proportional set size (PSS, from
/proc/<pid>/smaps_rollup, so pages shared between processes count once), falling back to RSS
where PSS is unreadable. Prints the wall time, the peak and the process count at the peak, and
the CPU time of all the processes. Linux only (/proc).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "pytest", "-q", "-n", "2"]
REPO = Path(__file__).resolve().parents[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rfind(")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _memory_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int]:
    """(KiB, processes) of ``root`` and all its descendants."""
    tree = _children()
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += _memory_kib(pid)
        count += 1
        todo.extend(tree.get(pid, []))
    return total, count


def main(extra: list[str]) -> int:
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    process = subprocess.Popen([*COMMAND, *extra], cwd=REPO)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            kib, count = tree_memory(process.pid)
            if kib > peak[0]:
                peak[:] = [kib, count]

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4: the CPU time of pytest and every descendant it (or they) waited for
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = code = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    wall = time.monotonic() - started
    cpu = usage.ru_utime + usage.ru_stime
    print(f"command: {' '.join(['python', *COMMAND[1:], *extra])}")
    print(f"exit code: {code}")
    print(f"wall time: {wall:.0f} s ({wall / 60:.1f} min)")
    print(
        f"peak memory of the process tree: {peak[0] / 1024**2:.2f} GiB (PSS, {peak[1]} processes)"
    )
    # On a machine shared with other work the wall time stretches; the CPU time does not, and
    # divided by the two workers it bounds the wall time on an idle 2-core machine from below.
    print(f"CPU time, all processes: {cpu:.0f} s (/ 2 cores = {cpu / 2 / 60:.1f} min)")
    # Other work on the machine stretches the wall time: say how busy it was.
    print(f"load average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}")
    return code


if __name__ == "__main__":
    args = sys.argv[1:]
    raise SystemExit(main(args[1:] if args[:1] == ["--"] else args))
