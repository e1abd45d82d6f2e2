"""The codes stored per slot (a post's title or one of its passages): its kind, and the
field that BM25F weighs it as."""

from __future__ import annotations

KINDS = ("title", "paragraph", "question", "answer", "pullquote")
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
TITLE = 0  # the kind code of a post's title, which is searchable like a passage

# Fields: title, lead (a post's first passage), paragraph, question, answer, pull quote.
TITLE_FIELD, LEAD_FIELD = 0, 1


def field_of(kind: int, position: int) -> int:
    """The field of a passage of kind code `kind` at `position` among the post's passages
    (the first one is the lead)."""
    return LEAD_FIELD if position == 0 else kind + 1
