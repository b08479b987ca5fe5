"""Rule-based evidence tagger: TAGS.md labels with their provenance.

``tag_article(article)`` returns a :class:`Tagging`; rules are data in
``rules/*.toml`` (loaded and validated once), scores in :mod:`.evaluate`.
"""

from evidence.tagging.result import Tag, Tagging
from evidence.tagging.tagger import TAGGER_VERSION, tag_article

__all__ = ["TAGGER_VERSION", "Tag", "Tagging", "tag_article"]
