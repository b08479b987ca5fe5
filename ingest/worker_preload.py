"""Imported by multiprocessing's fork server before it forks the import workers.

Loading the tagger's rules and compiling its Hyperscan databases costs about
1.2 s of CPU. Done here, once, every worker forked from the server starts
with them in memory (copy-on-write) instead of each paying for it again.
"""

from __future__ import annotations

from evidence.tagging.pattern_scan import SENTENCE_PATTERNS
from evidence.tagging.rules import default_rules

default_rules()
SENTENCE_PATTERNS.hits("compile the sentence patterns now")
