"""Encoder runtimes besides torch: ONNX Runtime and OpenVINO (optional extras, ``stancekit[runtimes]``).

The engine's batching, mention decoding and heads stay the same (torch, fp32); only the encoder
pass, where the time goes, runs in the other runtime. ``benchmarks/throughput.py`` runs each of
them beside the torch engine on the same corpus and weights, and reports label agreement with the
torch fp32 engine. The ONNX export is made once per set of encoder weights and cached
(:func:`cached_export`, under ``$STANCEKIT_CACHE/onnx``).

>>> session = OnnxRuntimeEncoder(export_onnx(model, "enc.onnx"))             # doctest: +SKIP
>>> engine = Engine(with_encoder(model, session), tokenizer, precision="fp32")   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stancekit.errors import InputError

__all__ = [
    "export_onnx",
    "quantize_onnx_int8",
    "OnnxRuntimeEncoder",
    "OpenVinoEncoder",
    "with_encoder",
    "cpu_encoder",
    "cached_export",
    "export_key",
]


def _threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class _EncoderOnly(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> Any:
        return self.encoder(input_ids, attention_mask, token_type_ids).last_hidden_state


def export_onnx(model: Any, path: str | os.PathLike[str], opset: int = 17) -> Path:
    """Write the model's encoder (inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` [B, T],
    output ``hidden`` [B, T, H], both axes dynamic) as ONNX, fp32, with torch's TorchScript exporter."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    module = _EncoderOnly(model.encoder).eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notices
        torch.onnx.export(
            module,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "hidden": axes},
            opset_version=opset,
            dynamo=False,
        )
    return out


def quantize_onnx_int8(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of the encoder's MatMuls (int8 weights, uint8
    activations quantised per call)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    return Path(dst)


def _inputs(ids: torch.Tensor, mask: torch.Tensor, type_ids: torch.Tensor | None) -> dict[str, np.ndarray]:
    ids_np = ids.cpu().numpy()
    return {
        "input_ids": ids_np,
        "attention_mask": mask.cpu().numpy(),
        "token_type_ids": type_ids.cpu().numpy() if type_ids is not None else np.zeros_like(ids_np),
    }


class OnnxRuntimeEncoder:
    """The encoder in an ONNX Runtime CPU session (all graph optimisations, intra-op threads = the
    CPUs this process may use)."""

    def __init__(self, path: str | os.PathLike[str], threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or _threads()
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.path = Path(path)

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor, type_ids: torch.Tensor | None = None) -> torch.Tensor:
        (hidden,) = self.session.run(["hidden"], _inputs(ids, mask, type_ids))
        return torch.from_numpy(hidden)


class OpenVinoEncoder:
    """The encoder compiled by OpenVINO for the CPU, ``precision`` ``"fp32"`` or ``"bf16"``
    (OpenVINO's inference precision hint; bf16 needs AVX-512-bf16 or AMX), latency hint, threads =
    the CPUs this process may use."""

    def __init__(self, path: str | os.PathLike[str], precision: str = "fp32", threads: int | None = None) -> None:
        import openvino as ov

        if precision not in ("fp32", "bf16"):
            raise InputError(f"OpenVINO precision must be 'fp32' or 'bf16', got {precision!r}.")
        core = ov.Core()
        config = {
            "INFERENCE_PRECISION_HINT": "f32" if precision == "fp32" else "bf16",
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": str(threads or _threads()),
        }
        self.compiled = core.compile_model(str(path), "CPU", config)
        self.request = self.compiled.create_infer_request()
        self.precision = precision
        self.path = Path(path)

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor, type_ids: torch.Tensor | None = None) -> torch.Tensor:
        result = self.request.infer(_inputs(ids, mask, type_ids))
        return torch.from_numpy(np.asarray(result[self.compiled.output(0)], dtype=np.float32).copy())


class _WithEncoder:
    """A :class:`~stancekit.modeling.StanceModel` whose ``encode`` runs in another runtime; heads and
    everything else are the model's own."""

    def __init__(self, model: Any, encode: Any) -> None:
        self._model = model
        self._encode = encode

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: Any = None) -> Any:
        return self._encode(input_ids, attention_mask, token_type_ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def to(self, *args: Any, **kwargs: Any) -> _WithEncoder:
        self._model = self._model.to(*args, **kwargs)
        return self

    def eval(self) -> _WithEncoder:
        self._model.eval()
        return self


#: Bump when :func:`export_onnx` changes what it writes: cached exports of older versions are not reused.
_EXPORT_VERSION = "1"


def export_key(model: Any) -> str:
    """A sha256 over the encoder's weights (names, shapes, dtypes, bytes), the export version and
    torch's version: the name of the model's cached ONNX export."""
    h = hashlib.sha256(f"stancekit-onnx {_EXPORT_VERSION} torch {torch.__version__}".encode())
    for name, t in sorted(model.encoder.state_dict().items()):
        t = t.detach().cpu().contiguous()
        h.update(f"{name} {tuple(t.shape)} {t.dtype}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def cached_export(model: Any, cache: str | os.PathLike[str] | None = None) -> Path:
    """The model's encoder as ONNX, exported once per set of weights into ``cache``
    (default: ``$STANCEKIT_CACHE/onnx``, else ``~/.cache/stancekit/onnx``) and reused after: an export
    takes seconds, reading it back does not. The export is written to a temporary folder in the
    cache and renamed into place, so a crash never leaves a half-written model to be reused.

    Raises:
        OSError: the cache cannot be written (``cpu_encoder`` then exports to a temporary folder).
    """
    from stancekit.encoders import cache_dir

    root = Path(cache) if cache is not None else cache_dir() / "onnx"
    final = root / export_key(model)
    path = final / "encoder.onnx"
    if path.is_file():
        return path
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=root))
    try:
        export_onnx(model, tmp / "encoder.onnx")
        try:
            os.replace(tmp, final)
        except OSError:
            if not path.is_file():  # another process renamed its export first: use theirs, else fail
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def cpu_encoder(model: Any, backend: str, precision: str) -> Any:
    """The model's encoder exported to ONNX (once per set of weights, cached: :func:`cached_export`;
    in a temporary folder when the cache cannot be written) and loaded in ``backend``
    (``"openvino"``: ``precision`` fp32 or bf16; ``"onnxruntime"``: fp32).

    Raises:
        ImportError: the runtime (or ``onnx`` for the export) is not installed, with the pip command.
    """
    module = {"openvino": "openvino", "onnxruntime": "onnxruntime"}[backend]
    for name in (module, "onnx"):
        try:
            __import__(name)
        except ImportError as err:
            raise ImportError(
                f"backend={backend!r} needs the {name!r} package: pip install 'stancekit[runtimes]'."
            ) from err

    def load(path: Path) -> Any:
        return OpenVinoEncoder(path, precision) if backend == "openvino" else OnnxRuntimeEncoder(path)

    try:
        path = cached_export(model)
    except OSError as err:
        warnings.warn(f"could not cache the ONNX export ({err}); exporting to a temporary folder", stacklevel=2)
        with tempfile.TemporaryDirectory(prefix="stancekit-onnx-") as tmp:
            return load(export_onnx(model, Path(tmp) / "encoder.onnx"))
    return load(path)


def with_encoder(model: Any, encode: Any) -> Any:
    """``model`` with its encoder pass replaced by ``encode(ids, mask, type_ids) -> hidden``."""
    return _WithEncoder(model, encode)
