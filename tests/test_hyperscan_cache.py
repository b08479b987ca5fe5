"""The on-disk cache of compiled Hyperscan databases: loaded when sound, compiled when not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

hyperscan = pytest.importorskip("hyperscan")

from evidence.tagging import hyperscan_cache  # noqa: E402
from evidence.tagging.pattern_scan import SENTENCE_PATTERNS, _compile  # noqa: E402
from evidence.tagging.rules import default_rules  # noqa: E402

TEXTS = ("patients were randomized to microneedling plus minoxidil",
         "a systematic search of pubmed and embase was performed",
         "hair density increased at 24 weeks in 40 of 52 patients",
         "nothing here")


def _tagger_sources() -> list[tuple[bytes, int]]:
    """The sentence patterns the tagger compiles into its Hyperscan database."""
    default_rules()
    SENTENCE_PATTERNS.hits("freeze the patterns")
    return list(SENTENCE_PATTERNS._sources)


def _slots(database: object, text: str) -> set[int]:
    found: set[int] = set()
    database.scan(text.encode(), match_event_handler=lambda slot, *_: found.add(slot),
                  scratch=hyperscan.Scratch(database))
    return found


class _Compiles:
    """Counts compiles, as a process would pay for them."""

    def __init__(self, sources: list[tuple[bytes, int]]) -> None:
        self.sources, self.count = sources, 0

    def __call__(self) -> object:
        self.count += 1
        return _compile(self.sources)


def test_the_second_process_loads_what_the_first_compiled(tmp_path: Path) -> None:
    sources = _tagger_sources()
    key = repr(sources).encode()
    compiles = _Compiles(sources)
    first = hyperscan_cache.cached_database(key, compiles, tmp_path)
    assert compiles.count == 1
    assert [path.name for path in tmp_path.iterdir()] == [
        hyperscan_cache.database_file(key, tmp_path).name]
    loaded = hyperscan_cache.cached_database(key, compiles, tmp_path)
    assert compiles.count == 1  # no compile the second time
    for text in TEXTS:
        assert _slots(loaded, text) == _slots(first, text)
    assert any(_slots(loaded, text) for text in TEXTS)


def test_a_changed_rule_compiles_anew(tmp_path: Path) -> None:
    sources = _tagger_sources()
    compiles = _Compiles(sources)
    hyperscan_cache.cached_database(repr(sources).encode(), compiles, tmp_path)
    changed = [*sources[:-1], (sources[-1][0] + b"x", sources[-1][1])]
    changed_compiles = _Compiles(changed)
    hyperscan_cache.cached_database(repr(changed).encode(), changed_compiles, tmp_path)
    assert changed_compiles.count == 1
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("damage", ["truncated", "byte flipped", "not a database"])
def test_a_damaged_file_is_compiled_again_and_replaced(tmp_path: Path, damage: str) -> None:
    sources = [(rb"\bminoxidil\b", hyperscan.HS_FLAG_CASELESS)]
    key = repr(sources).encode()
    compiles = _Compiles(sources)
    hyperscan_cache.cached_database(key, compiles, tmp_path)
    path = hyperscan_cache.database_file(key, tmp_path)
    content = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(content[: len(content) // 2])
    elif damage == "byte flipped":
        middle = len(content) // 2
        path.write_bytes(content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1:])
    else:  # the digest is right, but Hyperscan refuses the bytes
        junk = b"\x00" * 64
        path.write_bytes(hashlib.sha256(junk).digest() + junk)
    database = hyperscan_cache.cached_database(key, compiles, tmp_path)
    assert compiles.count == 2
    assert _slots(database, "Topical Minoxidil 5%") == {0}
    assert path.read_bytes() == content  # sound again for the next process


def test_a_directory_that_cannot_be_written_costs_only_the_compile(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the directory should be")
    sources = [(rb"\bprp\b", hyperscan.HS_FLAG_CASELESS)]
    compiles = _Compiles(sources)
    for _ in range(2):
        database = hyperscan_cache.cached_database(repr(sources).encode(), compiles, blocked)
        assert _slots(database, "PRP injections") == {0}
    assert compiles.count == 2
    assert blocked.read_text() == "a file where the directory should be"


def test_every_process_finds_the_databases_the_first_one_kept(tmp_path: Path) -> None:
    """Processes differ in string hashing, so in the order of sets: the databases must
    still be found by the same keys, or each process compiles and adds files."""
    import os
    import subprocess
    import sys

    def start_a_worker(seed: str) -> list[str]:
        environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", "import ingest.worker_preload"], check=True,
                       env=environment, cwd=Path(__file__).resolve().parents[1])
        return sorted(path.name for path in tmp_path.rglob("*.hsdb"))

    first = start_a_worker("1")
    assert first  # the worker's databases were kept
    inodes = {path.name: path.stat().st_ino for path in tmp_path.rglob("*.hsdb")}
    assert start_a_worker("2") == first
    # loaded, not compiled and written again (a rewrite is a new file, renamed into place)
    assert {path.name: path.stat().st_ino for path in tmp_path.rglob("*.hsdb")} == inodes


def test_a_database_hyperscan_refuses_is_compiled_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from another Hyperscan build or CPU: its header says so, loadb refuses."""
    sources = [(rb"\bminoxidil\b", hyperscan.HS_FLAG_CASELESS)]
    compiles = _Compiles(sources)
    hyperscan_cache.cached_database(repr(sources).encode(), compiles, tmp_path)

    def refuse(*_args: object) -> object:
        raise hyperscan.error("database was built for another platform")

    monkeypatch.setattr(hyperscan_cache.hyperscan, "loadb", refuse)
    database = hyperscan_cache.cached_database(repr(sources).encode(), compiles, tmp_path)
    assert compiles.count == 2
    assert _slots(database, "minoxidil") == {0}


def test_a_file_others_may_write_is_not_loaded(tmp_path: Path) -> None:
    """A database is code for Hyperscan's engine: one that someone else could have put
    there is compiled anew, and the new file is the user's alone."""
    sources = [(rb"\bprp\b", hyperscan.HS_FLAG_CASELESS)]
    key = repr(sources).encode()
    compiles = _Compiles(sources)
    hyperscan_cache.cached_database(key, compiles, tmp_path)
    path = hyperscan_cache.database_file(key, tmp_path)
    path.chmod(0o666)
    hyperscan_cache.cached_database(key, compiles, tmp_path)
    assert compiles.count == 2
    assert path.stat().st_mode & 0o077 == 0


def test_the_directory_keeps_the_recent_databases_and_drops_dead_writes(tmp_path: Path) -> None:
    import os
    import time

    old = time.time() - 3600
    for number in range(hyperscan_cache.KEEP_FILES + 5):
        stale = tmp_path / f"{number:064x}.hsdb"
        stale.write_bytes(b"x")
        os.utime(stale, (old + number, old + number))
    dead = tmp_path / ".dead.part"
    dead.write_bytes(b"half")
    os.utime(dead, (old, old))
    writing = tmp_path / ".writing.part"  # another process, writing now
    writing.write_bytes(b"half")
    sources = [(rb"\bexosomes?\b", hyperscan.HS_FLAG_CASELESS)]
    hyperscan_cache.cached_database(repr(sources).encode(), _Compiles(sources), tmp_path)
    kept = sorted(path.name for path in tmp_path.glob("*.hsdb"))
    assert len(kept) == hyperscan_cache.KEEP_FILES
    assert hyperscan_cache.database_file(repr(sources).encode(), tmp_path).name in kept
    assert f"{hyperscan_cache.KEEP_FILES + 4:064x}.hsdb" in kept  # the newest of the old
    assert f"{0:064x}.hsdb" not in kept
    assert not dead.exists() and writing.exists()
