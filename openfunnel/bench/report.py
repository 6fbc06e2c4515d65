"""The benchmark's output: a table for the terminal and a JSON document (machine, database, scale, row
counts, figures per operation)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")
        ]
        if models:
            info["cpu"] = models[0]
    except OSError:
        info["cpu"] = platform.processor()
    try:
        meminfo = Path("/proc/meminfo").read_text().split()
        info["ram_gb"] = round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        try:
            info["ram_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1)
        except (ValueError, OSError, AttributeError):
            info["ram_gb"] = None
    return info


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine shows in the figures."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def database_info() -> dict[str, Any]:
    info: dict[str, Any] = {"vendor": connection.vendor}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["version"] = cursor.fetchone()[0]
            info["settings"] = {}
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "random_page_cost",
                "max_parallel_workers_per_gather",
                "jit",
            ):
                cursor.execute(f"SHOW {name}")
                info["settings"][name] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            info["size_mb"] = round(cursor.fetchone()[0] / 1024 / 1024)
        else:
            info["version"] = sqlite3.sqlite_version
            name = connection.settings_dict["NAME"]
            if name and os.path.exists(str(name)):
                info["size_mb"] = round(os.path.getsize(str(name)) / 1024 / 1024)
    info["name"] = str(connection.settings_dict.get("NAME", ""))
    return info


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(results: list[dict[str, Any]]) -> str:
    headers = [
        "operation",
        "median ms",
        "p95 ms",
        "queries",
        "in SQL ms",
        "hand SQL ms",
        "ratio",
        "target",
        "result",
    ]
    rows = []
    for entry in results:
        if not entry["available"]:
            rows.append([entry["name"], "", "", "", "", "", "", "", "not available yet"])
            continue
        if "error" in entry:
            rows.append([entry["name"], "", "", "", "", "", "", "", f"ERROR {entry['error']}"])
            continue
        target = entry.get("target")
        target_text, figure = _target_text(entry)
        verdict = (
            ("pass" if entry.get("passed") else "FAIL " + ",".join(entry.get("failed", []))) if target else ""
        )
        if figure:
            verdict = f"{verdict} {figure}".strip()
        rows.append(
            [
                entry["name"],
                _fmt(entry.get("median_ms")),
                _fmt(entry.get("p95_ms")),
                _fmt(entry.get("queries")),
                _fmt(entry.get("db_ms")),
                _fmt(entry.get("sql_ms"), 2),
                _fmt(entry.get("ratio")),
                target_text,
                verdict,
            ]
        )
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    right = {1, 2, 3, 4, 5, 6}

    def line(cells: list[Any]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def _target_text(entry: dict[str, Any]) -> tuple[str, str]:
    """The target column, and what a throughput or a job measured (its own units) for the result column."""
    target = entry.get("target") or {}
    if entry["kind"] == "throughput":
        contention = entry.get("contention", {})
        api = entry.get("api", {}).get("claims_per_second", 0)
        figure = (f"{entry.get('claims_per_second', 0):.0f} claims/s (API {api:.0f}), "
                  f"contention {'ok' if contention.get('passed') else 'WRONG'}")
        return (f"≥{target['claims_per_second']:g} claims/s" if target else "", figure)
    if entry["kind"] == "job":
        figure = f"{entry.get('seconds', 0):.2f} s, {entry.get('reclaimed', 0):,} of {entry.get('due', 0):,} due"
        return (f"≤{target['seconds']:g} s" if target else "", figure)
    if not target:
        return "", ""
    return f"≤{target['p95_ms']:g} ms ≤{target['queries']}q ≤{target['ratio']:g}×", ""


def document(
    *,
    scale: float,
    seed: int,
    repeat: int,
    warmup: int,
    generation: dict[str, Any],
    counts: dict[str, int],
    results: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "date": timezone.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "database": database_info(),
        "scale": scale,
        "seed": seed,
        "repeat": repeat,
        "warmup": warmup,
        "generation": generation,
        "counts": counts,
        "operations": results,
    }


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    Path(path).write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
