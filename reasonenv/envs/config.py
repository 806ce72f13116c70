"""Argument dataclasses of the environments, validated on construction, and the strict kwargs check `gym.make` relies on.

Each environment takes keyword arguments (what `gym.make(id, **kwargs)`
passes); they fill one of these dataclasses, whose `validate()` names the
field, the value and the allowed range. Unknown keywords raise a TypeError
naming them and listing the accepted ones, never silently dropped.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from esolangs.base import ACTION_ORDERS
from esolangs.validation import (
    check_bool_field,
    check_choice_field,
    check_int_field,
    check_number_field,
    check_text_field,
)

REWARD_ON = ("final", "best")
CONTENT_SPLITS = ("all", "train", "heldout")
"""Values of `content_split` (the same as `curricula.heldout.CONTENT_SPLITS`)."""
MODES = ("token", "text", "feedback")


class _ValidatedDataclass(Protocol):
    """What `config_from_kwargs` builds: a dataclass whose `validate()` checks it and returns it."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def validate(self) -> Any: ...


C = TypeVar("C", bound=_ValidatedDataclass)


def config_from_kwargs(config_class: type[C], kwargs: Mapping[str, Any], owner: str) -> C:
    """Build and validate `config_class` from keyword arguments; unknown ones raise TypeError naming them."""
    accepted = [f.name for f in dataclasses.fields(config_class)]
    unknown = [key for key in kwargs if key not in accepted]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise TypeError(
            f"{owner} got unexpected keyword argument(s) {', '.join(hints)}; "
            f"accepted: render_mode, {', '.join(accepted)}"
        )
    return config_class(**kwargs).validate()


def scoring_modes() -> tuple[str, ...]:
    """The modes `curricula.scoring.score` accepts (binary, fraction, pqt, prefix, ...)."""
    from curricula.scoring import mode_names

    return tuple(mode_names())


# The field checks of esolangs.validation: each raises one ValueError naming `Type.field`, the value and the range.
_check_int = check_int_field
_check_float = check_number_field
_check_bool = check_bool_field
_check_choice = check_choice_field
_check_str = check_text_field


@dataclass(frozen=True)
class TaskChoice:
    """Which task an environment poses and how its instances are drawn."""

    language: str = "bf"
    """Language name as `esolangs.get` accepts it: bf, ook, befunge93, whitespace, bf-dialect-<seed>, bf+eof=unchanged."""
    task: str = "reverse"
    """Task family name (see `reasonenv tasks`)."""
    difficulty: int | None = None
    """Difficulty level of the family config (0 is easiest); None keeps the family defaults."""
    task_config: dict[str, Any] | None = None
    """Overrides of the family's config fields, e.g. {"num_tests": 8}."""
    scoring: str | None = None
    """Scoring mode: binary, fraction, pqt or prefix; None uses the instance's own default."""
    instance_seed: int | None = None
    """Fixed generation seed of the instances; None draws one from the env's RNG at every reset."""
    num_instances: int | None = None
    """Instance indices are drawn from [0, num_instances); None: the family's size, else [0, 2**31)."""
    content_split: str = "all"
    """Which content instances may have (`curricula.heldout`): all, train (never held-out content) or heldout."""
    cache_size: int = 4096
    """Verdicts of (instance, program) pairs kept in an LRU cache; 0 disables it."""

    def validate(self) -> TaskChoice:
        _check_str(self, "language")
        _check_str(self, "task")
        _check_int(self, "difficulty", 0, 1000, optional=True)
        if self.task_config is not None and not isinstance(self.task_config, dict):
            raise ValueError(
                f"{type(self).__name__}.task_config must be a dict of family config fields or None, got {self.task_config!r}"
            )
        _check_choice(self, "scoring", scoring_modes(), optional=True)
        _check_int(self, "instance_seed", 0, 2**63 - 1, optional=True)
        _check_int(self, "num_instances", 1, 2**31, optional=True)
        _check_choice(self, "content_split", CONTENT_SPLITS)
        _check_int(self, "cache_size", 0, 10_000_000)
        return self


@dataclass(frozen=True)
class TokenOptions:
    """What the token-level environments share: program length, task encoding size, masking, shaping."""

    max_program_length: int = 64
    """Program tokens allowed; reaching it truncates the episode (the program is still verified)."""
    task_length: int | None = None
    """Length of the `task` observation array; None measures the task's examples (see docs/envs.md)."""
    mask_actions: bool = True
    """Fill `action_mask` with the syntactic rules; False gives all ones (for tokens of the language)."""
    step_penalty: float = 0.0
    """Subtracted from the reward at every step (a small length penalty); 0 keeps the reward sparse."""
    invalid_program_penalty: float = 0.0
    """Subtracted from the final reward when the program is a syntax_error on any test."""
    action_order: str | None = None
    """'canonical' (alphabet order) or 'seeded' (a fixed permutation drawn from the language, for bf-dialect-<seed>
    from its seed); None: seeded for bf-dialect-<seed>, canonical for the others. See `obs["action_effects"]`."""
    execution: bool = False
    """Add the `execution` observation (the program so far run on the visible examples) and `info["potential"]`;
    see `reasonenv.envs.execution`. Brainfuck family and Befunge-93 (Gymnasium env only); Whitespace gets all-zero
    rows and potential 0."""
    execution_examples: int = 3
    """Rows of the `execution` observation: runs on the first visible examples (1..64)."""
    execution_steps: int = 256
    """Step budget of each execution run; a run that spends it shows status OUT_OF_STEPS (1..1,000,000)."""
    execution_output: int = 8
    """Output bytes shown per run, beside the expected ones (0..1024): the row has 13 + 2*execution_output tokens."""
    end_on_pass: bool = False
    """End the episode (terminated, `info["end"]` 'pass') at the first token after which the program, run on the
    execution rows' visible examples, has finished (every run READY, no loop open) with exactly each expected
    output; it is then verified on the hidden tests as at STOP. Needs `execution` (the runs it reads)."""

    def validate(self) -> TokenOptions:
        _check_int(self, "max_program_length", 1, 65_536)
        _check_int(self, "task_length", 8, 1_048_576, optional=True)
        _check_bool(self, "mask_actions")
        _check_float(self, "step_penalty", 0.0, 1.0)
        _check_float(self, "invalid_program_penalty", 0.0, 100.0)
        _check_choice(self, "action_order", ACTION_ORDERS, optional=True)
        _check_bool(self, "execution")
        _check_int(self, "execution_examples", 1, 64)
        _check_int(self, "execution_steps", 1, 1_000_000)
        _check_int(self, "execution_output", 0, 1024)
        _check_bool(self, "end_on_pass")
        if self.end_on_pass and not self.execution:
            raise ValueError(
                f"{type(self).__name__}.end_on_pass reads the execution runs on the visible examples: set execution=True"
            )
        return self


@dataclass(frozen=True)
class SynthesisConfig(TokenOptions, TaskChoice):
    """Arguments of `SynthesisEnv` (token level)."""

    def validate(self) -> SynthesisConfig:
        TaskChoice.validate(self)
        TokenOptions.validate(self)
        return self


@dataclass(frozen=True)
class TextConfig(TaskChoice):
    """Arguments of `TextSynthesisEnv` (one step, program as text)."""

    max_prompt_length: int = 32_768
    """Characters of the observation Text space; a longer prompt raises ValueError naming both lengths."""
    max_program_chars: int = 4096
    """Characters of the action Text space (program text)."""

    def validate(self) -> TextConfig:
        TaskChoice.validate(self)
        _check_int(self, "max_prompt_length", 256, 10_000_000)
        _check_int(self, "max_program_chars", 1, 1_000_000)
        return self


@dataclass(frozen=True)
class FeedbackConfig(TextConfig):
    """Arguments of `FeedbackSynthesisEnv` (several attempts, interpreter feedback in between)."""

    max_attempts: int = 5
    """Attempts allowed; the episode terminates at the first one passing every hidden test, or after the last."""
    reward_on: str = "final"
    """Reward of the episode: the 'final' attempt's score or the 'best' attempt's."""
    feedback_chars: int = 2000
    """Characters of interpreter feedback kept per attempt (longer feedback is cut, marked '[...]')."""

    def validate(self) -> FeedbackConfig:
        TextConfig.validate(self)
        _check_int(self, "max_attempts", 1, 100)
        _check_choice(self, "reward_on", REWARD_ON)
        _check_int(self, "feedback_chars", 100, 1_000_000)
        return self


@dataclass(frozen=True)
class CurriculumConfig(TokenOptions):
    """Arguments of `CurriculumEnv` (token level, task drawn from a scheduler at every reset)."""

    curriculum: str = "bf-basics"
    """A shipped curriculum name (bf-basics, befunge-basics, mixed, ...) or a YAML file path."""
    curriculum_state: dict[str, Any] | None = None
    """A scheduler state (from `get_curriculum_state()`) to start from, so rebuilt envs keep their stage."""
    language: str = "bf"
    """Language of curriculum entries that name none."""
    scoring: str | None = None
    """Scoring mode: binary, fraction, pqt or prefix; None uses each instance's default."""
    update_scheduler: bool = True
    """Report every finished episode to the env's own scheduler; False when only a callback moves stages."""
    success_threshold: float = 1.0
    """An episode counts as a success for the scheduler when passed/total reaches this fraction."""
    content_split: str = "all"
    """Which content instances may have (`curricula.heldout`): all, train (training runs) or heldout (evaluation)."""
    cache_size: int = 4096
    """Verdicts of (instance, program) pairs kept in an LRU cache; 0 disables it."""

    def validate(self) -> CurriculumConfig:
        TokenOptions.validate(self)
        _check_str(self, "curriculum")
        if self.curriculum_state is not None and not isinstance(self.curriculum_state, dict):
            raise ValueError(
                f"CurriculumConfig.curriculum_state must be a dict from get_curriculum_state() or None, got {self.curriculum_state!r}"
            )
        _check_str(self, "language")
        _check_choice(self, "scoring", scoring_modes(), optional=True)
        _check_bool(self, "update_scheduler")
        _check_float(self, "success_threshold", 0.0, 1.0)
        _check_choice(self, "content_split", CONTENT_SPLITS)
        _check_int(self, "cache_size", 0, 10_000_000)
        return self
