"""What ``bench.compare`` prints: each figure of both servers, the ratios, and PASS/FAIL against issue 10's targets.

Targets (one worker, 16 concurrent clients, as ratios to the SDK-only baseline in the same run):
refresh-token grants ≥ 0.5× on SQLite and ≥ 0.4× on PostgreSQL, durable through kill -9;
``tools/call whoami`` ≥ 0.9× on both; p99 of refresh grants and whoami calls under 50 ms;
no failed request and no ``database is locked``; RSS under 200 MB after the run.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from bench.common import Measurement
from bench.durability import Durability

RATIO_TARGETS: dict[str, dict[str, float]] = {
    "refresh": {"sqlite": 0.5, "postgres": 0.4},
    "whoami-sdk-2025": {"sqlite": 0.9, "postgres": 0.9},
    "whoami-replayed-2025": {"sqlite": 0.9, "postgres": 0.9},
    "whoami-replayed-2026": {"sqlite": 0.9, "postgres": 0.9},
}
P99_LIMIT_MS = 50.0
P99_ROWS = ("refresh", "whoami-sdk-2025", "whoami-replayed-2025", "whoami-replayed-2026")
RSS_LIMIT_MB = 200.0
SERVERS = ("bastion", "baseline")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@dataclass
class Result:
    """Everything measured on one database."""

    backend: str
    rows: dict[str, dict[str, Measurement]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    profiles: list[tuple[str, Any]] = field(default_factory=list)
    memory: dict[str, tuple[float, float]] = field(default_factory=dict)
    locked: int = 0
    tracebacks: int = 0
    durability: Durability | None = None

    def add(self, key: str, server: str, measured: Measurement, profile: Any) -> None:
        self.rows.setdefault(key, {})[server] = measured
        self.names[key] = measured.name
        if profile is not None:
            self.profiles.append((f"{self.backend} {server} {key}", profile))


def print_figures(result: Result) -> None:
    header = (
        f"{'row':<52} {'server':<9} {'requests':>8} {'failed':>6} {'seconds':>7} {'req/s':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for by_server in result.rows.values():
        for server in SERVERS:
            m = by_server.get(server)
            if m is None:
                continue
            print(
                f"{m.name:<52} {server:<9} {m.requests:>8} {m.failures:>6} {m.seconds:>7.2f} {m.rate:>8.1f} "
                f"{m.percentile(0.50) * 1000:>7.1f} {m.percentile(0.95) * 1000:>7.1f} {m.percentile(0.99) * 1000:>7.1f}"
            )
            if m.first_failure:
                print(f"    first failure: {m.first_failure[:300]}")


def print_targets(result: Result) -> bool:
    """The ratio, p99, error, RSS and durability verdicts of one database; True when every one passes."""
    passed = True
    print()
    print(f"{'Bastion / baseline':<52} {'bastion':>8} {'baseline':>8} {'ratio':>6}  target")
    for key, by_server in result.rows.items():
        bastion, baseline = by_server.get("bastion"), by_server.get("baseline")
        if bastion is None or baseline is None:
            continue
        ratio = bastion.rate / baseline.rate if baseline.rate else float("nan")
        line = f"{result.names[key]:<52} {bastion.rate:>8.1f} {baseline.rate:>8.1f} {ratio:>5.2f}×"
        target = RATIO_TARGETS.get(key, {}).get(result.backend)
        if target is None:
            print(f"{line}  (no target)")
            continue
        ok = ratio >= target
        passed &= ok
        print(f"{line}  ≥ {target}×  {verdict(ok)}")
    print()
    for key in P99_ROWS:
        measured = result.rows.get(key, {}).get("bastion")
        if measured is None:
            continue
        p99 = measured.percentile(0.99) * 1000
        ok = p99 < P99_LIMIT_MS
        passed &= ok
        print(f"p99 of Bastion's {result.names[key]:<52} {p99:>7.1f} ms  < {P99_LIMIT_MS:g} ms  {verdict(ok)}")
    failures = sum(m.failures for by_server in result.rows.values() for m in by_server.values())
    ok = failures == 0 and result.locked == 0
    passed &= ok
    print(
        f"failed requests (both servers): {failures}; 'database is locked' in Bastion's log: {result.locked}; "
        f"tracebacks in Bastion's log: {result.tracebacks}  {verdict(ok)}"
    )
    for server in SERVERS:
        if server not in result.memory:
            continue
        rss, peak = result.memory[server]
        line = f"RSS of the {server} process after the run: {rss:.0f} MB (peak {peak:.0f} MB)"
        if server == "bastion":
            ok = rss < RSS_LIMIT_MB
            passed &= ok
            line += f"  < {RSS_LIMIT_MB:g} MB  {verdict(ok)}"
        print(line)
    if result.durability is not None:
        passed &= result.durability.passed
        print(
            f"durability of Bastion's refresh grants: {result.durability.report()}  {verdict(result.durability.passed)}"
        )
    return passed


def print_profiles(result: Result) -> None:
    if not result.profiles:
        return
    print()
    print("py-spy: busy share of the wall time per thread; self time by package of the innermost frame:")
    for label, profile in result.profiles:
        summary = profile.summary
        busy = ", ".join(
            f"{name.partition(': ')[2] or name} {100 * count / summary.ticks:.0f}%"
            for name, count in summary.threads.most_common(3)
            if summary.ticks
        )
        top = ", ".join(
            f"{name} {100 * count / summary.samples:.0f}%" for name, count in summary.packages.most_common(6)
        )
        print(f"  {label}: busy {busy}; {top}")
        print(f"    {profile.top}")


def print_report(results: list[Result], args: argparse.Namespace) -> None:
    all_passed = True
    for result in results:
        print()
        print(
            f"=== {result.backend}: {args.concurrency} concurrent clients, {args.duration:g} s per row and server ==="
        )
        print_figures(result)
        all_passed &= print_targets(result)
        print_profiles(result)
    if args.profile:
        print("\nThe figures above were measured under py-spy; compare them with each other only.")
    print()
    print(f"every target: {verdict(all_passed)}" if results else "nothing measured")
