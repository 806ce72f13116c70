"""The entry point of `reasonenv/Synthesis-v0`: one id for every language, task and mode (token, text, feedback)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym

from reasonenv.envs.config import MODES


def make_synthesis_env(render_mode: str | None = None, mode: str = "token", **kwargs: Any) -> gym.Env:
    """`SynthesisEnv` (mode="token"), `TextSynthesisEnv` ("text") or `FeedbackSynthesisEnv` ("feedback") with `kwargs`.

    `language`, `task`, `difficulty`, ... are those of the chosen class;
    unknown ones raise TypeError listing the accepted ones.
    """
    env_class: Callable[..., gym.Env]
    if mode == "token":
        from reasonenv.envs.synthesis import SynthesisEnv

        env_class = SynthesisEnv
    elif mode == "text":
        from reasonenv.envs.text import TextSynthesisEnv

        env_class = TextSynthesisEnv
    elif mode == "feedback":
        from reasonenv.envs.feedback import FeedbackSynthesisEnv

        env_class = FeedbackSynthesisEnv
    else:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    try:
        return env_class(render_mode=render_mode, **kwargs)
    except TypeError as err:
        raise TypeError(f"{err}; and for reasonenv/Synthesis-v0: mode ({'|'.join(MODES)})") from err


# gymnasium reads `metadata` off an entry point that is a function; mypy does not model function attributes.
make_synthesis_env.metadata = {"render_modes": ["ansi"], "render_fps": 4}  # type: ignore[attr-defined]
