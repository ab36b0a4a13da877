"""Engine backends: the encoder pass in OpenVINO or ONNX Runtime gives the torch engine's labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from stancekit.errors import InputError
from stancekit.inference import Engine, resolve_precision

TEXTS = [
    "Merkel praised Macron in Paris on Tuesday.",
    "Russia rejected the plan, and the European Union called it reckless.",
    "No.",
    "",
    "The Japanese prime minister met Xi Jinping; China did not change its position on the ban.",
]
SPANS = [[(0, 6)], [(0, 6), (30, 44)], [], [], [(4, 28)]]


def _close(a: list[Any], b: list[Any], atol: float) -> None:
    for p, q in zip(a, b, strict=True):
        assert abs(p.claim_score - q.claim_score) < atol
        assert [(m.start, m.end, m.type) for m in p.mentions] == [(m.start, m.end, m.type) for m in q.mentions]
        for m, n in zip(p.mentions + p.extra, q.mentions + q.extra, strict=True):
            assert np.allclose(m.stance_scores, n.stance_scores, atol=atol)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports are cached under $STANCEKIT_CACHE: each test gets its own, never the user's."""
    monkeypatch.setenv("STANCEKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def reference(tiny_model: tuple[Any, Any]) -> list[Any]:
    model, tokenizer = tiny_model
    return Engine(model, tokenizer, device="cpu", precision="fp32").predict(TEXTS, SPANS)


@pytest.mark.parametrize("backend", ["openvino", "onnxruntime"])
def test_backend_fp32_gives_the_torch_engines_predictions(
    tiny_model: tuple[Any, Any], reference: list[Any], backend: str
) -> None:
    pytest.importorskip(backend, reason=f"the runtimes extra ({backend}) is not installed")
    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision="fp32", backend=backend)
    assert (eng.backend, eng.encoder_precision, eng.precision) == (backend, "fp32", "fp32")
    _close(eng.predict(TEXTS, SPANS), reference, atol=1e-4)
    # the pair form (token type ids) goes through the backend too
    args = (["Merkel praised Macron.", "Russia rejected it."], ["Macron", "the plan"], [None, None])
    torch_eng = Engine(model, tokenizer, device="cpu", precision="fp32")
    assert np.allclose(eng.predict_stance(*args), torch_eng.predict_stance(*args), atol=1e-4)
    assert all(p.dtype == torch.float32 for p in model.parameters())  # the user's model is left alone


def test_openvino_bf16_stays_close_to_fp32(tiny_model: tuple[Any, Any], reference: list[Any]) -> None:
    pytest.importorskip("openvino", reason="the runtimes extra (openvino) is not installed")
    model, tokenizer = tiny_model
    eng = Engine(model, tokenizer, device="cpu", precision="bf16", backend="openvino")
    assert eng.encoder_precision == "bf16" and eng.precision == "fp32"  # heads in fp32 on its output
    got = eng.predict(TEXTS, SPANS)
    for g, w in zip(got, reference, strict=True):
        assert abs(g.claim_score - w.claim_score) < 0.05
        for a, b in zip(g.extra, w.extra, strict=True):
            assert np.allclose(a.stance_scores, b.stance_scores, atol=0.05)


def test_backend_and_precision_combinations_are_checked() -> None:
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu, "onnxruntime") == "fp32"
    assert resolve_precision("fp32", cpu, "openvino") == "fp32"
    with pytest.raises(InputError, match="onnxruntime' runs the encoder in fp32"):
        resolve_precision("bf16", cpu, "onnxruntime")
    with pytest.raises(InputError, match="backend must be one of"):
        resolve_precision("auto", cpu, "tensorrt")
    with pytest.raises(InputError, match="fp16"):
        resolve_precision("fp16", cpu, "openvino")


def test_unknown_backend_is_an_input_error_before_any_export(tiny_model: tuple[Any, Any]) -> None:
    model, tokenizer = tiny_model
    with pytest.raises(InputError, match="backend must be one of"):
        Engine(model, tokenizer, device="cpu", backend="tvm")


def test_analyze_and_score_take_a_backend(
    tiny_model_dir: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("onnxruntime", reason="the runtimes extra (onnxruntime) is not installed")
    import json

    from stancekit.cli import main
    from stancekit.scoring import score

    article = tmp_path / "a.txt"
    article.write_text("Merkel praised Macron in Paris. Russia rejected the plan on Tuesday.\n", encoding="utf-8")
    common = ["analyze", str(article), "--model", str(tiny_model_dir), "--device", "cpu", "--precision", "fp32"]
    outs = []
    for backend in ("torch", "onnxruntime"):
        assert main([*common, "--backend", backend]) == 0
        outs.append([json.loads(line) for line in capsys.readouterr().out.splitlines()])
    assert len(outs[0]) == len(outs[1]) > 0
    for a, b in zip(*outs, strict=True):
        assert (a["text"], a["is_claim"], [x["name"] for x in a["actors"]]) == (
            b["text"],
            b["is_claim"],
            [x["name"] for x in b["actors"]],
        )
        assert abs(a["claim_score"] - b["claim_score"]) < 1e-4
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": article.read_text()}) + "\n", encoding="utf-8")
    summary = score(src, tmp_path / "out.jsonl", model=str(tiny_model_dir), device="cpu", precision="fp32",
                    backend="onnxruntime", progress=False)  # fmt: skip
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert summary.failed == 0 and [r["text"] for r in rows] == [r["text"] for r in outs[0]]


def _count_exports(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from stancekit import backends

    calls: list[Any] = []
    real = backends.export_onnx

    def counted(model: Any, path: Any, opset: int = 17) -> Any:
        calls.append(path)
        return real(model, path, opset)

    monkeypatch.setattr(backends, "export_onnx", counted)
    return calls


def test_the_onnx_export_is_cached_per_set_of_weights(
    tiny_model: tuple[Any, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnxruntime", reason="the runtimes extra (onnxruntime) is not installed")
    import copy

    from stancekit import backends

    calls = _count_exports(monkeypatch)
    model, tokenizer = tiny_model
    first = Engine(model, tokenizer, device="cpu", precision="fp32", backend="onnxruntime")
    second = Engine(model, tokenizer, device="cpu", precision="fp32", backend="onnxruntime")
    assert len(calls) == 1  # the second engine read the first one's export
    root = tmp_path / "cache" / "onnx"
    (key,) = [p.name for p in root.iterdir()]  # one export, no temporary folder left behind
    assert key == backends.export_key(model) and (root / key / "encoder.onnx").is_file()
    _close(second.predict(TEXTS, SPANS), first.predict(TEXTS, SPANS), atol=1e-6)
    # other weights: another key, another export
    other = copy.deepcopy(model)
    with torch.no_grad():
        next(other.encoder.parameters()).add_(0.01)
    assert backends.export_key(other) != key
    Engine(other, tokenizer, device="cpu", precision="fp32", backend="onnxruntime")
    assert len(calls) == 2 and len(list(root.iterdir())) == 2


def test_a_failed_export_leaves_nothing_to_reuse(
    tiny_model: tuple[Any, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancekit import backends

    def broken(model: Any, path: Any, opset: int = 17) -> Any:
        path.write_bytes(b"half an onnx file")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(backends, "export_onnx", broken)
    with pytest.raises(RuntimeError, match="exporter crashed"):
        backends.cached_export(tiny_model[0], tmp_path / "onnx")
    assert list((tmp_path / "onnx").iterdir()) == []


def test_an_unwritable_cache_falls_back_to_a_temporary_export(
    tiny_model: tuple[Any, Any], reference: list[Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnxruntime", reason="the runtimes extra (onnxruntime) is not installed")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("STANCEKIT_CACHE", str(blocker))
    model, tokenizer = tiny_model
    with pytest.warns(UserWarning, match="could not cache the ONNX export"):
        eng = Engine(model, tokenizer, device="cpu", precision="fp32", backend="onnxruntime")
    _close(eng.predict(TEXTS, SPANS), reference, atol=1e-4)
