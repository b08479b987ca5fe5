"""Tagging throughput on one core, and peak memory.

Tags the gold abstracts (read from ../shared at run time, never stored here)
repeated to about ``--count`` abstracts, after one warm-up call so that rule
loading is not timed: rules are compiled once per process by design.

    .venv/bin/python benchmarks/bench_tagger.py --count 20000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_tagger_gold import GOLD, gold_article  # noqa: E402

from evidence.tagging import tag_article  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000, help="abstracts to tag")
    parser.add_argument("--gold", type=Path, default=GOLD, help="gold JSON-lines file")
    args = parser.parse_args()
    if not args.gold.exists():
        print(f"gold set not found at {args.gold}", file=sys.stderr)
        return 1
    with args.gold.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    articles = [gold_article(record, i) for i, record in enumerate(records)]
    tag_article(articles[0])  # load and compile the rules outside the timing

    batch = [articles[i % len(articles)] for i in range(args.count)]
    started = time.perf_counter()
    tags = sum(len(tag_article(article).tags) for article in batch)
    elapsed = time.perf_counter() - started

    tracemalloc.start()
    for article in articles:
        tag_article(article)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(f"abstracts tagged:       {len(batch)} ({tags} tags)")
    print(f"abstracts per second:   {len(batch) / elapsed:,.0f} (one core, {elapsed:.2f} s)")
    print(f"tracemalloc peak/pass:  {traced_peak / 1024:,.0f} KiB")
    print(f"max RSS of the process: {rss_mb:,.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
