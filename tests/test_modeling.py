"""The model's heads: shapes, label orders, and that a mention's stance does not depend on its batch."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stancekit import types
from stancekit.modeling import CLAIM_LABELS, STANCE_LABELS, TAG_LABELS, ModelConfig


def _batch(tokenizer, texts):
    return tokenizer(texts, return_tensors="pt", padding=True)


def test_label_orders_match_the_interfaces():
    assert STANCE_LABELS == types.STANCE_LABELS
    assert CLAIM_LABELS == ("not_claim", "claim")
    assert TAG_LABELS[0] == "O" and {t[2:] for t in TAG_LABELS[1:]} == {"PER", "ORG", "LOC", "GRP"}


def test_heads_return_documented_shapes(tiny_model):
    model, tokenizer = tiny_model
    b = _batch(tokenizer, ["Merkel praised Macron.", "The senator from Ohio said no to the bill today."])
    with torch.no_grad():
        h = model.encode(b["input_ids"], b["attention_mask"])
        t = b["input_ids"].shape[1]
        assert h.shape == (2, t, model.config.hidden_size)
        assert model.claim_logits(h, b["attention_mask"]).shape == (2, 2)
        assert model.tag_logits(h).shape == (2, t, len(TAG_LABELS))
        span = torch.zeros(3, t)
        span[0, 1] = span[1, 3] = span[2, 1:3] = 1
        out = model.stance_logits(h, b["attention_mask"], span, torch.tensor([0, 0, 1]))
    assert out.shape == (3, 3)
    assert torch.isfinite(out).all()


def test_hidden_size_is_taken_from_the_encoder(tiny_model):
    model, _ = tiny_model
    assert model.config.hidden_size == model.encoder.config.hidden_size == 32


def test_config_round_trips_and_ignores_unknown_keys():
    cfg = ModelConfig(max_length=77, stance_attention=False, training={"seed": 3})
    d = cfg.to_dict()
    assert isinstance(d["tag_labels"], list)
    back = ModelConfig.from_dict({**d, "a_future_key": 1})
    assert back == cfg


def test_stance_of_a_mention_does_not_depend_on_padding_or_other_rows(tiny_model):
    model, tokenizer = tiny_model
    short = "Biden won."
    long_text = "In a long speech on Tuesday the president of France criticised the plan again and again."
    alone = _batch(tokenizer, [short])
    both = _batch(tokenizer, [short, long_text])
    with torch.no_grad():
        h1 = model.encode(alone["input_ids"], alone["attention_mask"])
        s1 = torch.zeros(1, h1.shape[1])
        s1[0, 1] = 1
        a = model.stance_logits(h1, alone["attention_mask"], s1, torch.tensor([0]))
        h2 = model.encode(both["input_ids"], both["attention_mask"])
        s2 = torch.zeros(2, h2.shape[1])
        s2[0, 1] = 1
        s2[1, 4] = 1
        b = model.stance_logits(h2, both["attention_mask"], s2, torch.tensor([0, 1]))
    assert torch.allclose(a[0], b[0], atol=1e-5)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=5))
def test_stance_logits_per_mention_are_independent_of_the_other_mentions(tiny_model, positions):
    model, tokenizer = tiny_model
    b = _batch(tokenizer, ["Putin met Xi and Modi in Moscow on Monday."])
    with torch.no_grad():
        h = model.encode(b["input_ids"], b["attention_mask"])
        spans = torch.zeros(len(positions), h.shape[1])
        for i, p in enumerate(positions):
            spans[i, p] = 1
        together = model.stance_logits(h, b["attention_mask"], spans, torch.zeros(len(positions), dtype=torch.long))
        for i in range(len(positions)):
            single = model.stance_logits(h, b["attention_mask"], spans[i : i + 1], torch.zeros(1, dtype=torch.long))
            assert torch.allclose(together[i], single[0], atol=1e-5)
