#!/usr/bin/env bash
# The throughput benchmark on one CUDA GPU, as one prepared script (about 8 minutes on an H200).
#
# The GPU machine has no network and no access to ../shared/data, and the model weights (90 MB in
# fp32) are over what travels with the working tree (64 MiB), so it runs in two steps:
#
#   1. here, on the CPU machine (needs the shared data and the venv):
#        bash benchmarks/gpu.sh prepare [MODEL_DIR]
#      writes .bench/corpus.jsonl (the fixed corpus, 6,000 units) and .bench/model (the model —
#      MODEL_DIR, else load_model(None), the shipped model —
#      saved with fp16 weights, ~45 MB). .bench/ is ignored through .git/info/exclude.
#   2. on the GPU machine (the device tool: carry [".bench"]):
#        bash benchmarks/gpu.sh run
#      uses the machine's own python3 (torch, transformers, tokenizers, safetensors, numpy are
#      there), puts src/ on PYTHONPATH, runs benchmarks/throughput.py on cuda over the corpus
#      repeated 8 times (48,000 units), and writes benchmarks/results/throughput-cuda.json, the
#      updated benchmarks/RESULTS.md and the log to $OUT (when set) to be committed from here.
#
# Rows: the plain baseline (fp32, batches of 32, input order), the engine at its defaults
# (precision auto = bf16 on Hopper, batch_size 64, max_batch_tokens 8192), fp32 and fp16, and the
# engine with GPU-sized batches (--tuned 1024,65536).
set -euo pipefail
cd "$(dirname "$0")/.."

step="${1:-run}"
case "$step" in
prepare)
    model_dir="${2:-}"
    mkdir -p .bench
    if [ -d .git ] && ! grep -qx '/.bench/' .git/info/exclude 2>/dev/null; then
        echo '/.bench/' >>.git/info/exclude
    fi
    python benchmarks/throughput.py --save-corpus .bench/corpus.jsonl
    python - "$model_dir" <<'EOF'
import sys
from pathlib import Path
import torch
from stancekit.serialization import load_model, save
src = sys.argv[1] or None
model, tok = load_model(src)
save(model, tok, ".bench/model", dtype=torch.float16)
desc = src or "models/stancekit-news-small"
Path(".bench/MODEL").write_text(desc + "\n")
print("saved", desc, "to .bench/model")
EOF
    du -sh .bench
    ;;
run)
    test -f .bench/corpus.jsonl && test -f .bench/model/config.json || {
        echo "no .bench/: run 'bash benchmarks/gpu.sh prepare' on the CPU machine first and carry .bench" >&2
        exit 2
    }
    PY="${PYTHON:-python3}"
    export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
    "$PY" -c 'import torch, transformers, tokenizers, safetensors, numpy; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available(), "transformers", transformers.__version__, "tokenizers", tokenizers.__version__)'
    out="${OUT:-benchmarks/results}"
    mkdir -p "$out"
    set +e
    timeout 450 "$PY" benchmarks/throughput.py --device cuda \
        --model .bench/model --model-desc "$(cat .bench/MODEL 2>/dev/null || echo .bench/model) (fp16 storage)" \
        --corpus .bench/corpus.jsonl --repeat 8 --rounds 5 --tuned 1024,65536 \
        --note "H200 via benchmarks/gpu.sh; corpus repeated 8x" \
        --out benchmarks/results/throughput-cuda.json 2>&1 | tee "$out/gpu-bench.log"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$out" != benchmarks/results ]; then
        cp benchmarks/results/throughput-cuda.json benchmarks/RESULTS.md "$out"/ 2>/dev/null || true
    fi
    exit "$rc"
    ;;
*)
    echo "usage: bash benchmarks/gpu.sh prepare [MODEL_DIR] | run" >&2
    exit 2
    ;;
esac
