"""Hyperscan databases kept on disk, so that a process loads them instead of compiling.

Compiling the tagger's Hyperscan databases costs about 2 to 3 s of CPU (the
sentence patterns' database alone 2 s, much of it trying each pattern on its
own to learn whether Hyperscan takes it), and every process that tags paid
it: each ``evidence import``'s worker server before the first record could
be tagged, ``retag``, ``eval``. A serialized database loads in well under a
millisecond.

A file is named by a hash of everything its database is compiled from (the
caller's key: patterns, flags, ids) with Hyperscan's version, the machine's
architecture and the CPU features Hyperscan tunes for, so a changed rule finds
no file and compiles anew, and a home directory shared by machines of
different CPUs keeps one file for each. There is no stale database to expire;
the directory keeps the most recently used :data:`KEEP_FILES` and drops the
rest as it writes.

Trust: a serialized database is machine code for Hyperscan's engine, and
loading one checks its header and checksum, not that its bytecode is safe.
The directory is therefore the user's own (made mode 0700), and a file that
another user owns, or that group or others may write, is not loaded. Each
file also holds the SHA-256 of its bytes, so one cut short by a full disk is
compiled again and replaced, like one Hyperscan refuses. Files are written
whole and renamed into place, so two processes missing at once each write a
complete file and either one wins. A directory that cannot be made or
written costs only the compile.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import stat
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import platformdirs

try:
    import hyperscan
except ImportError:  # pragma: no cover - the callers do not ask without the wheel
    hyperscan = None

APP_NAME = "microneedling-evidence"
#: Databases kept: the tagger writes three per rule set, so this holds a few rule sets
#: (a checkout switched between branches) without growing for ever.
KEEP_FILES = 12
#: A partly written file older than this was left by a process that died writing it.
STALE_PART_SECONDS = 600
_DIGEST_BYTES = hashlib.sha256().digest_size
# The x86 features Hyperscan picks its engines by (hs_populate_platform).
_TUNED_FOR = ("sse4_2", "popcnt", "bmi2", "avx2", "avx512f", "avx512bw", "avx512vbmi")


def cache_directory() -> Path:
    """The user's cache directory as the platform names it, read at each call (so that
    ``XDG_CACHE_HOME`` set by a test or a service applies): on Linux
    ``~/.cache/microneedling-evidence/hyperscan``."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "hyperscan"


@cache
def _cpu_features() -> str:
    """The CPU features Hyperscan tunes a database for, as this machine reports them."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            flags = next((line.split(":", 1)[1].split() for line in handle
                          if line.startswith("flags")), [])
    except OSError:  # not Linux: the architecture alone names the file
        return ""
    return " ".join(feature for feature in _TUNED_FOR if feature in flags)


def database_file(key: bytes, directory: Path | None = None) -> Path:
    """The file a database compiled from ``key`` is kept in."""
    version = getattr(hyperscan, "__version__", "") if hyperscan is not None else ""
    name = hashlib.sha256(b"\0".join((version.encode(), platform.machine().encode(),
                                      _cpu_features().encode(), key)))
    return (directory or cache_directory()) / f"{name.hexdigest()}.hsdb"


def cached_database(key: bytes, compile_database: Callable[[], object],
                    directory: Path | None = None) -> object:
    """The block-mode database ``compile_database()`` builds, loaded from the cache when a
    sound copy for ``key`` is there; compiled, and kept for the next process, when not.

    ``key`` must determine the database: the same key, the same database.
    """
    path = database_file(key, directory)
    loaded = _load(path)
    if loaded is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when the directory is pruned
        return loaded
    database = compile_database()
    _store(path, hyperscan.dumpb(database))
    return database


def _trusted(path: Path) -> bool:
    """The file is this user's and only this user may write it."""
    try:
        status = path.stat()
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or status.st_uid == os.getuid()
    return owner_ok and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _load(path: Path) -> object | None:
    if not _trusted(path):
        return None
    try:
        content = path.read_bytes()
    except OSError:
        return None
    digest, payload = content[:_DIGEST_BYTES], content[_DIGEST_BYTES:]
    if not payload or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        return hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
    except hyperscan.error:  # another platform's or version's database
        return None


def _store(path: Path, payload: bytes) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            dir=path.parent, prefix=".", suffix=".part", delete=False)
    except OSError:  # a read-only disk or a file in the way: the next process compiles too
        return
    try:
        with handle:
            handle.write(hashlib.sha256(payload).digest() + payload)
        os.replace(handle.name, path)
    except OSError:  # a full disk
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        return
    _prune(path.parent, keep=path)


def _prune(directory: Path, *, keep: Path) -> None:
    """Drop all but the :data:`KEEP_FILES` most recently used databases, and partly
    written files a dead process left."""
    now = time.time()
    databases: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for entry in directory.iterdir():
            with contextlib.suppress(OSError):
                modified = entry.stat().st_mtime
                if entry.suffix == ".part" and now - modified > STALE_PART_SECONDS:
                    entry.unlink()
                elif entry.suffix == ".hsdb" and entry != keep:
                    databases.append((modified, entry))
    databases.sort(reverse=True)
    for _, old in databases[KEEP_FILES - 1:]:
        with contextlib.suppress(OSError):
            old.unlink()
