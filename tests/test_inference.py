"""Tests for the batch inference engine (stancekit.inference) on the tiny seeded model.

The reference for correctness is a direct, unbatched forward through the model's own methods; the
engine must match it (fp32, within 1e-4) whatever the batching, order and windowing.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stancekit.errors import DeviceError, InputError
from stancekit.inference import (
    Engine,
    MentionPrediction,
    UnitPrediction,
    _collate,
    _cut_batches,
    _owned_ranges,
    _pad_to,
    _window_starts,
    resolve_precision,
)
from stancekit.modeling import TAG_LABELS

TOL = 1e-4  # fp32 score tolerance across batch shapes (different GEMM blockings reorder sums)

WORDS = (
    "Shinzo Abe Russia the G7 summit said on Tuesday that Moscow rejected plan , . reckless Japanese "
    "Prime Minister NATO leaders agreed Tokyo Washington his he it unprecedented-ly xenotransplantation "
    "Kyiv's 2024 ( ) \" ' ; : European Commission"
).split()

TEXTS = [
    "Japanese Prime Minister Shinzo Abe met Vladimir Putin in Moscow on Tuesday.",
    "He said the plan was reckless.",
    "",
    "NATO",
    "The European Commission's xenotransplantation rules, unprecedented-ly strict, were rejected by Kyiv.",
]


@pytest.fixture(scope="module")
def engine(tiny_model: tuple[Any, Any]) -> Engine:
    model, tokenizer = tiny_model
    return Engine(model, tokenizer, device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def short_model(tiny_model: tuple[Any, Any]) -> tuple[Any, Any]:
    """The tiny model with max_length=16, so that ordinary sentences need windows."""
    model, tokenizer = tiny_model
    m = copy.deepcopy(model)
    m.config.max_length = 16
    return m, tokenizer


@pytest.fixture(scope="module")
def short_engines(short_model: tuple[Any, Any]) -> tuple[Engine, Engine]:
    """A reference engine (one row per batch) and one whose batching each example changes."""
    model, tokenizer = short_model
    ref = Engine(model, tokenizer, device="cpu", precision="fp32", batch_size=1, max_batch_tokens=8)
    return ref, Engine(model, tokenizer, device="cpu", precision="fp32")


def _texts(draw_words: list[list[str]]) -> list[str]:
    return [" ".join(ws) for ws in draw_words]


text_lists = st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=30), min_size=1, max_size=8).map(_texts)


def _direct(model: Any, tokenizer: Any, text: str) -> dict[str, Any]:
    """Unbatched reference forward of one unit that fits max_length."""
    enc = tokenizer([text], return_tensors="pt", return_offsets_mapping=True)
    offsets = enc.pop("offset_mapping")[0].tolist()
    with torch.no_grad():
        hidden = model.encode(enc["input_ids"], enc["attention_mask"])
        claim = torch.softmax(model.claim_logits(hidden, enc["attention_mask"]), -1)[0, 1].item()
        tags = model.tag_logits(hidden)[0].argmax(-1).tolist()
    return {"claim": claim, "tags": tags, "word_ids": enc.word_ids(0), "offsets": offsets, "hidden": hidden, "enc": enc}


def _decode_words(tags: list[int], word_ids: list[int | None], offsets: list[list[int]]) -> list[tuple[int, int, str]]:
    """Word-level BIO decode in plain Python, the reference for the engine: every token takes its
    word's first sub-token's tag; a lone O token between two tagged tokens of one written word (no
    spaces) is filled, and a tagged token glued to a tagged one continues its mention."""
    types = {"PER": "person", "ORG": "organisation", "LOC": "location", "GRP": "group"}
    toks: list[list[Any]] = []  # [label, start, end, glued]
    first_label = "O"
    for t, w in enumerate(word_ids):
        if w is None:
            continue
        if t > 0 and word_ids[t - 1] == w:
            label = "I-" + first_label[2:] if first_label != "O" else "O"
        else:
            label = first_label = TAG_LABELS[tags[t]]
        glued = bool(toks) and word_ids[t - 1] is not None and offsets[t][0] == toks[-1][2]
        toks.append([label, offsets[t][0], offsets[t][1], glued])
    kinds = [lab[2:] if lab != "O" else None for lab, *_ in toks]
    for i in range(1, len(toks) - 1):
        if kinds[i] is None and toks[i][3] and toks[i + 1][3] and kinds[i - 1] and kinds[i + 1]:
            kinds[i] = kinds[i - 1]
    out: list[list[Any]] = []
    for i, (label, s, e, glued) in enumerate(toks):
        kind = kinds[i]
        if kind is None:
            continue
        prev = kinds[i - 1] if i > 0 else None
        if (label.startswith("B-") or prev != kind) and not (glued and prev):
            out.append([s, e, types[kind]])
        else:
            out[-1][1] = e
    return [tuple(m) for m in out]  # type: ignore[misc]


def _assert_same(a: list[UnitPrediction], b: list[UnitPrediction], tol: float = TOL) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert abs(x.claim_score - y.claim_score) <= tol
        assert [(m.start, m.end, m.type) for m in x.mentions] == [(m.start, m.end, m.type) for m in y.mentions]
        for m, n in zip(x.mentions + x.extra, y.mentions + y.extra, strict=True):
            assert abs(m.score - n.score) <= tol
            assert np.allclose(m.stance_scores, n.stance_scores, atol=tol)
        assert [(m.start, m.end) for m in x.extra] == [(m.start, m.end) for m in y.extra]


# ------------------------------------------------------------------ batching logic


@settings(deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=300), min_size=0, max_size=80),
    batch_size=st.integers(min_value=1, max_value=40),
    budget=st.integers(min_value=8, max_value=4096),
)
def test_batches_respect_max_batch_tokens_and_batch_size(lengths: list[int], batch_size: int, budget: int) -> None:
    batches = _cut_batches(lengths, batch_size, budget)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))  # every row exactly once
    for b in batches:
        width = _pad_to(max(lengths[i] for i in b))
        assert len(b) <= batch_size
        assert len(b) == 1 or len(b) * width <= budget
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)


def test_batches_are_padded_to_a_multiple_of_8(engine: Engine) -> None:
    rows = engine._rows([_req(t) for t in TEXTS], "full")
    store, rows = rows
    batch = _collate(rows, store, pin=False)
    assert batch.ids.shape[1] % 8 == 0
    assert batch.ids.shape[1] >= max(r.length for r in rows)
    assert int(batch.mask.sum()) == sum(r.length for r in rows)


def _req(text: str) -> Any:
    from stancekit.inference import _Request

    return _Request(text)


@settings(deadline=None, max_examples=50)
@given(n=st.integers(min_value=1, max_value=200), size=st.integers(min_value=1, max_value=64))
def test_windows_cover_every_token_and_each_token_is_owned_by_its_most_central_window(n: int, size: int) -> None:
    starts = _window_starts(n, size)
    owned = _owned_ranges(starts, size, n) if len(starts) > 1 else [(0, n - 1)]
    assert starts[0] == 0 and min(starts[-1] + size, n) == n
    tokens = [t for lo, hi in owned for t in range(lo, hi + 1)]
    assert tokens == list(range(n))  # a partition, in order
    for w, (lo, hi) in enumerate(owned):
        for t in range(lo, hi + 1):
            inside = [j for j in range(len(starts)) if starts[j] <= t < min(starts[j] + size, n)]
            centrality = {j: min(t - starts[j], min(starts[j] + size, n) - 1 - t) for j in inside}
            assert w in inside and centrality[w] == max(centrality.values())


# ------------------------------------------------------------------ correctness against a direct forward


def test_claim_scores_match_an_unbatched_forward(engine: Engine, tiny_model: tuple[Any, Any]) -> None:
    model, tokenizer = tiny_model
    got = engine.predict_claims(TEXTS)
    want = [_direct(model, tokenizer, t)["claim"] for t in TEXTS]
    assert got.shape == (len(TEXTS),) and got.dtype == np.float32
    assert np.allclose(got, want, atol=TOL)


def test_mentions_match_a_plain_word_level_bio_decode(engine: Engine, tiny_model: tuple[Any, Any]) -> None:
    model, tokenizer = tiny_model
    preds = engine.predict(TEXTS)
    for text, pred in zip(TEXTS, preds, strict=True):
        d = _direct(model, tokenizer, text)
        want = _decode_words(d["tags"], d["word_ids"], d["offsets"])
        assert [(m.start, m.end, m.type) for m in pred.mentions] == want
        for m in pred.mentions:
            assert 0 <= m.start < m.end <= len(text)
            assert 0.0 < m.score <= 1.0
            assert abs(sum(m.stance_scores) - 1.0) < 1e-5


def test_a_written_word_split_by_the_tokenizer_is_one_mention(tiny_model: tuple[Any, Any]) -> None:
    """ "E.U." is four tokens (e . u .); the tagger restarting or switching type inside it must not
    fragment it, while tagged words separated by a space stay separate mentions."""
    model, tokenizer = tiny_model
    text = "Then E.U. and Paris said"
    enc = tokenizer(text, return_offsets_mapping=True)
    spans = [text[a:b] for a, b in enc["offset_mapping"]]
    want = {"e": "B-GRP", ".": "B-ORG", "u": "B-GRP", "paris": "B-LOC"}  # the second "." stays O
    tags = []
    seen_dot = False
    for piece in spans:
        key = piece.lower()
        if key == "." and seen_dot:
            tags.append("O")
            continue
        seen_dot = seen_dot or key == "."
        tags.append(want.get(key, "O"))
    m = copy.deepcopy(model)
    logits = torch.full((len(tags), len(TAG_LABELS)), -10.0)
    for i, tag in enumerate(tags):
        logits[i, TAG_LABELS.index(tag)] = 10.0

    def fixed(hidden: torch.Tensor) -> torch.Tensor:
        out = torch.full((*hidden.shape[:2], len(TAG_LABELS)), -10.0)
        out[..., 0] = 10.0
        out[:, : len(tags)] = logits
        return out

    m.tag_logits = fixed  # type: ignore[method-assign]
    eng = Engine(m, tokenizer, device="cpu", precision="fp32")
    got = [(text[x.start : x.end], x.type) for x in eng.predict([text])[0].mentions]
    assert got == [("E.U", "group"), ("Paris", "location")]
    ids = enc["input_ids"]
    d = {"tags": [TAG_LABELS.index(t) for t in tags], "word_ids": enc.word_ids(), "offsets": enc["offset_mapping"]}
    assert [(text[a:b], k) for a, b, k in _decode_words(d["tags"], d["word_ids"], d["offsets"])] == got
    assert len(ids) == len(tags)


def test_mention_stance_matches_the_stance_head_on_the_mention_tokens(engine: Engine, tiny_model: Any) -> None:
    model, tokenizer = tiny_model
    text = TEXTS[0]
    pred = engine.predict([text])[0]
    assert pred.mentions, "the tiny model tags something in this sentence"
    d = _direct(model, tokenizer, text)
    enc = d["enc"]
    for m in pred.mentions:
        span = torch.tensor(
            [
                [
                    1.0 if (a < m.end and b > m.start and w is not None) else 0.0
                    for (a, b), w in zip(d["offsets"], d["word_ids"], strict=True)
                ]
            ]
        )
        with torch.no_grad():
            want = torch.softmax(model.stance_logits(d["hidden"], enc["attention_mask"], span, torch.tensor([0])), -1)
        assert np.allclose(m.stance_scores, want[0].numpy(), atol=TOL)


def test_extra_spans_give_one_prediction_each_in_order(engine: Engine) -> None:
    text = TEXTS[0]
    spans = [(24, 35), (0, 8), (24, 35)]
    pred = engine.predict([text], extra_spans=[spans])[0]
    assert [(x.start, x.end, x.type, x.score) for x in pred.extra] == [(s, e, "other", 1.0) for s, e in spans]
    assert np.allclose(pred.extra[0].stance_scores, pred.extra[2].stance_scores)
    assert not np.allclose(pred.extra[0].stance_scores, pred.extra[1].stance_scores)


def test_predict_stance_mention_form_equals_predict_extra_span(engine: Engine) -> None:
    text, span = TEXTS[0], (24, 35)
    got = engine.predict_stance([text], [None], [span])
    want = engine.predict([text], extra_spans=[[span]])[0].extra[0].stance_scores
    assert got.shape == (1, 3) and np.allclose(got[0], want, atol=TOL)


def test_predict_stance_target_form_is_the_pair_with_target_tokens_as_span(
    engine: Engine, tiny_model: tuple[Any, Any]
) -> None:
    model, tokenizer = tiny_model
    text, target = "The plan was reckless.", "Shinzo Abe"
    got = engine.predict_stance([text], [target], [None])
    enc = tokenizer(target, text, return_tensors="pt")
    seq = enc.sequence_ids(0)
    span = torch.tensor([[1.0 if s == 0 else 0.0 for s in seq]])
    with torch.no_grad():
        hidden = model.encode(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        want = torch.softmax(model.stance_logits(hidden, enc["attention_mask"], span, torch.tensor([0])), -1)
    assert np.allclose(got[0], want[0].numpy(), atol=TOL)


def test_predict_stance_rejects_rows_with_neither_span_nor_target(engine: Engine) -> None:
    with pytest.raises(InputError, match="neither"):
        engine.predict_stance(["x"], [None], [None])
    with pytest.raises(InputError, match="same length"):
        engine.predict_stance(["x", "y"], [None], [None])


def test_predict_tags_gives_one_tag_per_word_from_its_first_sub_token(engine: Engine, tiny_model: Any) -> None:
    model, tokenizer = tiny_model
    sentences = [["Shinzo", "Abe", "met", "xenotransplantation"], [], ["NATO", "."]]
    got = engine.predict_tags(sentences)
    assert [len(t) for t in got] == [len(s) for s in sentences]
    for words, tags in zip(sentences, got, strict=True):
        if not words:
            continue
        enc = tokenizer([words], is_split_into_words=True, return_tensors="pt")
        with torch.no_grad():
            raw = model.tag_logits(model.encode(enc["input_ids"], enc["attention_mask"]))[0].argmax(-1).tolist()
        wid = enc.word_ids(0)
        first = [raw[wid.index(i)] for i in range(len(words))]
        want = [TAG_LABELS[t] for t in first]
        assert tags == want


# ------------------------------------------------------------------ order, invariance, streaming


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=text_lists,
    batch_size=st.integers(min_value=1, max_value=16),
    budget=st.integers(min_value=8, max_value=512),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_batch_invariance_over_batch_size_budget_and_order(
    short_engines: tuple[Engine, Engine], texts: list[str], batch_size: int, budget: int, seed: int
) -> None:
    """Labels equal and scores within TOL whatever the batch size, token budget and input order,
    including units long enough to need windows (max_length=16 here)."""
    ref, other = short_engines
    other.batch_size, other.max_batch_tokens = batch_size, budget
    spans = [[(0, min(5, len(t)))] if t else [] for t in texts]
    perm = np.random.default_rng(seed).permutation(len(texts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the windows warning; tested on its own below
        want = ref.predict(texts, extra_spans=spans)
        got = other.predict([texts[i] for i in perm], extra_spans=[spans[i] for i in perm])
    back = [None] * len(texts)
    for j, i in enumerate(perm):
        back[i] = got[j]
    _assert_same(want, back)  # type: ignore[arg-type]


def test_predict_restores_input_order(engine: Engine) -> None:
    texts = [" ".join(WORDS[: (i * 7) % 30]) for i in range(16)]
    together = engine.predict(texts)
    alone = [engine.predict([t])[0] for t in texts]
    _assert_same(together, alone)


def test_predict_stream_is_lazy_ordered_and_bounded(engine: Engine) -> None:
    consumed = 0

    def unbounded() -> Any:
        nonlocal consumed
        for i in itertools.count():
            consumed += 1
            yield " ".join(WORDS[: i % 25])

    chunk = 8
    got = list(itertools.islice(engine.predict_stream(unbounded(), chunk_size=chunk), 30))
    want = engine.predict([" ".join(WORDS[: i % 25]) for i in range(30)])
    _assert_same(got, want)
    assert consumed <= 30 + 6 * chunk  # a bounded window in flight, not the whole iterator


def test_predict_stream_takes_text_and_span_pairs(engine: Engine) -> None:
    got = list(engine.predict_stream([(TEXTS[0], [(0, 8)]), TEXTS[1]]))
    assert len(got[0].extra) == 1 and got[1].extra == ()
    with pytest.raises(InputError, match="unit 1"):
        list(engine.predict_stream([TEXTS[0], 3]))  # type: ignore[list-item]


# ------------------------------------------------------------------ long units


def test_long_units_are_windowed_counted_and_warned_about_once(short_model: tuple[Any, Any]) -> None:
    model, tokenizer = short_model
    eng = Engine(model, tokenizer, device="cpu", precision="fp32")
    long_texts = [" ".join(WORDS) for _ in range(3)] + ["short one"]
    with pytest.warns(UserWarning, match=r"3 unit\(s\) exceeded max_length=16") as rec:
        preds = eng.predict(long_texts, extra_spans=[[(len(long_texts[0]) - 10, len(long_texts[0]))]] * 3 + [[]])
    assert len([w for w in rec if "exceeded max_length" in str(w.message)]) == 1
    assert eng.stats["windowed_units"] == 3
    assert eng.stats["rows"] > len(long_texts)
    text = long_texts[0]
    p = preds[0]
    ends = [m.end for m in p.mentions]
    starts = [m.start for m in p.mentions]
    assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends, strict=True))
    assert all(ends[i] <= starts[i + 1] for i in range(len(ends) - 1))  # sorted, no duplicates from overlaps
    assert any(m.start > len(text) // 2 for m in p.mentions)  # mentions come from later windows too
    assert len(p.extra) == 1 and p.extra[0].end == len(text)
    assert 0.0 <= p.claim_score <= 1.0


def test_windowed_unit_matches_full_length_forward_where_windows_agree(tiny_model: tuple[Any, Any]) -> None:
    """A unit under max_length scores identically whether or not other units in the call are windowed."""
    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision="fp32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mixed = eng.predict([TEXTS[0], " ".join(WORDS * 8)])
    _assert_same([mixed[0]], eng.predict([TEXTS[0]]))


# ------------------------------------------------------------------ devices, precision, OOM


def test_explicit_unavailable_device_raises_device_error(tiny_model: tuple[Any, Any]) -> None:
    model, tokenizer = tiny_model
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="cuda"):
            Engine(model, tokenizer, device="cuda")
    with pytest.raises(DeviceError, match="cuda:99"):
        Engine(model, tokenizer, device="cuda:99")
    with pytest.raises(DeviceError, match="tpu"):
        Engine(model, tokenizer, device="tpu")


def test_auto_device_picks_cuda_only_when_available(engine: Engine, tiny_model: tuple[Any, Any]) -> None:
    model, tokenizer = tiny_model
    auto = Engine(model, tokenizer, device="auto", precision="fp32")
    assert auto.device.type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_cuda_device_strings_resolve_when_cuda_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CUDA branch of device selection, exercised on a CPU-only machine by faking one GPU."""
    from stancekit import inference

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert inference._resolve_device("auto") == torch.device("cuda")
    assert inference._resolve_device("cuda") == torch.device("cuda", 0)
    assert inference._resolve_device(torch.device("cuda", 0)) == torch.device("cuda", 0)
    with pytest.raises(DeviceError, match="only 1 CUDA device"):
        inference._resolve_device("cuda:1")
    with pytest.raises(DeviceError, match="integer"):
        inference._resolve_device("cuda:x")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert resolve_precision("auto", torch.device("cuda", 0)) == "fp16"
    with pytest.raises(InputError, match="runs on the CPU"):
        resolve_precision("auto", torch.device("cuda", 0), backend="openvino")


def test_cpu_engine_never_pins_memory_and_cuda_batches_pin_every_tensor(
    tiny_model: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancekit import inference

    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision="fp32")
    assert eng._pin is False

    def no_pinning(self: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        raise AssertionError("pin_memory called on a CPU engine")

    monkeypatch.setattr(torch.Tensor, "pin_memory", no_pinning)
    want = eng.predict(TEXTS, extra_spans=[[(0, 2)] if t else [] for t in TEXTS])
    monkeypatch.undo()
    # the CUDA path (pin=True) pins every tensor of a batch; counted, not really pinned (no GPU here)
    pinned: list[tuple[int, ...]] = []

    def count(self: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        pinned.append(tuple(self.shape))
        return self

    store, rows = eng._rows([inference._Request(t, None, ((0, 2),) if t else ()) for t in TEXTS], "full")
    monkeypatch.setattr(torch.Tensor, "pin_memory", count)
    batch = inference._collate(rows, store, pin=True)
    tensors = [batch.ids, batch.mask, batch.word_first, batch.content, batch.glued, batch.extra_mask, batch.extra_row]
    assert len(pinned) == len(tensors) and all(t.shape in (torch.Size(p) for p in pinned) for t in tensors)
    assert len(want) == len(TEXTS)


def test_precision_auto_is_bf16_on_cpus_with_native_bf16_else_fp32() -> None:
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == ("bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32")
    with pytest.raises(InputError, match="fp16"):
        resolve_precision("fp16", cpu)
    for device in (cpu, torch.device("cuda")):
        with pytest.raises(InputError, match="int8' was removed"):
            resolve_precision("int8", device)
    with pytest.raises(InputError, match="precision must be one of"):
        resolve_precision("fp8", cpu)


@pytest.mark.parametrize("precision", ["bf16"])
def test_reduced_precisions_stay_close_to_fp32(engine: Engine, tiny_model: Any, precision: str) -> None:
    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision=precision)
    got = eng.predict(TEXTS, extra_spans=[[(0, 2)] if t else [] for t in TEXTS])
    want = engine.predict(TEXTS, extra_spans=[[(0, 2)] if t else [] for t in TEXTS])
    for g, w in zip(got, want, strict=True):
        assert abs(g.claim_score - w.claim_score) < 0.05
        for a, b in zip(g.extra, w.extra, strict=True):
            assert np.allclose(a.stance_scores, b.stance_scores, atol=0.05)
    assert eng.precision == precision
    assert all(p.dtype == torch.float32 for p in model.parameters())  # the user's model is left alone


def test_fake_out_of_memory_halves_the_batch_and_keeps_every_unit(
    tiny_model: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tokenizer = tiny_model
    texts = [" ".join(WORDS[: 3 + i % 20]) for i in range(21)]
    eng = Engine(model, tokenizer, device="cpu", precision="fp32", batch_size=8)
    want = eng.predict(texts)
    real = eng._forward
    seen: list[int] = []

    def forward(batch: Any, mode: str) -> Any:
        seen.append(len(batch))
        if len(batch) > 3:
            raise torch.OutOfMemoryError("CUDA out of memory (fake)")
        return real(batch, mode)

    monkeypatch.setattr(eng, "_forward", forward)
    got = eng.predict(texts)
    _assert_same(got, want)
    assert eng.stats["oom_splits"] > 0
    assert max(seen) == 8 and all(n <= 3 for n in seen if n <= 3)
    assert sum(n for n in seen if n <= 3) == len(texts)  # each unit run exactly once after the splits


def test_out_of_memory_on_a_single_unit_raises_device_error(
    tiny_model: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision="fp32")

    def forward(batch: Any, mode: str) -> Any:
        raise torch.OutOfMemoryError("CUDA out of memory (fake)")

    monkeypatch.setattr(eng, "_forward", forward)
    with pytest.raises(DeviceError, match="does not fit"):
        eng.predict(["a b c", "d e"])


# ------------------------------------------------------------------ inputs and side effects


def test_bad_inputs_raise_input_error(engine: Engine) -> None:
    with pytest.raises(InputError, match="wrap it in a list"):
        engine.predict("one text")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="text 1"):
        engine.predict(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(InputError, match="outside the unit text"):
        engine.predict(["abc"], extra_spans=[[(1, 9)]])
    with pytest.raises(InputError, match="one entry per text"):
        engine.predict(["abc", "d"], extra_spans=[[]])
    with pytest.raises(InputError, match="batch_size"):
        Engine(engine.model, engine.tokenizer, device="cpu", batch_size=0)


def test_empty_calls_and_empty_units(engine: Engine) -> None:
    assert engine.predict([]) == []
    assert engine.predict_claims([]).shape == (0,)
    (p,) = engine.predict([""], extra_spans=[[(0, 0)]])
    assert p.mentions == () and len(p.extra) == 1 and isinstance(p.extra[0], MentionPrediction)


def test_predict_leaves_grad_mode_and_the_model_alone(engine: Engine) -> None:
    assert torch.is_grad_enabled()
    engine.predict(TEXTS[:2])
    assert torch.is_grad_enabled()  # inference_mode is a context, never a process-wide toggle
    assert all(p.dtype == torch.float32 for p in engine.model.parameters())


def test_a_long_unit_with_many_spans_is_windowed_in_linear_time(tiny_model: tuple[Any, Any]) -> None:
    """Issue 16: each span once found its window by scanning every window (windows x spans).

    One unit of ~24k tokens (~380 windows of the tiny model) with one span per 2 words: the old loop
    did ~10^9 steps here (minutes); the spans are now assigned by bisection."""
    import time

    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision="fp32")
    text = " ".join(WORDS * 600)
    starts = [i for i, c in enumerate(text) if c == " "][::2]
    spans = [(s + 1, s + 4) for s in starts if s + 4 <= len(text)]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        (pred,) = eng.predict([text], extra_spans=[spans])
    assert time.perf_counter() - t0 < 45  # ~10 s on 2 cores; the old loop took ~95 s here
    assert eng.stats["windowed_units"] == 1
    assert [(e.start, e.end) for e in pred.extra] == spans  # one prediction per span, in order
