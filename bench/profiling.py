"""Where a server's time goes: py-spy attached to its process during one load, and a summary of the samples.

``sampling(pid, folder, label)`` runs ``py-spy record --format raw`` (collapsed stacks, one line per
distinct stack: ``thread;outer (file:line);...;leaf (file:line) count``) on the running server for as
long as the block lasts. py-spy keeps only the samples of threads that are running (not waiting in a
system call), so a thread's samples over the ticks of the block are the share of the wall time it was
busy: an event loop busy 66 % of the time spent the rest waiting in ``epoll``. On leaving, a
top-functions summary is written next to the stacks: per thread (busy share of the wall time), then,
as shares of all busy samples, per package of the innermost frame (self time), per function as the
innermost frame (self) and anywhere on the stack (total). The ``.collapsed.txt`` file opens as is in
speedscope (https://www.speedscope.app) or ``flamegraph.pl``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SAMPLES_PER_SECOND = 100
STOP_TIMEOUT_SECONDS = 30.0
TOP = 25
EVENT_LOOP_STEP = "BaseEventLoop._run_once (asyncio/base_events.py"
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy_path() -> str:
    """py-spy next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.exists():
        return str(beside)
    found = shutil.which("py-spy")
    if found is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy (into the venv that runs the benchmark)")
    return found


@dataclass
class Summary:
    """Sample counts from one collapsed-stack file."""

    samples: int = 0
    ticks: int = 0  # sampling instants in the wall time of the block: a thread busy throughout has this many
    threads: Counter[str] = field(default_factory=Counter)
    packages: Counter[str] = field(default_factory=Counter)
    self_lines: Counter[str] = field(default_factory=Counter)
    self_time: Counter[str] = field(default_factory=Counter)
    total_time: Counter[str] = field(default_factory=Counter)
    # Frames that only carry a thread (on every stack of each thread they appear in: Thread._bootstrap), and
    # those from the start of the process down to the event loop's _run_once (runpy, typer, uvicorn.run): their
    # total is their thread's whole time and says nothing, so the total-time list leaves them out.
    scaffolding: set[str] = field(default_factory=set)


def package_of(frame: str) -> str:
    """``execute (sqlalchemy/engine/base.py:1840)`` -> ``sqlalchemy``; a stdlib module file -> its module."""
    match = FRAME.match(frame)
    if match is None:
        return frame
    path = match.group("file")
    first = path.split("/", 1)[0]
    return first.removesuffix(".py") or path


def frames_text(frames: list[str]) -> str:
    return ";".join(frames)


def function_of(frame: str) -> str:
    """``execute (sqlalchemy/engine/base.py:1840)`` -> ``execute (sqlalchemy/engine/base.py)``: all its lines."""
    match = FRAME.match(frame)
    return f"{match.group('function')} ({match.group('file')})" if match else frame


def summarize(collapsed: str, ticks: int = 0) -> Summary:
    """Count the samples of ``py-spy record --format raw --threads`` output (``ticks``: see ``Summary``)."""
    summary = Summary(ticks=ticks)
    per_thread: Counter[tuple[str, str]] = Counter()
    loop_frames: set[str] = set()
    with_frames: Counter[str] = Counter()  # a thread's samples with a Python frame (py-spy also records empty ones)
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread, frames = (frames[0], frames[1:]) if frames[0].startswith(("thread", "process")) else ("", frames)
        summary.samples += count
        summary.threads[thread or "(one thread)"] += count
        if not frames:
            continue
        with_frames[thread] += count
        summary.packages[package_of(frames[-1])] += count
        summary.self_lines[frames[-1]] += count
        summary.self_time[function_of(frames[-1])] += count
        if EVENT_LOOP_STEP in frames_text(frames):
            loop = next(i for i, frame in enumerate(frames) if frame.startswith(EVENT_LOOP_STEP))
            loop_frames.update(function_of(frame) for frame in frames[: loop + 1])
        for function in {function_of(frame) for frame in frames}:
            summary.total_time[function] += count
            per_thread[(thread, function)] += count
    threads_of: dict[str, set[str]] = {}
    for thread, function in per_thread:
        threads_of.setdefault(function, set()).add(thread)
    summary.scaffolding = loop_frames | {
        function
        for function, threads in threads_of.items()
        if all(per_thread[(thread, function)] == with_frames[thread] for thread in threads)
    }
    return summary


def render(summary: Summary, title: str) -> str:
    def share(count: int) -> str:
        return f"{100 * count / summary.samples:5.1f}%" if summary.samples else "  n/a"

    lines = [f"{title}: {summary.samples} busy samples at {SAMPLES_PER_SECOND}/s over {summary.ticks} ticks", ""]
    lines.append("by thread: busy share of the wall time (py-spy samples running threads only)")
    for name, count in summary.threads.most_common(TOP):
        busy = f"{100 * count / summary.ticks:5.1f}%" if summary.ticks else "  n/a"
        lines.append(f"  {busy}  {name}")
    lines.append("")
    for heading, counter, limit in (
        ("by package of the innermost frame (self time)", summary.packages, TOP),
        ("by function, innermost frame (self time)", summary.self_time, TOP),
        ("by line, innermost frame (self time)", summary.self_lines, TOP),
        (
            "by function, anywhere on the stack (total time; frames under a whole thread left out)",
            summary.total_time,
            TOP,
        ),
    ):
        lines.append(heading)
        ranked = [
            (n, c)
            for n, c in counter.most_common()
            if counter is not summary.total_time or n not in summary.scaffolding
        ]
        lines += [f"  {share(count)}  {name}" for name, count in ranked[:limit]]
        lines.append("")
    return "\n".join(lines)


@dataclass
class Profile:
    """The files one sampling wrote (filled when the block ends)."""

    collapsed: Path
    top: Path
    summary: Summary | None = None


@contextmanager
def sampling(pid: int, folder: Path, label: str, *, nonblocking: bool = False) -> Iterator[Profile]:
    """Sample process ``pid`` with py-spy while the block runs; write ``label``.collapsed.txt and .top.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = Profile(folder / f"{label}.collapsed.txt", folder / f"{label}.top.txt")
    command = [
        py_spy_path(), "record", "--pid", str(pid), "--format", "raw", "--output", str(profile.collapsed),
        "--rate", str(SAMPLES_PER_SECOND), "--threads",
    ]  # fmt: skip
    if nonblocking:
        command.append("--nonblocking")
    log_path = folder / f"{label}.py-spy.log"
    with log_path.open("wb") as log:
        spy = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    try:
        yield profile
    finally:
        # SIGINT is py-spy's Control-C: it stops sampling and writes the file.
        ticks = round((time.monotonic() - started) * SAMPLES_PER_SECOND)
        if spy.poll() is None:
            os.kill(spy.pid, signal.SIGINT)
        try:
            spy.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait()
    if not profile.collapsed.exists():
        raise RuntimeError(f"py-spy wrote no samples for {label}:\n{log_path.read_text(errors='replace')}")
    profile.summary = summarize(profile.collapsed.read_text(errors="replace"), ticks)
    profile.top.write_text(render(profile.summary, label) + "\n")
