"""Gymnasium environments: token-level, text and multi-attempt program synthesis, and curriculum-driven synthesis.

The classes load lazily (`from reasonenv.envs import SynthesisEnv` imports
curricula and esolangs then), so `import reasonenv` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "SynthesisEnv": "reasonenv.envs.synthesis",
    "TextSynthesisEnv": "reasonenv.envs.text",
    "FeedbackSynthesisEnv": "reasonenv.envs.feedback",
    "CurriculumEnv": "reasonenv.envs.curriculum",
    "make_synthesis_env": "reasonenv.envs.generic",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reasonenv.envs' has no attribute {name!r}")
