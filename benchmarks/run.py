"""The benchmark runner: records per second and peak memory, stage by stage.

    python benchmarks/run.py [--records 30000 300000] [--stages parse import ...]
                             [--postgres URL]

Writes corpora with ../shared/tools/make_pubmed_corpus.py (real seed records
in today's PubMed format, distinct PMIDs) into benchmarks/out/ and measures
each stage in a fresh process: our parser, our whole import into SQLite (parse,
tag, load) and into PostgreSQL, tagging alone, retag, the dashboard's queries
on both databases, and the reference parsers pubmed_parser and Biopython on
the same file in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
MAKE_CORPUS = ROOT.parent / "shared" / "tools" / "make_pubmed_corpus.py"
DEFAULT_STAGES = ["parse", "parse-parallel", "pubmed_parser", "biopython", "tag", "import",
                  "sqlite-write-floor", "retag", "queries"]
# Biopython's Entrez.read holds the whole file in memory (about 2 GB at 30,000
# records): past this size it is left out rather than risk the machine.
BIOPYTHON_MAX_RECORDS = 50_000


def corpus(records: int) -> Path:
    """A gzip corpus of ``records`` records, made once and kept in benchmarks/out."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"corpus{records}.xml.gz"
    if not path.exists():
        if not MAKE_CORPUS.exists():
            sys.exit(f"benchmarks: {MAKE_CORPUS} not found (../shared must be beside the repo)")
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--records", str(records),
                        "--out", str(path), "--compresslevel", "1", "--quiet"], check=True)
    return path


def run_stage(stage: str, path: Path, db_url: str | None) -> dict:
    command = [sys.executable, str(ROOT / "benchmarks" / "stages.py"), stage, str(path)]
    if db_url:
        command.append(db_url)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"stage": stage, "error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    for line in done.stderr.splitlines():  # a stage's own detail lines
        if line.startswith("#"):
            print(line, flush=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_database(admin_url: str) -> tuple[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"evidence_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[30_000])
    parser.add_argument("--stages", nargs="+", default=DEFAULT_STAGES)
    parser.add_argument("--postgres", metavar="URL",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="admin URL for the PostgreSQL import stage ('' to skip)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {__import__('os').cpu_count()} cores")
    print(f"{'records':>8} {'stage':<18} {'rec/s':>9} {'seconds':>9} {'peak MB':>9}")
    for records in args.records:
        path = corpus(records)
        for stage in args.stages:
            if stage == "biopython" and records > BIOPYTHON_MAX_RECORDS:
                print(f"{records:>8} {stage:<18} {'(skipped: holds the whole file in memory)'}")
                continue
            db_url = drop = None
            if stage == "import":
                sqlite_db = OUT / f"bench{records}.db"
                for leftover in OUT.glob(f"bench{records}.db*"):
                    leftover.unlink()
                db_url = f"sqlite:///{sqlite_db}"
            if stage in ("retag", "queries", "sqlite-write-floor"):
                db_url = f"sqlite:///{OUT / f'bench{records}.db'}"
            result = run_stage(stage, path, db_url)
            _print(records, stage, result)
            if stage == "import" and args.postgres:
                pg_url, drop = _postgres_database(args.postgres)
                try:
                    _print(records, "import-postgresql", run_stage("import", path, pg_url))
                    if "queries" in args.stages:
                        _print(records, "queries-postgresql", run_stage("queries", path, pg_url))
                finally:
                    drop()


def _print(records: int, stage: str, result: dict) -> None:
    if "error" in result:
        print(f"{records:>8} {stage:<18} failed: {result['error']}")
        return
    if stage.startswith("queries"):
        print(f"{records:>8} {stage:<18} {'slowest':>9} {result['seconds'] * 1000:>7.0f}ms "
              f"{result['peak_mb']:>9.1f}", flush=True)
        return
    rate = result["records"] / result["seconds"] if result["seconds"] else float("inf")
    print(f"{records:>8} {stage:<18} {rate:>9,.0f} {result['seconds']:>9.2f} "
          f"{result['peak_mb']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
