"""Optional extras (train, jax, llm, plot, bench): the modules each one provides, and one clear line when one is missing.

Heavy dependencies are imported only by the code that uses them, so a plain
install runs everything else. Code that needs an extra calls
`require_extra("train", "reasonenv train")` before importing it; the CLI
also turns any ModuleNotFoundError for one of these modules into the same
one-line message (see `missing_extra`).
"""

from __future__ import annotations

import importlib.util

EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "train": ("ray", "torch"),
    "jax": ("jax", "flax", "optax"),
    "llm": ("openai",),
    "plot": ("matplotlib",),
    "bench": ("bfi",),
}
"""Extra name (as in pyproject.toml's optional-dependencies) -> top-level modules it installs."""

_EXTRA_OF_MODULE = {module: extra for extra, modules in EXTRA_MODULES.items() for module in modules}


class MissingExtraError(ImportError):
    """A feature needs an optional extra that is not installed; str() is the one line to show."""

    def __init__(self, extra: str, module: str, feature: str | None = None) -> None:
        self.extra = extra
        self.module = module
        what = feature or "this"
        super().__init__(
            f"{what} needs the optional '{extra}' extra ({module} is not installed): "
            f"pip install 'reasonenv[{extra}]'  (in a clone: pip install -e '.[{extra}]')",
            name=module,
        )


def require_extra(extra: str, feature: str | None = None) -> None:
    """Raise MissingExtraError unless every module of `extra` can be imported (nothing is imported here)."""
    if extra not in EXTRA_MODULES:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRA_MODULES)}")
    for module in EXTRA_MODULES[extra]:
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError(extra, module, feature)


def missing_extra(error: ModuleNotFoundError, feature: str | None = None) -> MissingExtraError | None:
    """The MissingExtraError an import failure amounts to, or None when the module belongs to no extra."""
    top = (error.name or "").partition(".")[0]
    extra = _EXTRA_OF_MODULE.get(top)
    return None if extra is None else MissingExtraError(extra, top, feature)
