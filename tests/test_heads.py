"""Heads and input forms as objects: labels, logits, loss, decoding; weight names stable across versions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stancekit.forms import FORMS, MENTION, TARGET, span_tokens
from stancekit.heads import HEADS, ClaimHead, Features, StanceHead, TagHead, build_heads, head_for_task
from stancekit.labels import CLAIM_LABELS, STANCE_LABELS, TAG_LABELS
from stancekit.modeling import ModelConfig


def test_each_head_declares_its_labels_task_and_weight_key():
    heads = build_heads(ModelConfig(), 16)
    assert {k: type(h) for k, h in heads.items()} == {"claim": ClaimHead, "tag": TagHead, "stance": StanceHead}
    assert heads["claim"].labels == CLAIM_LABELS and heads["tag"].labels == TAG_LABELS
    assert heads["stance"].labels == STANCE_LABELS
    assert head_for_task(heads, "mentions") is heads["tag"]
    assert set(HEADS) == {"claim", "mentions", "stance"}


def test_a_model_builds_only_the_heads_its_config_names():
    heads = build_heads(ModelConfig(heads=("claim", "stance")), 16)
    assert set(heads) == {"claim", "stance"}
    with pytest.raises(ValueError, match="unknown head"):
        build_heads(ModelConfig(heads=("claim", "sarcasm")), 16)


def test_weight_names_match_the_first_shipped_model():
    cfg = ModelConfig(stance_attention=False)
    keys = {f"{k}.{n}" for k, h in build_heads(cfg, 16).items() for n in h.state_dict()}
    assert keys == {"claim.0.weight", "claim.0.bias", "claim.2.weight", "claim.2.bias", "tag.weight", "tag.bias",
                    "stance.0.weight", "stance.0.bias", "stance.2.weight", "stance.2.bias"}


def test_losses_ignore_padding_and_decoding_gives_distributions():
    torch.manual_seed(0)
    hidden = torch.randn(2, 5, 16)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    tag = TagHead(16).eval()
    logits = tag.logits(hidden)
    targets = torch.full((2, 5), -100)
    targets[0, 1] = 1
    one = tag.loss(logits, targets)
    assert torch.isclose(one, torch.nn.functional.cross_entropy(logits[0, 1:2], torch.tensor([1])))
    stance = StanceHead(16, attention=True).eval()
    span = torch.zeros(3, 5)
    span[0, 1] = span[1, 2] = span[2, 0] = 1
    feats = Features(mask, span, torch.tensor([0, 0, 1]))
    probs = stance.decode(stance.logits(hidden, feats))
    assert probs.shape == (3, 3) and torch.allclose(probs.sum(-1), torch.ones(3))
    claim = ClaimHead(16).eval()
    p = claim.claim_probability(claim.logits(hidden, Features(mask)))
    assert p.shape == (2,) and bool(((p > 0) & (p < 1)).all())


def test_old_attention_query_weights_load_under_their_new_name(tiny_model):
    from stancekit.modeling import StanceModel

    model, _ = tiny_model
    cfg = ModelConfig(stance_attention=True, hidden_size=32)
    fresh = StanceModel(model.encoder, cfg)
    state = {k: v.clone() for k, v in fresh.heads.state_dict().items()}
    state = {("stance_query." + k[len("stance.query.") :] if k.startswith("stance.query.") else k): v
             for k, v in state.items()}
    other = StanceModel(model.encoder, ModelConfig(stance_attention=True, hidden_size=32))
    other.load_head_state_dict(state)
    assert torch.equal(other.heads["stance"].query.weight, fresh.heads["stance"].query.weight)


def test_input_forms_lay_out_rows_as_the_engine_serves_them():
    assert set(FORMS) == {"mention", "target"}
    row = MENTION.build(1, 2, np.arange(10, 20), max_length=8)
    assert row.ids.tolist() == [1, 10, 11, 12, 13, 14, 15, 2] and row.n_text == 6 and row.span is None
    pair = TARGET.build(1, 2, np.array([7, 8]), target_ids=np.arange(30, 50), max_length=12)
    assert pair.ids.tolist()[:8] == [1, 30, 31, 32, 33, 34, 35, 2]  # the target takes at most half the row
    assert pair.span == (1, 6) and pair.text_offset == 8 and pair.type_ids.tolist() == [0] * 8 + [1] * 3


def test_span_tokens_pick_every_token_overlapping_the_characters():
    cs, ce = np.array([0, 6, 13]), np.array([5, 12, 18])  # "Smith praised Jones"
    assert span_tokens(cs, ce, 13, 18) == (2, 2)
    assert span_tokens(cs, ce, 3, 9) == (0, 1)
    assert span_tokens(cs, ce, 5, 6) == (1, 1)  # a gap: the nearest token
    assert span_tokens(np.array([]), np.array([]), 0, 1) == (0, -1)
