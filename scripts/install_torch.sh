#!/bin/sh
# Install torch: the CUDA build on a machine with an NVIDIA GPU, else the small CPU build,
# taken from wherever pip can already get it, without minutes of retries on unreachable indexes.
#
# With an NVIDIA GPU: the CUDA build (PyPI's, when pip's sources would otherwise pick a local +cpu wheel).
# Order on a machine without a GPU:
#   1. pip's configured sources (index, extra-index-url, find-links) already offer a CPU
#      build (a local version like 2.13.0+cpu): install from them. A dry-run resolution
#      decides this in seconds, without downloading the wheel.
#   2. else PyTorch's CPU index, tried once with a short timeout and no retries;
#   3. else pip's default build from the configured sources (on Linux the large CUDA build).
# Environment: PIP (default pip), TORCH_VERSION, TORCH_CPU_INDEX_URL, INDEX_TIMEOUT (seconds),
# DRY_RUN=1 (resolve and print the choice, install nothing; used by the tests).
set -eu
PIP="${PIP:-pip}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
TORCH_CPU_INDEX_URL="${TORCH_CPU_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
INDEX_TIMEOUT="${INDEX_TIMEOUT:-15}"
DRY_RUN="${DRY_RUN:-0}"
SPEC="torch==$TORCH_VERSION"

install() {  # install() ARGS...: pip install, or with DRY_RUN=1 only resolve
    if [ "$DRY_RUN" = 1 ]; then
        "$PIP" install --quiet --dry-run --ignore-installed --no-deps "$@"
    else
        "$PIP" install --quiet "$@"
    fi
}

if [ "$DRY_RUN" != 1 ] && "$PIP" show torch >/dev/null 2>&1; then
    echo "torch already installed: $("$PIP" show torch | sed -n 's/^Version: //p')"
    exit 0
fi

REPORT="$(mktemp "${TMPDIR:-/tmp}/torch-resolve.XXXXXX")"
trap 'rm -f "$REPORT"' EXIT

configured_offers_cpu_build() {  # does `pip install torch==V` from the configured sources pick a +cpu build?
    "$PIP" install --quiet --dry-run --ignore-installed --no-deps --retries 0 --timeout "$INDEX_TIMEOUT" \
        --report "$REPORT" "$SPEC" >/dev/null 2>&1 \
        && grep -q "\"version\": \"$TORCH_VERSION+cpu\"" "$REPORT"
}

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
    if configured_offers_cpu_build; then
        # ==V would take the local +cpu wheel (a local version sorts above V); ===V is PyPI's CUDA build exactly
        echo "NVIDIA GPU found: installing torch===$TORCH_VERSION, PyPI's CUDA build (not the CPU build pip's sources also offer)"
        install "torch===$TORCH_VERSION"
    else
        echo "NVIDIA GPU found: installing $SPEC (the CUDA build)"
        install "$SPEC"
    fi
    exit 0
fi

# macOS wheels on PyPI are CPU builds already.
if [ "$(uname -s)" = Darwin ]; then
    echo "macOS: installing $SPEC (PyPI's build is the CPU build)"
    install "$SPEC"
    exit 0
fi

if configured_offers_cpu_build; then
    echo "no GPU: installing $SPEC, the CPU build ($TORCH_VERSION+cpu) that pip's configured sources offer"
    install "$SPEC"
    exit 0
fi

echo "no GPU: installing the CPU build of $SPEC from $TORCH_CPU_INDEX_URL"
if install "$SPEC" --retries 0 --timeout "$INDEX_TIMEOUT" \
        --index-url "$TORCH_CPU_INDEX_URL" --extra-index-url "${PIP_INDEX_URL:-https://pypi.org/simple}"; then
    exit 0
fi

echo "$TORCH_CPU_INDEX_URL cannot be reached: installing $SPEC from pip's configured sources (may be the larger CUDA build)"
install "$SPEC"
