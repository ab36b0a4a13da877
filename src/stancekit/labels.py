"""The label sets of stancekit, defined once.

Every module that names a label (the heads, the data loaders, the metrics, the result types) imports it
from here, so a label set cannot drift between training, serving and evaluation.
"""

from __future__ import annotations

__all__ = ["STANCE_LABELS", "CLAIM_LABELS", "TAG_LABELS", "ENTITY_TYPES", "MENTION_TYPES"]

#: Stance toward an actor or target, in the order of every stance score vector.
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "neutral")
#: Claim decision, in the order of the claim head's logits.
CLAIM_LABELS: tuple[str, ...] = ("not_claim", "claim")
#: Entity types of the mention tagger; ``GRP`` covers groups and other named actors (CoNLL ``MISC``).
ENTITY_TYPES: tuple[str, ...] = ("PER", "ORG", "LOC", "GRP")
#: BIO tags of the mention tagger, in logit order: ``O``, then ``B-X``, ``I-X`` per entity type.
TAG_LABELS: tuple[str, ...] = ("O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")))
#: Tag type → the mention type in results.
MENTION_TYPES: dict[str, str] = {"PER": "person", "ORG": "organisation", "LOC": "location", "GRP": "group"}
