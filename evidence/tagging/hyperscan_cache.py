"""Hyperscan databases kept on disk, so that a process loads them instead of compiling.

Compiling the tagger's Hyperscan databases costs about 2 to 3 s of CPU (the
sentence patterns' database alone 2 s, much of it trying each pattern on its
own to learn whether Hyperscan takes it), and every process that tags paid
it: each ``evidence import``'s worker server before the first record could
be tagged, ``retag``, ``eval``. A serialized database loads in well under a
millisecond.

A file is named by a hash of everything its database is compiled from (the
caller's key: patterns, flags, ids) with Hyperscan's version and the
machine's architecture, so a changed rule finds no file and compiles anew:
there is no stale database to expire. Each file holds the SHA-256 of its
bytes; a file that is short, altered or refused by Hyperscan is compiled
again and replaced. A cache directory that cannot be made or written costs
only the compile. Files are written whole and renamed into place, so two
processes missing at once each write a complete file and either one wins.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import tempfile
from collections.abc import Callable
from pathlib import Path

import platformdirs

try:
    import hyperscan
except ImportError:  # pragma: no cover - the callers do not ask without the wheel
    hyperscan = None

#: Where the databases go: the user's cache directory, as the platform names it
#: (``~/.cache/microneedling-evidence/hyperscan`` on Linux).
DEFAULT_DIRECTORY = Path(platformdirs.user_cache_dir("microneedling-evidence")) / "hyperscan"
_DIGEST_BYTES = hashlib.sha256().digest_size


def database_file(key: bytes, directory: Path = DEFAULT_DIRECTORY) -> Path:
    """The file a database compiled from ``key`` is kept in."""
    version = getattr(hyperscan, "__version__", "") if hyperscan is not None else ""
    name = hashlib.sha256(b"\0".join((version.encode(), platform.machine().encode(), key)))
    return directory / f"{name.hexdigest()}.hsdb"


def cached_database(key: bytes, compile_database: Callable[[], object],
                    directory: Path = DEFAULT_DIRECTORY) -> object:
    """The block-mode database ``compile_database()`` builds, loaded from the cache when a
    sound copy for ``key`` is there; compiled, and kept for the next process, when not.

    ``key`` must determine the database: the same key, the same database.
    """
    path = database_file(key, directory)
    loaded = _load(path)
    if loaded is not None:
        return loaded
    database = compile_database()
    _store(path, hyperscan.dumpb(database))
    return database


def _load(path: Path) -> object | None:
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
        path.parent.mkdir(parents=True, exist_ok=True)
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
