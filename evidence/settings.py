"""Settings in one declared object, built at the entry point and passed down.

Precedence everywhere (CONTRACT.md): the command-line flag, then the
environment variable, then the default. No module reads the environment
except :func:`Settings.from_sources`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DB_URL = "sqlite:///data/evidence.db"
NCBI_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
# NCBI asks every client to identify itself with a tool name (usage policy).
NCBI_TOOL_NAME = "microneedling-evidence"
# Studies per transaction in an import. Large enough to amortise a commit (at 500
# each commit cost 60 us a study, at 2,000 35), small enough that a crash loses
# about a second of work and the IN (...) lookups stay far below SQLite's limit
# of 32,766 bound parameters.
IMPORT_BATCH_SIZE = 2000

# The largest minimum sample size a filter takes (command line and dashboard links):
# no study is larger, and a database integer is not unbounded.
MAX_MIN_N = 10_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str = DEFAULT_DB_URL
    eutils_url: str = NCBI_EUTILS_URL
    api_key: str | None = None
    email: str | None = None
    tool: str = NCBI_TOOL_NAME
    debug: bool = False

    @classmethod
    def from_sources(
        cls,
        *,
        db_url: str | None = None,
        eutils_url: str | None = None,
        api_key: str | None = None,
        email: str | None = None,
        debug: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            db_url=db_url or env.get("EVIDENCE_DB_URL") or DEFAULT_DB_URL,
            eutils_url=eutils_url or env.get("EVIDENCE_EUTILS_URL") or NCBI_EUTILS_URL,
            api_key=api_key or env.get("NCBI_API_KEY") or None,
            email=email or env.get("NCBI_EMAIL") or None,
            debug=debug,
        )
