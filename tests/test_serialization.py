"""Model directories: save → load round trips, plain AutoModel loading, and ModelLoadError messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import transformers

from stancekit import serialization
from stancekit.errors import DeviceError, ModelLoadError
from stancekit.serialization import ModelCard, load_model, save


def _logits(model, tokenizer):
    b = tokenizer(["Merkel praised Macron.", "No."], return_tensors="pt", padding=True)
    with torch.no_grad():
        h = model.encode(b["input_ids"], b["attention_mask"])
        span = torch.zeros(2, h.shape[1])
        span[0, 1] = span[1, 1] = 1
        return (
            h,
            model.claim_logits(h, b["attention_mask"]),
            model.tag_logits(h),
            model.stance_logits(h, b["attention_mask"], span, torch.tensor([0, 1])),
        )


def test_save_load_gives_identical_logits(tiny_model, tiny_model_dir):
    model, tokenizer = tiny_model
    loaded, loaded_tok = load_model(tiny_model_dir)
    assert not loaded.training
    for a, b in zip(_logits(model, tokenizer), _logits(loaded, loaded_tok), strict=True):
        assert torch.equal(a, b)


def test_directory_holds_config_safetensors_tokenizer_and_card(tiny_model_dir):
    names = {p.name for p in tiny_model_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    sk = json.loads((tiny_model_dir / "config.json").read_text())["stancekit"]
    assert set(sk["versions"]) == {"stancekit", "transformers", "torch"}
    assert sk["stance_labels"] == ["favor", "against", "neutral"]
    assert "target" in sk["input_forms"] and "mention" in sk["input_forms"]


def test_encoder_loads_with_plain_automodel(tiny_model, tiny_model_dir):
    model, tokenizer = tiny_model
    encoder = transformers.AutoModel.from_pretrained(tiny_model_dir, local_files_only=True).float().eval()
    b = tokenizer(["Merkel praised Macron."], return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(encoder(**b).last_hidden_state, model.encode(b["input_ids"], b["attention_mask"]))


def test_half_precision_save_is_smaller_and_close(tiny_model, tmp_path):
    model, tokenizer = tiny_model
    full = save(model, tokenizer, tmp_path / "fp32")
    half = save(model, tokenizer, tmp_path / "fp16", ModelCard(name="half", dev_scores={"x": 0.5}), dtype=torch.float16)
    assert (half / "model.safetensors").stat().st_size < 0.6 * (full / "model.safetensors").stat().st_size
    assert "| x | 0.5000 |" in (half / "README.md").read_text()
    loaded, tok = load_model(half)
    for a, b in zip(_logits(model, tokenizer), _logits(loaded, tok), strict=True):
        assert torch.allclose(a, b, atol=2e-2)


def test_not_a_model_directory_raises_model_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ModelLoadError, match="expected config.json and model.safetensors"):
        load_model(tmp_path)


def test_truncated_weights_raise_model_load_error(tiny_model_dir, tmp_path):
    broken = shutil.copytree(tiny_model_dir, tmp_path / "broken")
    w = broken / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match="truncated or corrupted"):
        load_model(broken)


def test_incompatible_format_version_raises_model_load_error(tiny_model_dir, tmp_path):
    old = shutil.copytree(tiny_model_dir, tmp_path / "old")
    cfg = json.loads((old / "config.json").read_text())
    cfg["stancekit"]["format_version"] = "0.3"
    (old / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="model format 0.3") as info:
        load_model(old)
    assert "retrain" in str(info.value)


def test_plain_transformers_directory_raises_model_load_error(tiny_model_dir, tmp_path):
    plain = shutil.copytree(tiny_model_dir, tmp_path / "plain")
    cfg = json.loads((plain / "config.json").read_text())
    del cfg["stancekit"]
    (plain / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="no 'stancekit' section"):
        load_model(plain)


def test_default_path_follows_stancekit_model_env(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("STANCEKIT_MODEL", str(tiny_model_dir))
    model, _ = load_model()
    assert model.config.hidden_size == 32


def test_missing_default_model_is_a_model_load_error_saying_where_and_what_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("STANCEKIT_MODEL", raising=False)
    monkeypatch.setattr(serialization, "default_model_path", lambda: tmp_path / "absent")
    with pytest.raises(ModelLoadError, match="absent") as err:
        load_model()
    assert "pip install" in str(err.value) and "untrained" not in str(err.value)


def test_missing_stancekit_model_env_dir_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("STANCEKIT_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(ModelLoadError, match=r"\$STANCEKIT_MODEL=.*nowhere"):
        load_model()


def test_default_model_path_is_inside_the_package(monkeypatch):
    import stancekit

    monkeypatch.delenv("STANCEKIT_MODEL", raising=False)
    path = serialization.default_model_path()
    assert path.parent.parent == Path(stancekit.__file__).resolve().parent


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_raises_device_error(tiny_model_dir):
    with pytest.raises(DeviceError, match="device='cpu'"):
        load_model(tiny_model_dir, device="cuda")


# ------------------------------------------------------------------ completeness (issue 16)


@pytest.mark.parametrize("field,value", [("heads", 5), ("max_length", "128"), ("stance_labels", "favor"),
                                         ("stance_attention", "yes"), ("claim_threshold", None),
                                         ("tag_labels", [1, 2]), ("max_length", True)])  # fmt: skip
def test_config_field_of_the_wrong_type_names_the_field(tiny_model_dir, tmp_path, field, value):
    bad = shutil.copytree(tiny_model_dir, tmp_path / "bad")
    cfg = json.loads((bad / "config.json").read_text())
    cfg["stancekit"][field] = value
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match=rf"field 'stancekit\.{field}' must be") as info:
        load_model(bad)
    assert str(bad / "config.json") in str(info.value)


def test_model_directory_without_tokenizer_files_is_refused(tiny_model_dir, tmp_path):
    bare = shutil.copytree(tiny_model_dir, tmp_path / "bare")
    for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        (bare / name).unlink(missing_ok=True)
    for inference in (False, True):
        with pytest.raises(ModelLoadError, match=r"no tokenizer files .*\[UNK\]"):
            load_model(bare, inference=inference)


def test_a_tokenizer_that_does_not_fit_the_encoder_is_refused(tiny_model_dir, tmp_path):
    """A tokenizer.json with a handful of tokens (not this model's) must not turn every word into [UNK]."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    odd = shutil.copytree(tiny_model_dir, tmp_path / "odd")
    (odd / "vocab.txt").unlink(missing_ok=True)
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(odd / "tokenizer.json"))
    for inference in (False, True):  # through transformers, and the Rust-only inference path
        with pytest.raises(ModelLoadError, match="tokenizer has 5 tokens"):
            load_model(odd, inference=inference)


def test_missing_weights_are_refused(tiny_model_dir, tmp_path):
    light = shutil.copytree(tiny_model_dir, tmp_path / "light")
    (light / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="missing \\['model.safetensors'\\]"):
        load_model(light)
