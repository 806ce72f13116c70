"""Token-level synthesis whose task (family, config, language) a curriculum scheduler picks at every reset and learns from every episode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reasonenv.envs.config import CurriculumConfig, config_from_kwargs
from reasonenv.envs.encoding import TokenTable, fit_length, token_table
from reasonenv.envs.synthesis import TokenSynthesisBase
from reasonenv.envs.tasks import TaskSource, language_name
from reasonenv.envs.verdict_cache import Verdict, VerdictCache

if TYPE_CHECKING:
    from curricula.schedulers import TaskSpec


class CurriculumEnv(TokenSynthesisBase):
    """Token-level synthesis over a curriculum: the scheduler picks each episode's task and moves through stages.

    ## Description
    As `SynthesisEnv`, but at every reset a scheduler
    (`curricula.schedulers.load_curriculum(curriculum)`) samples the task:
    a family, its difficulty level and config, and a language. Each
    finished episode is reported back (`EpisodeResult(family, success,
    reward, key, stage)`), so a staged curriculum promotes itself once the
    success rate over its window reaches the threshold. A training
    callback that aggregates results over many envs pushes its state with
    `set_curriculum_state(state)` (through `env.unwrapped.call(...)` in a
    vector env) and reads it with `get_curriculum_state()`.

    ## Action Space
    `Discrete(1 + the largest alphabet among the curriculum's languages)`:
    action 0 is STOP, action i >= 1 is token i-1 of the episode's
    language (in the env's `action_order`, per language). Actions beyond the
    episode's alphabet are always masked; taking one anyway ends the
    episode as a failure (`end="invalid_token"`).

    ## Observation Space
    As `SynthesisEnv`, with arrays sized for the largest stage so the
    shapes never change: `task` (the longest encoding over every
    curriculum entry, +25%), `program` (`max_program_length`),
    `action_mask` and `action_effects` (the action count above; the effects
    follow the episode's language, `pad` past its alphabet), `family`, and
    `language` (`Discrete(len(env.languages))`: the index of the episode's
    language in the sorted tuple `env.languages`, local to this env), and
    with `execution=True` the `execution` rows (as `SynthesisEnv`; all 0 in
    an episode whose language is Whitespace).

    ## Rewards
    As `SynthesisEnv`.

    ## Starting State
    A task spec sampled from the scheduler with `self.np_random`, then an
    instance of it drawn from `self.np_random` (reset options `seed` and
    `index` fix the instance of the sampled task).

    ## Episode End
    As `SynthesisEnv`: terminated at STOP, truncated at `max_program_length`.

    ## Arguments
    `curriculum` ("bf-basics"; a shipped name or a YAML path),
    `curriculum_state` (a state dict to start from), `language` ("bf", for
    entries that name none), `update_scheduler` (True), `success_threshold`
    (1.0: every hidden test must pass), `content_split` ("all"; "train"
    never draws held-out content, "heldout" only held-out content, see
    `curricula.heldout`), and `scoring`,
    `max_program_length`, `task_length`, `mask_actions`, `action_order`, `step_penalty`,
    `invalid_program_penalty`, `cache_size`, `execution`, `execution_examples`,
    `execution_steps`, `execution_output` as in `SynthesisEnv`.

    `info` as in `SynthesisEnv` (potential included with `execution=True`), plus stage and curriculum_key.

    ## Version History
    - v0: initial version.
    """

    def __init__(self, render_mode: str | None = None, **kwargs: Any):
        import esolangs
        from curricula.schedulers import load_curriculum

        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self.config = config_from_kwargs(CurriculumConfig, kwargs, type(self).__name__)
        self.options = self.config
        config = self.config
        self.scheduler = load_curriculum(config.curriculum)
        if config.curriculum_state is not None:
            self.scheduler.load_state_dict(config.curriculum_state)
        entries = self.scheduler.entries()
        self.languages = tuple(sorted({language_name(e.language or config.language) for e in entries}))
        self.tables: dict[str, TokenTable] = {
            name: token_table(esolangs.get(name), config.action_order) for name in self.languages
        }
        self.scoring = config.scoring
        self.cache = VerdictCache(config.cache_size)
        self._sources: dict[tuple, TaskSource] = {}
        self._spec: TaskSpec | None = None
        longest = max(self._source(e.family, e.level, e.config, e.language).longest_encoding() for e in entries)
        task_length = config.task_length or fit_length(longest)
        self._build_spaces(list(self.tables.values()), task_length)

    def _source(self, family: str, level: int | None, config: Mapping[str, Any], language: str | None) -> TaskSource:
        language = language_name(language or self.config.language)
        key = (family, level, json.dumps(dict(config), sort_keys=True, default=str), language)
        source = self._sources.get(key)
        if source is None:
            source = TaskSource(family, language, level=level, config=config, content_split=self.config.content_split)
            self._sources[key] = source
        return source

    def _next_task(self, options):
        spec = self.scheduler.sample(self.np_random)
        source = self._source(spec.family, spec.level, spec.config, spec.language)
        instance, key = source.sample(self.np_random, options)
        self._spec = spec
        table = self.tables[source.language]
        return (
            instance,
            key,
            table,
            self.languages.index(source.language),
            {"stage": spec.stage, "curriculum_key": spec.key},
        )

    def _episode_finished(self, verdict: Verdict | None, reward: float, info: dict[str, Any]) -> None:
        from curricula.schedulers import EpisodeResult

        spec = self._spec
        assert spec is not None, "_next_task sets the spec at every reset, before any episode can finish"
        success = (
            verdict is not None
            and verdict.total > 0
            and verdict.passed >= self.config.success_threshold * verdict.total
        )
        info["stage"] = spec.stage
        info["curriculum_key"] = spec.key
        info["curriculum_success"] = success
        if self.config.update_scheduler:
            self.scheduler.update([EpisodeResult(spec.family, success, float(reward), key=spec.key, stage=spec.stage)])

    # ------------------------------------------------------------------ curriculum control
    def get_curriculum_state(self) -> dict[str, Any]:
        """The scheduler's state (`state_dict()`), JSON-ready: stage, window, history..."""
        return self.scheduler.state_dict()

    def set_curriculum_state(self, state: Mapping[str, Any]) -> None:
        """Load a scheduler state (e.g. the one a training callback aggregated); takes effect at the next reset."""
        self.scheduler.load_state_dict(state)

    @property
    def curriculum_stage(self) -> int:
        """The current stage (0 for schedulers without stages)."""
        return int(getattr(self.scheduler, "stage", 0))
