"""Input forms: how a (unit, target) pair becomes one encoder row, for training and serving alike.

* :data:`MENTION` — ``[CLS] text [SEP]``; the stance span is the tokens that overlap the mention's
  characters. One row serves every mention of the unit.
* :data:`TARGET` — ``[CLS] target [SEP] text [SEP]`` (segment ids 0 for the target part, 1 for the
  text); the stance span is the target's tokens. For targets the text does not mention (a topic, an
  actor the user names).

The engine (:mod:`stancekit.inference`) builds its rows, windows included, from these forms and the
training loop builds its rows with :meth:`InputForm.build`, so both feed the encoder the same layout
with the same special tokens (for RoBERTa/MPNet tokenizers too, whose own pair template differs).

>>> import numpy as np
>>> row = TARGET.build(101, 102, np.array([7, 8, 9]), target_ids=np.array([5]), max_length=16)
>>> row.ids.tolist(), row.span
([101, 5, 102, 7, 8, 9, 102], (1, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = ["InputForm", "MentionForm", "TargetForm", "Row", "MENTION", "TARGET", "FORMS", "span_tokens"]


@dataclass(frozen=True)
class Row:
    """One encoder row.

    Attributes:
        ids: token ids with special tokens.
        type_ids: segment ids (pair form), else ``None``.
        text_offset: position of the text's first token in ``ids``.
        n_text: how many of the text's tokens the row holds (after truncation).
        span: the target's tokens ``(first, last)`` inclusive (pair form), else ``None``.
    """

    ids: np.ndarray
    type_ids: np.ndarray | None
    text_offset: int
    n_text: int
    span: tuple[int, int] | None


class InputForm:
    """An input form: what goes between ``[CLS]`` and the text, and where the stance span is."""

    name: ClassVar[str]

    def prefix(self, target_ids: np.ndarray | None, max_length: int) -> np.ndarray | None:
        """The target's tokens placed before the text (``None``: no prefix)."""
        return None

    def text_offset(self, prefix: np.ndarray | None) -> int:
        """Position of the text's first token: after ``[CLS]`` (and ``prefix [SEP]``)."""
        return 1 + (len(prefix) + 1 if prefix is not None else 0)

    def build(
        self,
        cls_id: int,
        sep_id: int,
        text_ids: np.ndarray,
        *,
        target_ids: np.ndarray | None = None,
        max_length: int,
    ) -> Row:
        """One row holding as much of the text as ``max_length`` allows (the text is truncated)."""
        prefix = self.prefix(target_ids, max_length)
        head = self.text_offset(prefix)
        m = max(0, min(len(text_ids), max_length - head - 1))
        ids = np.empty(head + m + 1, dtype=np.int64)
        ids[0] = cls_id
        type_ids = None
        span = None
        if prefix is not None:
            ids[1 : 1 + len(prefix)] = prefix
            ids[head - 1] = sep_id
            type_ids = np.zeros(len(ids), dtype=np.int64)
            type_ids[head:] = 1
            span = (1, len(prefix))
        ids[head : head + m] = np.asarray(text_ids[:m], dtype=np.int64)
        ids[-1] = sep_id
        return Row(ids, type_ids, head, m, span)


class MentionForm(InputForm):
    """``[CLS] text [SEP]``: the span is the mention's own tokens."""

    name = "mention"


class TargetForm(InputForm):
    """``[CLS] target [SEP] text [SEP]``: the span is the target's tokens (at most half the row)."""

    name = "target"

    def prefix(self, target_ids: np.ndarray | None, max_length: int) -> np.ndarray | None:
        if target_ids is None:
            raise ValueError("the target form needs the target's token ids")
        return np.asarray(target_ids[: max(1, max_length // 2)], dtype=np.int64)


MENTION = MentionForm()
TARGET = TargetForm()
#: Forms by name (``ModelConfig.input_forms``, data-set specs).
FORMS: dict[str, InputForm] = {f.name: f for f in (MENTION, TARGET)}


def span_tokens(cs: np.ndarray, ce: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """First and last token (0-based in the text's tokens, inclusive) overlapping chars
    ``[start, end)`` given the tokens' character starts ``cs`` and ends ``ce``; the nearest token if
    none does; ``(0, -1)`` for a text without tokens."""
    n = len(cs)
    if n == 0:
        return (0, -1)
    lo = int(np.searchsorted(ce, start, side="right"))  # first token ending after start
    hi = int(np.searchsorted(cs, end, side="left")) - 1  # last token starting before end
    if end <= start or lo > hi:
        j = min(max(lo, 0), n - 1)
        return (j, j)
    return (lo, hi)
