"""The tables of a full benchmark run (`python -m bench`): each ingestion run's share of the bare app's
rate, and the Markdown tables docs/benchmarks.md shows."""

from __future__ import annotations

from typing import Any


def fraction_of_ceiling(results: dict[str, Any]) -> None:
    """Add to each ingestion run its throughput as a fraction of the bare endpoint's, same concurrency."""
    best: dict[int, float] = {}
    for run_ in results["ceiling"]:
        best[run_["concurrency"]] = max(best.get(run_["concurrency"], 0.0), run_["events_per_second"])
    for run_ in results["ingestion"]:
        ceiling = best.get(run_["concurrency"])
        run_["fraction_of_ceiling"] = round(run_["events_per_second"] / ceiling, 3) if ceiling else None


def markdown(results: dict[str, Any]) -> str:
    """The results table of docs/benchmarks.md."""
    lines = [
        "| database | stored before | order | concurrency | events/s | p50 ms | p99 ms | of ceiling | "
        "server CPU µs/event | stored correctly |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["ingestion"]:
        verified = r["verified"]
        correct = (
            "yes"
            if verified["ok"]
            else f"NO ({verified['missing']} missing, {verified['wrong_fields']} wrong)"
        )
        cells = [
            r["database"], r["history"], r["order"], r["concurrency"], f"{r['events_per_second']:.0f}",
            r["p50_ms"], r["p99_ms"], f"{r['fraction_of_ceiling']:.0%}",
            f"{r['server_cpu_us_per_event']:.0f}", correct,
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines += [
        "",
        "| bare endpoint (ceiling) | concurrency | events/s | p50 ms | p99 ms | server CPU µs/event |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for r in results["ceiling"]:
        lines.append(
            f"| {r['when']} of run | {r['concurrency']} | {r['events_per_second']:.0f} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['server_cpu_us_per_event']:.0f} |"
        )
    lines += ["", "| preload | events | interactions | seconds | events/s |", "|---|---|---|---|---|"]
    for database, p in results["preload"].items():
        rate = p["events"] / p["seconds"] if p["seconds"] else 0
        lines.append(
            f"| {database} | {p['events']} | {p['interactions']} | {p['seconds']:.1f} | {rate:.0f} |"
        )
    lines += [
        "",
        "| contact card, 10,000 interactions | request | p50 ms | p95 ms | bytes |",
        "|---|---|---|---|---|",
    ]
    for database, card in results["card"].items():
        for name in ("page", "api"):
            c = card[name]
            lines.append(f"| {database} | `GET {c['path']}` | {c['p50_ms']} | {c['p95_ms']} | {c['bytes']} |")
    lines += ["", "| server memory | VmRSS | peak (VmHWM) |", "|---|---|---|"]
    for name, memory in results["memory"].items():
        lines.append(f"| {name} | {memory['VmRSS'] / 1024:.0f} MiB | {memory['VmHWM'] / 1024:.0f} MiB |")
    return "\n".join(lines)
