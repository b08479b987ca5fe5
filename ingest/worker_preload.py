"""Imported by multiprocessing's fork server before it forks the import workers.

Loading the tagger's rules costs about 1.2 s of CPU (its regular expressions),
and 2 to 3 s more when its Hyperscan databases are not yet in the cache
(:mod:`evidence.tagging.hyperscan_cache`). Done here, once, every worker forked
from the server starts with them in memory (copy-on-write) instead of each paying
for it again.
"""

from __future__ import annotations

from evidence.tagging.pattern_scan import SENTENCE_PATTERNS
from evidence.tagging.rules import default_rules

default_rules()
SENTENCE_PATTERNS.hits("compile the sentence patterns now")
