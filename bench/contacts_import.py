"""`python -m bench.contacts_import`: `tvox-journey contacts import` of a 10,000-line CSV, timed.

For SQLite and PostgreSQL (a fresh database each): the first import (every line
creates a contact), then the same file again (every line found unchanged), each
as the real command in its own process, start-up and migrations included. The
file is what an Italian Excel writes: semicolons, Windows-1252, two number columns.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.run import RESULTS, machine, postgres_available, postgres_schema

NAMES = ["Mario", "Anna", "Luca", "Giulia", "Marco", "Francesca", "Niccolò", "Chiara", "Paolo", "Sara"]
SURNAMES = [
    "Rossi",
    "Bianchi",
    "Verdi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
]


def contacts_csv(lines: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    rows = ["Nome;Cognome;Azienda;Telefono;Cellulare"]
    for n in range(lines):
        company = f"Società {n % 500}" if rng.random() < 0.3 else ""
        mobile = f"+39 3{n:09d}" if rng.random() < 0.5 else ""
        rows.append(f"{rng.choice(NAMES)};{rng.choice(SURNAMES)};{company};045 {2000000 + n};{mobile}")
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def timed_import(path: Path, database_url: str) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "tvox_journey",
        "contacts",
        "import",
        str(path),
        "--database",
        database_url,
    ]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stdout}{done.stderr}")
    return {"seconds": round(seconds, 2), "summary": done.stdout.strip().splitlines()[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.contacts_import", description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "lines": args.lines, "runs": []}
    print("| database | run | seconds | lines/s | result |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rubrica.csv"
        path.write_bytes(contacts_csv(args.lines))
        targets = [("SQLite", f"sqlite:///{Path(folder) / 'journey.db'}")]
        for name, given in targets + ([("PostgreSQL", None)] if postgres_available() else []):
            schema = postgres_schema() if given is None else None
            url = schema.__enter__() if schema is not None else given
            assert url is not None
            try:
                for run in ("first", "again"):
                    row = timed_import(path, url) | {"database": name, "run": run}
                    results["runs"].append(row)
                    rate = round(args.lines / row["seconds"])
                    print(f"| {name} | {run} | {row['seconds']} | {rate} | {row['summary']} |", flush=True)
            finally:
                if schema is not None:
                    schema.__exit__(None, None, None)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"contacts-import-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {out} (load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
