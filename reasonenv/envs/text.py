"""Single-step text synthesis for LLMs and scripted agents: the prompt is the observation, the program text is the action."""

from __future__ import annotations

import string
import unicodedata
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from curricula.base import Instance
from reasonenv.envs.config import TextConfig, config_from_kwargs
from reasonenv.envs.errors import ActionOutOfRange, ActionTypeError, EpisodeEnded
from reasonenv.envs.verdict_cache import Verdict, VerdictCache

PROMPT_CHARSET = string.printable
"""Observation characters: printable ASCII, space, tab, newline, CR, VT, FF. Prompts are made ASCII (see `to_ascii`)."""
PROGRAM_CHARSET = string.printable
"""Action characters: every language's commands are printable ASCII or space, tab, newline."""

_ASCII_FOR = {
    "\u2014": "--",
    "\u2013": "-",
    "\u2212": "-",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2191": "^",
    "\u2193": "v",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u00d7": "x",
    "\u00b7": "*",
    "\u2022": "*",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u00a0": " ",
    "\u2248": "~=",
    "\u21d2": "=>",
}
_CHARSET = frozenset(PROMPT_CHARSET)


def to_ascii(text: str) -> str:
    """`text` in PROMPT_CHARSET: common typography transliterated, accents dropped, anything else as \\uXXXX."""
    if all(c in _CHARSET for c in text):
        return text
    out = []
    for char in text:
        if char in _CHARSET:
            out.append(char)
        elif char in _ASCII_FOR:
            out.append(_ASCII_FOR[char])
        else:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain if plain and all(c in _CHARSET for c in plain) else f"\\u{ord(char):04x}")
    return "".join(out)


def show_bytes(data: bytes) -> str:
    """Bytes as a double-quoted literal: printable ASCII as is, \\n, \\t, \\\\, \\" and \\xNN for the rest."""
    parts = []
    for byte in data:
        char = chr(byte)
        if char == "\n":
            parts.append("\\n")
        elif char == "\t":
            parts.append("\\t")
        elif char in '\\"':
            parts.append("\\" + char)
        elif 32 <= byte < 127:
            parts.append(char)
        else:
            parts.append(f"\\x{byte:02x}")
    return '"' + "".join(parts) + '"'


def build_prompt(instance: Instance, language: str) -> str:
    """The task prompt: description, I/O format, visible examples, the spec, the language's documentation, the answer format."""
    from curricula.spec import spec_statement
    from curricula.verify import language_for

    lang = language_for(instance, language)
    lines = [
        f"# Task: {instance.family}",
        "",
        instance.description.strip(),
        "",
        f"Input/output: {instance.io_format.strip()}",
        "",
        "Examples (byte strings: \\n is a newline, \\xNN a byte in hexadecimal):",
    ]
    for number, example in enumerate(instance.examples, 1):
        lines.append(f"  {number}. input: {show_bytes(example.input)}  output: {show_bytes(example.output)}")
    if not instance.examples:
        lines.append("  (none)")
    statement = spec_statement(instance)
    if statement:
        lines += ["", statement]
    lines += [
        "",
        f"# Language: {getattr(lang, 'title', '') or lang.name}",
        "",
        lang.doc.strip(),
        "",
        "# Answer",
        f"The action is the program text alone, in {getattr(lang, 'title', '') or lang.name}. It runs once per hidden "
        f"test on that test's input, with at most {instance.max_steps} steps, and must write exactly the expected output.",
    ]
    return to_ascii("\n".join(lines) + "\n")


class TextSynthesisEnv(gym.Env[str, str]):
    """Answer a task prompt with a whole program in one step; the program is run on hidden tests.

    ## Description
    For language models and scripted agents. Each episode poses one
    instance of a task family in one language. The observation is the
    prompt text: the task description, its I/O format, the visible
    examples, the spec (`curricula.spec.spec_statement`: what the examples
    do not show, e.g. the bytes to print), the language's documentation (with the instance's
    interpreter options) and the answer format. The action is the program
    text; it runs on the hidden tests and is scored; the episode ends.

    ## Action Space
    `Text(max_length=max_program_chars, min_length=0, charset=string.printable)`.

    ## Observation Space
    `Text(max_length=max_prompt_length, min_length=1, charset=string.printable)`;
    prompts are ASCII (typography transliterated, bytes shown escaped).

    ## Rewards
    The program's score on the hidden tests in the `scoring` mode (binary
    by default for most families: 1 if every test passes, else 0).

    ## Starting State
    An instance drawn from `self.np_random` (or fixed by
    `options={"seed": s, "index": i}` or `options={"instance": inst}`).

    ## Episode End
    Terminated after the one step.

    ## Arguments
    `language` ("bf"), `task` ("reverse"), `difficulty`, `task_config`,
    `scoring`, `instance_seed`, `num_instances`, `content_split`, `cache_size` as in
    `SynthesisEnv`; `max_prompt_length` (32768 characters; a longer
    prompt raises ValueError), `max_program_chars` (4096).
    `render_mode="ansi"` renders the prompt and the answer.

    `info` at reset: family, language, instance_id, seed, index. After the
    step: program, passed, total, success, statuses, steps, score.

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}
    config_class = TextConfig

    def __init__(self, render_mode: str | None = None, **kwargs: Any):
        from reasonenv.envs.tasks import TaskSource

        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self.config = config_from_kwargs(self.config_class, kwargs, type(self).__name__)
        config = self.config
        self.source = TaskSource(
            config.task,
            config.language,
            level=config.difficulty,
            config=config.task_config,
            instance_seed=config.instance_seed,
            num_instances=config.num_instances,
            content_split=config.content_split,
        )
        self.language = self.source.language
        self.cache = VerdictCache(config.cache_size)
        self.observation_space = spaces.Text(self.observation_length(), min_length=1, charset=PROMPT_CHARSET)
        self.action_space = spaces.Text(config.max_program_chars, min_length=0, charset=PROGRAM_CHARSET)
        self._instance: Instance | None = None
        self._done = True
        self._prompt = ""
        self._answers: list[str] = []
        self._last_info: dict[str, Any] = {}

    def observation_length(self) -> int:
        return self.config.max_prompt_length

    @property
    def instance(self) -> Instance | None:
        """The instance posed by the current episode; None before the first reset."""
        return self._instance

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self._instance, self._instance_key = self.source.sample(self.np_random, options)
        self._prompt = build_prompt(self._instance, self.language)
        if len(self._prompt) > self.config.max_prompt_length:
            raise ValueError(
                f"the prompt of {self._instance.id} in {self.language} has {len(self._prompt)} characters, more than "
                f"max_prompt_length={self.config.max_prompt_length}; pass a larger max_prompt_length"
            )
        self._answers = []
        self._done = False
        self._last_info = {}
        info = {
            "family": self._instance.family,
            "language": self.language,
            "instance_id": self._instance.id,
            "seed": self._instance.seed,
            "index": self._instance.index,
        }
        return self._prompt, info

    def _check_program(self, action) -> str:
        if self._done:
            if self._instance is None:
                raise EpisodeEnded("step() was called before reset(); call reset() first")
            raise EpisodeEnded(
                "step() was called after the episode ended (terminated or truncated); call reset() first"
            )
        if not isinstance(action, str):
            raise ActionTypeError(
                f"action must be the program text as a str (Text space), got {type(action).__name__} {action!r:.80}"
            )
        if len(action) > self.config.max_program_chars:
            raise ActionOutOfRange(
                f"program text has {len(action)} characters, more than max_program_chars={self.config.max_program_chars}"
            )
        bad = next((c for c in action if c not in _CHARSET), None)
        if bad is not None:
            raise ActionOutOfRange(
                f"program text holds {bad!r} at offset {action.index(bad)}, outside the action charset (printable ASCII, "
                "space, tab, newline); remove comments in other characters"
            )
        return action

    def _verify(self, program: str) -> Verdict:
        assert self._instance is not None, "_check_program refuses a step before reset()"
        return self.cache.verify(self._instance, self._instance_key, program, self.language, self.config.scoring)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        program = self._check_program(action)
        verdict = self._verify(program)
        self._answers.append(program)
        self._done = True
        info = {"program": program, **verdict.info()}
        self._last_info = info
        return self._prompt, verdict.reward, True, False, info

    def render(self):
        if self.render_mode is None:
            gym.logger.warn(
                'You are calling render method without specifying any render mode, e.g. gym.make(id, render_mode="ansi")'
            )
            return None
        if self._instance is None:
            return f"{type(self).__name__}: call reset() to pose a task\n"
        text = self._prompt
        for number, answer in enumerate(self._answers, 1):
            text += f"\n--- answer {number} ---\n{answer}\n"
        if "passed" in self._last_info:
            text += f"--- passed {self._last_info['passed']}/{self._last_info['total']} hidden tests ---\n"
        return text
