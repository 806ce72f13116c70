"""Token-level program synthesis: each step emits one command token or STOP; the finished program is verified on hidden tests."""

from __future__ import annotations

from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from curricula.base import FAMILY_ID_CAPACITY, Instance, family_ids
from curricula.spec import instance_spec
from esolangs.knowledge import NUM_EFFECTS
from reasonenv.envs.config import SynthesisConfig, TokenOptions, config_from_kwargs
from reasonenv.envs.encoding import (
    STOP,
    TASK_VOCAB,
    MaskState,
    TokenTable,
    encode_task,
)
from reasonenv.envs.errors import ActionOutOfRange, ActionTypeError, EpisodeEnded
from reasonenv.envs.execution import ExecutionObserver, bf_options
from reasonenv.envs.verdict_cache import Verdict, VerdictCache

END_STOP = "stop"
END_MAX_LENGTH = "max_length"
END_INVALID_TOKEN = "invalid_token"
END_PASS = "pass"
"""The env ended the episode: the program passes the visible examples (option `end_on_pass`)."""

TokenObservation = dict[str, np.ndarray]
"""An observation of the token envs: the arrays of `observation_space` by key.

`family` and `language` (Discrete) are np.int64 scalars, which numpy treats as 0-d arrays.
"""


class TokenSynthesisBase(gym.Env[TokenObservation, np.int64]):
    """Machinery shared by the token-level envs: spaces, masking, stepping, verification, rendering.

    A subclass sets `self.options` (TokenOptions), `self.languages`,
    `self.cache`, calls `_build_spaces(tables, task_length)` in its
    constructor, and implements `_next_task(options)` returning
    (instance, instance_key, TokenTable, language index, extra reset info).
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    options: TokenOptions
    languages: tuple[str, ...]
    cache: VerdictCache
    scoring: str | None

    def _build_spaces(self, tables: list[TokenTable], task_length: int) -> None:
        self.num_actions = max(table.num_actions for table in tables)
        self.task_length = task_length
        self.action_space = spaces.Discrete(self.num_actions)
        length = self.options.max_program_length
        keys: dict[str, spaces.Space] = {
            "task": spaces.Box(0, TASK_VOCAB - 1, shape=(task_length,), dtype=np.int32),
            "family": spaces.Discrete(FAMILY_ID_CAPACITY),
            "language": spaces.Discrete(len(self.languages)),
            "program": spaces.Box(0, self.num_actions - 1, shape=(length,), dtype=np.int32),
            "action_mask": spaces.Box(0, 1, shape=(self.num_actions,), dtype=np.int8),
            "action_effects": spaces.Box(0, NUM_EFFECTS - 1, shape=(self.num_actions,), dtype=np.int32),
        }
        # The program so far run on the visible examples (reasonenv.envs.execution), when the env option asks for it.
        self._execution: ExecutionObserver | None = None
        if self.options.execution:
            self._execution = ExecutionObserver(
                self.options.execution_examples, self.options.execution_steps, self.options.execution_output
            )
            keys["execution"] = spaces.Box(0, TASK_VOCAB - 1, shape=self._execution.shape, dtype=np.int32)
        self.observation_space = spaces.Dict(keys)
        # Effect id per action slot, per language: fixed for the env's life, looked up at every observation.
        self._action_effects = {table.language: table.action_effects(self.num_actions) for table in tables}
        self._family_ids = family_ids()
        self._program = np.zeros(length, dtype=np.int32)
        self._actions: list[int] = []
        self._mask_states: dict[str, MaskState] = {}
        self._instance: Instance | None = None
        self._done = True
        self._last_info: dict[str, Any] = {}

    # ------------------------------------------------------------------ subclass hook
    def _next_task(self, options: dict[str, Any] | None) -> tuple[Instance, str, TokenTable, int, dict[str, Any]]:
        raise NotImplementedError

    def _episode_finished(self, verdict: Verdict | None, reward: float, info: dict[str, Any]) -> None:
        """Called once per finished episode (the curriculum env reports it to its scheduler)."""

    # ------------------------------------------------------------------ read-only views
    @property
    def instance(self) -> Instance | None:
        """The instance posed by the current episode; None before the first reset."""
        return self._instance

    @property
    def token_table(self) -> TokenTable | None:
        """The current episode's token table (action ids <-> program text); None before the first reset."""
        return getattr(self, "_table", None)

    # ------------------------------------------------------------------ gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[TokenObservation, dict[str, Any]]:
        super().reset(seed=seed)
        instance, key, table, language_index, extra = self._next_task(options)
        self._instance, self._instance_key, self._table = instance, key, table
        self._language_index = np.int64(language_index)
        if instance.family not in self._family_ids:
            raise ValueError(
                f"instance family {instance.family!r} is not registered; known: {', '.join(self._family_ids)}"
            )
        self._family_id = np.int64(self._family_ids[instance.family])
        self._task_obs = encode_task(instance.examples, instance_spec(instance), self.task_length)
        mask = self._mask_states.get(table.language)
        if mask is None:
            mask = MaskState(table, self.options.max_program_length, self.num_actions, self.options.mask_actions)
            self._mask_states[table.language] = mask
        self._mask = mask
        self._mask.reset()
        self._program[:] = 0
        self._actions = []
        self._done = False
        info = {
            "family": instance.family,
            "language": table.language,
            "instance_id": instance.id,
            "seed": instance.seed,
            "index": instance.index,
            "program_length": 0,
            **extra,
        }
        if self._execution is not None:
            self._execution.start(instance, table, bf_options(instance, table.language))
            info["potential"] = self._execution.potential()
        return self._observation(), info

    def step(self, action: int | np.integer | np.ndarray) -> tuple[TokenObservation, float, bool, bool, dict[str, Any]]:
        if self._done:
            if self._instance is None:
                raise EpisodeEnded("step() was called before reset(); call reset() first")
            raise EpisodeEnded(
                "step() was called after the episode ended (terminated or truncated); call reset() first"
            )
        instance = self._instance
        assert instance is not None, "an episode that has not ended was started by reset()"
        act = self._check_action(action)
        table = self._table
        reward = 0.0 - float(self.options.step_penalty)
        terminated = truncated = False
        end: str | None = None
        if act == STOP:
            terminated, end = True, END_STOP
        elif act >= table.num_actions:
            terminated, end = True, END_INVALID_TOKEN
        else:
            self._program[len(self._actions)] = act
            self._actions.append(act)
            self._mask.push(act)
            if self._execution is not None:
                self._execution.push(act)
            if (
                self.options.end_on_pass
                and self._execution is not None
                and self._mask.open_loops == 0
                and self._execution.passes_visible()
            ):
                terminated, end = True, END_PASS
            elif len(self._actions) >= self.options.max_program_length:
                truncated, end = True, END_MAX_LENGTH
        info: dict[str, Any] = {"program_length": len(self._actions)}
        if self._execution is not None:
            info["potential"] = self._execution.potential()
        if end is not None:
            self._done = True
            program = table.text(self._actions)
            verdict = None
            if end == END_INVALID_TOKEN:
                reward -= self.options.invalid_program_penalty
                info.update(passed=0, total=len(instance.tests), success=False, statuses=(), steps=(), score=0.0)
            else:
                verdict = self.cache.verify(instance, self._instance_key, program, table.language, self.scoring)
                reward += verdict.reward
                if verdict.syntax_error:
                    reward -= self.options.invalid_program_penalty
                info.update(verdict.info())
            info.update(program=program, actions=tuple(self._actions), end=end)
            self._episode_finished(verdict, reward, info)
        self._last_info = info
        return self._observation(), reward, terminated, truncated, info

    def _check_action(self, action) -> int:
        plain_int = isinstance(action, (int, np.integer)) and not isinstance(action, (bool, np.bool_))
        int_scalar_array = (
            isinstance(action, np.ndarray) and action.shape == () and np.issubdtype(action.dtype, np.integer)
        )
        if plain_int or int_scalar_array:
            act = int(action)
        else:
            raise ActionTypeError(
                f"action must be an integer in [0, {self.num_actions - 1}] (Discrete({self.num_actions})), "
                f"got {action!r} of type {type(action).__name__}"
            )
        if not 0 <= act < self.num_actions:
            raise ActionOutOfRange(
                f"action {act} is outside Discrete({self.num_actions}): 0 is STOP and 1..{self.num_actions - 1} "
                f"are the tokens {list(self._table.tokens) if self._instance is not None else ''}"
            )
        return act

    def _observation(self) -> TokenObservation:
        observation = {
            "task": self._task_obs.copy(),
            # np.int64 scalars (Discrete spaces): numpy scalars act as 0-d arrays; the cast only tells mypy so.
            "family": cast(np.ndarray, self._family_id),
            "language": cast(np.ndarray, self._language_index),
            "program": self._program.copy(),
            "action_mask": self._mask.mask(),
            "action_effects": self._action_effects[self._table.language].copy(),
        }
        if self._execution is not None:
            observation["execution"] = self._execution.observation()
        return observation

    def action_masks(self) -> np.ndarray:
        """The current mask as booleans (the method name sb3-contrib's MaskablePPO calls)."""
        return self._mask.mask().astype(bool)

    def render(self):
        if self.render_mode is None:
            gym.logger.warn(
                f"You are calling render method without specifying any render mode. "
                f'You can specify the render_mode at initialization, e.g. gym.make("{self.spec.id if self.spec else type(self).__name__}", render_mode="ansi")'
            )
            return None
        if self._instance is None:
            return f"{type(self).__name__}: call reset() to pose a task\n"
        return self._render_ansi()

    def _render_ansi(self) -> str:
        instance, table = self._instance, self._table
        assert instance is not None, "render() shows a placeholder before the first reset"
        lines = [
            f"task {instance.id} ({instance.family}) in {table.language}",
            instance.description.strip().splitlines()[0] if instance.description.strip() else "",
        ]
        for number, example in enumerate(instance.examples, 1):
            lines.append(f"  example {number}: {example.input!r} -> {example.output!r}")
        program = table.text(self._actions)
        status = "ended" if self._done else "writing"
        lines.append(f"program ({len(self._actions)}/{self.options.max_program_length} tokens, {status}): {program!r}")
        if self._done and "passed" in self._last_info:
            lines.append(f"passed {self._last_info['passed']}/{self._last_info['total']} hidden tests")
        return "\n".join(lines) + "\n"


class SynthesisEnv(TokenSynthesisBase):
    """Write a program one command token at a time; it is run on hidden tests when the episode ends.

    ## Description
    Each episode poses one instance of a task family (e.g. reverse the
    input) in one esoteric language (Brainfuck, Ook!, a Brainfuck dialect,
    Befunge-93 or Whitespace). The agent sees the instance's visible
    examples and emits the program token by token. When it emits STOP, or
    the program reaches `max_program_length` tokens, the program runs on
    the instance's hidden tests under the instance's step budget
    (`curricula.verify.execute`) and is scored (`curricula.scoring.score`).
    A new instance is drawn at every reset from the env's RNG.

    ## Action Space
    `Discrete(len(alphabet) + 1)`: action 0 is STOP; action i >= 1 appends
    token i-1 of the language's alphabet (`esolangs.get(language).alphabet`;
    Brainfuck: `> < + - . , [ ]` -> actions 1..8), in the env's `action_order`:
    canonical (the alphabet's) or seeded (a fixed permutation drawn from the
    language; the default for bf-dialect-<seed>).

    ## Observation Space
    `Dict` of fixed-shape integer arrays:
    - `task`: `Box(0, 263, (task_length,), int32)`, the visible examples:
      `IN(1) input bytes OUT(2) output bytes END(3)` per example, a byte b
      as 8+b, then the spec when the task has one (`SPEC(5) field FIELD(6)
      field ...`: what the examples do not show, numbers as decimal digits),
      padded with 0 (CUT(4) marks a cut encoding).
    - `family`: `Discrete(curricula.FAMILY_ID_CAPACITY)`, the family's stable
      global id (`curricula.family_ids()`); an agent that must generalise to
      unseen families should not rely on it.
    - `language`: `Discrete(1)`, always 0: an index local to the env (the
      curriculum env mixes languages), not a global language id.
    - `program`: `Box(0, A-1, (max_program_length,), int32)`, the action ids
      emitted so far, padded with 0 (= STOP, which never enters a program).
    - `action_mask`: `Box(0, 1, (A,), int8)`, 1 where the action is allowed.
    - `action_effects`: `Box(0, NUM_EFFECTS-1, (A,), int32)`, the effect id
      (`esolangs.knowledge.EFFECTS`) of every action slot: STOP is `stop`,
      slots past the alphabet `pad`. Map actions through it, not by index:
      dialects shuffle their action order.
    - `execution` (only with `execution=True`): `Box(0, 263, (E, 13+2L),
      int32)`, E = `execution_examples`, L = `execution_output`: the
      program so far run on each visible example (or, with none, once on
      empty input toward `TaskFamily.visible_output`), one row per run:
      status (0 none, 1 ready, 2 waiting on an unclosed `[`, 3 out of
      steps, 4 error), pointer, cell, tape window ptr-2..ptr+2, input
      consumed and length, output length, next expected byte (END when
      done, CUT after a wrong byte, PAD when unknown), then L pairs
      (expected byte, output byte); bytes as 8+b, PAD (0) where absent.
      Layout in `reasonenv.envs.execution`. Brainfuck, Ook! and dialects,
      and Befunge-93 (its own columns 1..7: IP x, stack top, IP y,
      direction, string mode, second entry, depth; status 1 means halted
      at `@`, 2 waiting on a cell not written yet); Whitespace gives
      all-zero rows.

    ## Rewards
    Sparse by default: 0 on every step but the last, whose reward is the
    score of the program on the hidden tests in the `scoring` mode (binary:
    1 if every test passes, else 0; fraction: passed/total; pqt: PQT's
    shaped reward; prefix: credit for correct output prefixes). Options:
    `step_penalty` is subtracted at every step, `invalid_program_penalty`
    when the program is a syntax_error.

    ## Starting State
    An instance drawn from `self.np_random` (or `options={"seed": s, "index": i}`
    or `options={"instance": inst}`) and an empty program.

    ## Episode End
    Terminated when the agent emits STOP, or (option `end_on_pass`) at the
    first token after which the program so far, run on the visible
    examples of the execution rows, has finished with exactly their
    expected outputs and no loop open. Truncated when the program
    reaches `max_program_length` tokens; the program is still verified and
    rewarded on that step. (This limit is an env argument, not a
    `TimeLimit`: the wrapper would end the episode without verifying.)

    ## Arguments
    `gym.make("reasonenv/BF-Reverse-v0", render_mode=None, **kwargs)` with:
    - `language` ("bf"), `task` ("reverse"), `difficulty` (None: family
      defaults), `task_config` (dict of family config overrides),
      `scoring` (None: the instance's default; binary|fraction|pqt|prefix),
    - `max_program_length` (64), `task_length` (None: measured from the
      task's examples, +25%, rounded up to a multiple of 64),
      `mask_actions` (True; False: all ones), `action_order` (None:
      seeded for bf-dialect-<seed>, else canonical; or canonical|seeded),
      `step_penalty` (0.0), `invalid_program_penalty` (0.0),
    - `instance_seed` (None: drawn), `num_instances` (None: the family's
      size or 2**31), `content_split` ("all"; "train" never draws held-out
      content, "heldout" only held-out content: `curricula.heldout`),
      `cache_size` (4096 verdicts, LRU),
    - `execution` (False: no `execution` key, no potential),
      `execution_examples` (3 rows), `execution_steps` (256: each run's
      step budget), `execution_output` (8 output bytes shown per row),
      `end_on_pass` (False; needs `execution`).
    `render_mode="ansi"` renders the task and the program so far.

    `info` at reset: family, language, instance_id, seed, index. At every
    step: program_length. At the end also: program (text), actions (the
    action ids, a tuple), end (stop, max_length, pass, invalid_token), passed, total, success,
    statuses and steps (per hidden test), score. With `execution=True`, at
    reset and every step: potential (float, `reasonenv.envs.execution.potential_of`
    of the program so far; 0 for Whitespace).

    ## Version History
    - v0: initial version; later, without a version bump (the defaults
      keep every observation as it was): the `execution` option and
      `info["actions"]` at the end; then Befunge-93 `execution` rows and
      potential (all 0 before); then the `end_on_pass` option.
    """

    def __init__(self, render_mode: str | None = None, **kwargs: Any):
        from reasonenv.envs.encoding import token_table
        from reasonenv.envs.tasks import TaskSource

        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self.config = config_from_kwargs(SynthesisConfig, kwargs, type(self).__name__)
        self.options = self.config
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
        import esolangs

        self.table = token_table(esolangs.get(self.source.language), config.action_order)
        self.languages = (self.source.language,)
        self.scoring = config.scoring
        self.cache = VerdictCache(config.cache_size)
        task_length = config.task_length or self.source.measured_task_length()
        self._build_spaces([self.table], task_length)

    def _next_task(self, options):
        instance, key = self.source.sample(self.np_random, options)
        return instance, key, self.table, 0, {}
