"""The plain-torch BERT encoder and the transformers-free inference loader."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from stancekit import bert
from stancekit.inference import Engine
from stancekit.serialization import RustTokenizer, load_model, save

SRC = Path(__file__).resolve().parents[1] / "src"


def _native(model: Any) -> bert.BertEncoder:
    encoder = bert.BertEncoder(model.encoder.config.to_dict())
    encoder.load_weights({k: v.clone() for k, v in model.encoder.state_dict().items()})
    return encoder.eval()


def _padded_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Four rows of 23 tokens: two padded at different lengths, one with a second segment."""
    torch.manual_seed(2)
    ids = torch.randint(1000, 20000, (4, 23))
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    mask[3, 17:] = 0
    types = torch.zeros_like(ids)
    types[2, 6:] = 1
    return ids, mask, types


def test_hidden_states_match_transformers_bert_with_padding_and_token_types(tiny_model: tuple[Any, Any]) -> None:
    model, _ = tiny_model
    native = _native(model)
    ids, mask, types = _padded_batch()
    with torch.inference_mode():
        for tt in (None, types):
            ref = model.encoder(input_ids=ids, attention_mask=mask, token_type_ids=tt).last_hidden_state
            got = native(ids, mask, tt).last_hidden_state
            real = mask.bool()
            assert torch.allclose(got[real], ref[real], atol=1e-5, rtol=1e-5)


def test_hidden_states_match_under_bf16_autocast(tiny_model: tuple[Any, Any]) -> None:
    model, _ = tiny_model
    native = _native(model)
    ids = torch.randint(1000, 20000, (3, 16))
    mask = torch.ones_like(ids)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        ref = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state.float()
        got = native(ids, mask).last_hidden_state.float()
    assert torch.allclose(got, ref, atol=2e-2)


@pytest.mark.parametrize("packed", [True, False])
def test_cpu_bf16_encoder_is_within_bf16_rounding_of_fp32(
    tiny_model: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch, packed: bool
) -> None:
    model, _ = tiny_model
    native = _native(model)
    available = bert._packed_linear_ops()
    if not packed:  # the fallback for torch builds without oneDNN's packed linear
        monkeypatch.setattr(bert, "_packed_linear_ops", lambda: False)
    fast = bert.CpuBf16Encoder(native).eval()
    assert all(layer.qkv.packed is (packed and available) for layer in fast.layers)
    ids, mask, types = _padded_batch()
    real = mask.bool()
    with torch.inference_mode():
        for tt in (None, types):
            ref = native(ids, mask, tt).last_hidden_state
            got = fast(ids, mask, tt).last_hidden_state
            assert got.dtype == torch.float32 and got.shape == ref.shape
            # the residual stream is bf16 (8-bit mantissa, relative step 2**-8 = 0.4 %): a few roundings
            err = (got - ref)[real].abs().max().item()
            assert err <= 0.015 * ref[real].abs().max().item(), err
            assert torch.nn.functional.cosine_similarity(got[real], ref[real], dim=-1).min() > 0.999
            other = fast(ids.flip(0), mask, tt).last_hidden_state  # other inputs: far apart (not a constant)
            assert (other - ref)[real].abs().max().item() > 10 * err


def test_cpu_bf16_encoder_ignores_padding(tiny_model: tuple[Any, Any]) -> None:
    model, _ = tiny_model
    fast = bert.CpuBf16Encoder(_native(model)).eval()
    ids, mask, _ = _padded_batch()
    with torch.inference_mode():
        alone = fast(ids[1:2, :9], mask[1:2, :9]).last_hidden_state[0]
        padded = fast(ids, mask).last_hidden_state[1, :9]
    assert torch.allclose(alone, padded, atol=1e-5)


def test_cpu_bf16_encoder_without_a_mask_keeps_rows_apart(tiny_model: tuple[Any, Any]) -> None:
    model, _ = tiny_model
    fast = bert.CpuBf16Encoder(_native(model)).eval()
    ids, _, _ = _padded_batch()
    with torch.inference_mode():
        batch = fast(ids).last_hidden_state
        for i in range(ids.shape[0]):
            assert torch.allclose(batch[i], fast(ids[i : i + 1]).last_hidden_state[0], atol=1e-5)
        assert torch.allclose(batch, fast(ids, torch.ones_like(ids)).last_hidden_state, atol=1e-5)


def test_cpu_bf16_encoder_with_another_activation(tiny_model: tuple[Any, Any]) -> None:
    model, _ = tiny_model
    config = {**model.encoder.config.to_dict(), "hidden_act": "relu"}
    native = bert.BertEncoder(config)
    native.load_weights({k: v.clone() for k, v in model.encoder.state_dict().items()})
    fast = bert.CpuBf16Encoder(native.eval()).eval()
    assert fast.layers[0].inter.act == "none" and fast.layers[0].act is not None
    ids, mask, _ = _padded_batch()
    with torch.inference_mode():
        ref = native(ids, mask).last_hidden_state
        got = fast(ids, mask).last_hidden_state
    real = mask.bool()
    assert torch.nn.functional.cosine_similarity(got[real], ref[real], dim=-1).min() > 0.999


def test_engine_runs_bf16_on_cpu_through_the_fast_encoder(tiny_model_dir: Path) -> None:
    model, tokenizer = load_model(tiny_model_dir, device="cpu", inference=True)
    fp32 = Engine(model, tokenizer, device="cpu", precision="fp32")
    bf16 = Engine(model, tokenizer, device="cpu", precision="bf16")
    assert bf16.encoder_precision == "bf16" and bf16.precision == "fp32"  # no autocast: the encoder has its own
    assert type(bf16.model).__name__ == "_WithEncoder" and fp32.model is model
    texts = ["Japan and Russia agreed to talk about the islands.", "Critics in Tokyo said the deal was a mistake."]
    a, b = fp32.predict(texts), bf16.predict(texts)
    for x, y in zip(a, b, strict=True):
        assert abs(x.claim_score - y.claim_score) < 2e-2
    # a transformers encoder (training, MPNet) keeps autocast
    full, tok = load_model(tiny_model_dir, device="cpu")
    auto = Engine(full, tok, device="cpu", precision="bf16")
    assert auto.precision == "bf16" and auto.model is full


def test_unsupported_configs_are_refused() -> None:
    base = {"model_type": "bert", "hidden_size": 32, "num_attention_heads": 2, "hidden_act": "gelu"}
    assert bert.supports(base)
    assert not bert.supports({**base, "model_type": "mpnet"})
    assert not bert.supports({**base, "position_embedding_type": "relative_key"})
    assert not bert.supports({**base, "hidden_act": "swish_unknown"})
    assert not bert.supports({**base, "is_decoder": True})
    with pytest.raises(ValueError, match="absolute-position BERT"):
        bert.BertEncoder({**base, "model_type": "mpnet"})


def test_uninitialised_restores_torch_init() -> None:
    before = torch.nn.init.normal_
    with bert.uninitialised():
        assert torch.nn.init.normal_ is not before
        layer = torch.nn.Linear(4, 4)
    assert torch.nn.init.normal_ is before
    assert layer.weight.shape == (4, 4)


def test_missing_weights_are_a_load_error(tiny_model: tuple[Any, Any]) -> None:
    model, _ = tiny_model
    encoder = bert.BertEncoder(model.encoder.config.to_dict())
    state = dict(model.encoder.state_dict())
    state.pop("encoder.layer.1.output.dense.weight")
    with pytest.raises(RuntimeError, match="missing keys"):
        encoder.load_weights(state)


def test_inference_load_uses_no_transformers_and_predicts_like_the_full_load(tiny_model_dir: Path) -> None:
    full, full_tok = load_model(tiny_model_dir)
    fast, fast_tok = load_model(tiny_model_dir, inference=True)
    assert isinstance(fast.encoder, bert.BertEncoder)
    assert isinstance(fast_tok, RustTokenizer)
    assert (fast_tok.cls_token_id, fast_tok.sep_token_id) == (full_tok.cls_token_id, full_tok.sep_token_id)
    texts = ["Merkel praised Macron in Paris on Tuesday.", "No.", "The European Union and Japan signed a deal."]
    spans = [[(0, 6)], [], [(4, 18)]]
    a = Engine(full, full_tok, device="cpu", precision="fp32").predict(texts, spans)
    b = Engine(fast, fast_tok, device="cpu", precision="fp32").predict(texts, spans)
    for p, q in zip(a, b, strict=True):
        assert abs(p.claim_score - q.claim_score) < 1e-5
        assert [(m.start, m.end, m.type) for m in p.mentions] == [(m.start, m.end, m.type) for m in q.mentions]
        for m, n in zip(p.mentions + p.extra, q.mentions + q.extra, strict=True):
            assert max(abs(x - y) for x, y in zip(m.stance_scores, n.stance_scores, strict=True)) < 1e-5


def test_inference_load_saves_back_to_a_directory_transformers_reads(tiny_model_dir: Path, tmp_path: Path) -> None:
    fast, fast_tok = load_model(tiny_model_dir, inference=True)
    out = save(fast, fast_tok, tmp_path / "resaved")
    assert json.loads((out / "config.json").read_text())["model_type"] == "bert"
    again, tok = load_model(out)
    ids = torch.tensor([[fast_tok.cls_token_id, 2000, 3000, fast_tok.sep_token_id]])
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        assert torch.allclose(again.encode(ids, mask), fast.encode(ids, mask), atol=1e-6)
    enc = fast_tok.backend_tokenizer.encode("Merkel visited Tokyo.")
    assert tok("Merkel visited Tokyo.")["input_ids"] == [
        i for i, m in zip(enc.ids, enc.attention_mask, strict=True) if m
    ]


def test_inference_load_falls_back_to_transformers_without_tokenizer_json(tiny_model_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "no-tokenizer-json"
    shutil.copytree(tiny_model_dir, d)
    (d / "tokenizer.json").unlink()
    # A slow-tokenizer directory (vocab.txt): without any vocabulary file the load is refused (issue 16).
    from stancekit.modeling import base_encoder_path

    shutil.copyfile(Path(base_encoder_path()) / "vocab.txt", d / "vocab.txt")
    model, tokenizer = load_model(d, inference=True)
    assert not isinstance(tokenizer, RustTokenizer)
    assert not isinstance(model.encoder, bert.BertEncoder)


def test_analyze_imports_neither_transformers_nor_data_stacks(tiny_model_dir: Path, tmp_path: Path) -> None:
    article = tmp_path / "short.txt"
    article.write_text("Merkel praised Macron. Russia rejected the plan on Tuesday.\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from stancekit.cli import main\n"
        f"rc = main(['analyze', {str(article)!r}, '--model', {str(tiny_model_dir)!r}, '--device', 'cpu'])\n"
        "heavy = ('transformers', 'datasets', 'sklearn', 'scipy', 'pyarrow', 'ray', 'pandas', 'matplotlib', "
        "'torch._dynamo')\n"
        "print('IMPORTED', sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "IMPORTED []" in proc.stderr, proc.stderr[-2000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows and all(r["text"] for r in rows)
