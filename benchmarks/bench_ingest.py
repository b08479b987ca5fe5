"""Benchmark `evidence ingest` against the loopback fake E-utilities at NCBI's real rate.

Measures, for N synthetic records:

* requests per 1,000 records (goal: <= 3; every request costs 1/3 s of
  NCBI's budget without a key, 1/10 s with one), and
* records per second end to end (search, fetch, parse, tag, store in SQLite).

The rate limiter is not relaxed: the numbers include NCBI's pacing, which is
the point. Run: ``.venv/bin/python benchmarks/bench_ingest.py --records 5000``
(add ``--api-key`` to measure at 10 requests/s, ``--latency`` to add a
server delay per answer that imitates NCBI's response time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from evidence.db import open_database  # noqa: E402
from evidence.settings import Settings  # noqa: E402
from ingest.eutils import EutilsClient  # noqa: E402
from ingest.live import run_ingest  # noqa: E402
from tests.fake_eutils import FakeEutils, make_records  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--api-key", action="store_true",
                        help="send a key: NCBI's 10 requests/s instead of 3")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the fake server waits before each answer")
    options = parser.parse_args(argv)

    records = make_records(options.records)
    with tempfile.TemporaryDirectory() as scratch, \
            FakeEutils(records, response_delay=options.latency) as server:
        settings = Settings(db_url=f"sqlite:///{scratch}/bench.db", eutils_url=server.base_url,
                            api_key="bench-key" if options.api_key else None)
        database = open_database(settings.db_url)
        client = EutilsClient.from_settings(settings)
        started = time.perf_counter()
        summary = run_ingest(database, settings, query=None, max_records=None, since=None,
                             progress=False, client=client)
        elapsed = time.perf_counter() - started
        database.dispose()
        by_endpoint: dict[str, int] = {}
        for request in server.requests():
            by_endpoint[request.endpoint] = by_endpoint.get(request.endpoint, 0) + 1

    total = len(server.requests())
    rate = "10/s (API key)" if options.api_key else "3/s (no key)"
    print(f"records            {options.records}")
    print(f"stored             new {summary.new}, failed {summary.failed}")
    print(f"rate limit         {rate}; server latency {options.latency:.2f} s")
    print(f"requests           {total} ({', '.join(f'{k} {v}' for k, v in by_endpoint.items())})")
    print(f"requests / 1,000   {1000 * total / options.records:.2f}  (goal <= 3)")
    print(f"elapsed            {elapsed:.2f} s")
    print(f"records / second   {options.records / elapsed:.0f}")
    return 0 if summary.new == options.records and 1000 * total / options.records <= 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
