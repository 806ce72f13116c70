#!/bin/sh
# Install torch so that CPU-only machines get the small CPU build and GPU machines keep CUDA.
# A GPU user (nvidia-smi works) gets PyPI's default build. On a CPU-only machine we first try a
# wheel that pip's configured find-links already holds (no download), then PyTorch's CPU index.
set -eu
PIP="${PIP:-pip}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
if "$PIP" show torch >/dev/null 2>&1; then
    echo "torch already installed: $("$PIP" show torch | sed -n 's/^Version: //p')"
    exit 0
fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
    echo "NVIDIA GPU found: installing torch==$TORCH_VERSION (CUDA build)"
    exec "$PIP" install --quiet "torch==$TORCH_VERSION"
fi
echo "no GPU: installing the CPU build of torch==$TORCH_VERSION"
if "$PIP" install --quiet --no-index "torch==$TORCH_VERSION" 2>/dev/null; then
    exit 0
fi
exec "$PIP" install --quiet "torch==$TORCH_VERSION" \
    --index-url "${TORCH_CPU_INDEX_URL:-https://download.pytorch.org/whl/cpu}" \
    --extra-index-url "${PIP_INDEX_URL:-https://pypi.org/simple}"
