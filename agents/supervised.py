"""Supervised pretraining of the torch network on demonstrations (reference solutions), written as a run directory
whose checkpoint `TrainConfig.init_from` and `agents.policies.load_policy` accept.

    cfg = TrainConfig(curriculum="bf-basics", task_length=64, max_program_length=16, model=ModelSettings(dim=32))
    done = train_supervised(cfg, "runs/sl", SupervisedSettings(demos_per_entry=64, updates=300, batch_size=128))
    TrainConfig(..., init_from="runs/sl")                 # PPO starts from these weights (supervised-then-RL)

`cfg` is the TrainConfig of the RL run that follows: its network, its
observation shape (task_length, max_program_length, action_slots) and its
curriculum, whose distinct entries (over every stage) are the tasks
demonstrated. The network is the RLlib backend's own module
(agents.backends.rllib.module_spec, built for the training env's spaces), so
the weights load into that backend's learner unchanged.

Demonstrations: for each entry, `demos_per_entry` training-content
instances; each reference program (curricula.base.reference_solution) is
tokenised through the env's token table and replayed in the env, STOP last,
so every observation, mask and execution rows included, is exactly what the
agent sees (padded to the training env's action slots; under `end_on_pass`
the demonstration ends where the env ends the episode). Programs without a reference or longer
than max_program_length - 1 tokens are skipped and counted. Training is
next-token cross-entropy on the network's masked logits (Adam, gradient
norm clipped at `grad_clip`), `updates` batches of `batch_size` steps drawn
with replacement.

The run directory: config.json (cfg), supervised.json (settings, demo
counts, loss per update), summary.md, and checkpoints/iter_000000 holding
the module at algorithm/learner_group/learner/rl_module/default_policy (no
optimizer or env runner state: it starts runs, it is not resumed itself).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from agents import run_dir as rd
from agents.config import TrainConfig

OBS_KEYS = ("task", "program", "action_mask", "action_effects")
"""The observation arrays every network reads; a config with `execution` adds the execution rows (the training env's
observation space names them all)."""
RESULT_FILE = "supervised.json"


@dataclass
class SupervisedSettings:
    """How much supervised pretraining: demonstrations per entry, updates, batch size, optimiser."""

    demos_per_entry: int = 64
    """Reference solutions per curriculum entry (training-content instances)."""
    updates: int = 300
    batch_size: int = 128
    """Demonstration steps (observation, next token) per update."""
    lr: float = 1e-3
    grad_clip: float = 0.5
    seed: int = 0

    def validate(self) -> SupervisedSettings:
        for name in ("demos_per_entry", "updates", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SupervisedSettings.{name} must be an integer >= 1, got {value!r}")
        if not 0 < self.lr <= 1:
            raise ValueError(f"SupervisedSettings.lr must be a number in (0, 1], got {self.lr!r}")
        return self


@dataclass
class Demonstrations:
    """Teacher-forced steps: stacked observations (OBS_KEYS) and the next token of each."""

    observations: dict[str, np.ndarray]
    actions: np.ndarray
    programs: int
    """Reference programs replayed."""
    skipped: int
    """Instances without a reference, or whose reference does not fit max_program_length."""

    def __len__(self) -> int:
        return int(self.actions.shape[0])


@dataclass
class SupervisedResult:
    """What train_supervised did; the weights are in `run`."""

    run: Path
    tokens: int
    """Supervised tokens seen: updates x batch (one token = one observation forward and backward)."""
    demo_programs: int
    demo_skipped: int
    demo_steps: int
    losses: list[float] = field(default_factory=list)
    parameters: int = 0


def training_env(cfg: TrainConfig):
    """The RLlib backend's training env for cfg (its spaces are the module's)."""
    from agents.backends.rllib import env_config, make_training_env

    return make_training_env(env_config(cfg, None))


def curriculum_entries(curriculum: str) -> list[tuple[str, int | None, dict[str, Any], str]]:
    """Distinct (family, level, config, language) over every stage of a curriculum (language None -> bf)."""
    from curricula.schedulers import load_curriculum

    seen: dict[tuple, tuple[str, int | None, dict[str, Any], str]] = {}
    for entry in load_curriculum(curriculum).entries():
        language = entry.language or "bf"  # CurriculumConfig.language, the env's default for entries naming none
        key = (entry.family, entry.level, tuple(sorted(entry.config.items())), language)
        seen.setdefault(key, (entry.family, entry.level, dict(entry.config), language))
    return list(seen.values())


class _Recorder:
    """Replays programs in envs shaped as cfg's training env, recording every (observation, next action) step."""

    def __init__(self, cfg: TrainConfig):
        shape = training_env(cfg)
        self.cfg = cfg
        self.task_length = int(shape.observation_space["task"].shape[0])
        self.slots = int(shape.action_space.n)
        self.keys = list(shape.observation_space.keys())  # OBS_KEYS, and the execution rows when cfg.execution
        shape.close()
        self.steps: dict[str, list[np.ndarray]] = {key: [] for key in self.keys}
        self.actions: list[int] = []
        self.used = self.skipped = 0

    def env(self, language: str, **task: Any) -> Any:
        """A SynthesisEnv of `language` with the training env's task length, program cap, execution rows, end rule
        and action slots (padded)."""
        from reasonenv.envs.action_wrappers import PadActions
        from reasonenv.envs.synthesis import SynthesisEnv

        env: Any = SynthesisEnv(
            language=language,
            scoring="binary",
            step_penalty=0.0,
            task_length=self.task_length,
            max_program_length=self.cfg.max_program_length,
            execution=self.cfg.execution,
            end_on_pass=self.cfg.end_on_pass,
            **task,
        )
        return PadActions(env, self.slots) if env.action_space.n < self.slots else env

    def replay(self, env: Any, observation: Any, program) -> None:
        """Step `program` from `observation`; keep its steps when the episode ends within it (end_on_pass ends it
        once the visible examples pass, STOP always), else count it skipped."""
        rows: dict[str, list[np.ndarray]] = {key: [] for key in self.keys}
        taught: list[int] = []
        for action in program:
            for key in self.keys:
                rows[key].append(np.asarray(observation[key]))
            taught.append(int(action))
            observation, _, terminated, truncated, _ = env.step(int(action))
            if terminated or truncated:
                for key in self.keys:
                    self.steps[key].extend(rows[key])
                self.actions.extend(taught)
                self.used += 1
                return
        self.skipped += 1

    def demonstrations(self, nothing: str) -> Demonstrations:
        if not self.actions:
            raise ValueError(nothing)
        stacked = {key: np.stack(values) for key, values in self.steps.items()}
        return Demonstrations(stacked, np.asarray(self.actions, np.int64), self.used, self.skipped)


def demonstrations(cfg: TrainConfig, per_entry: int, seed: int = 0) -> Demonstrations:
    """Reference solutions of cfg.curriculum's entries replayed in envs shaped as cfg's training env."""
    from curricula.base import reference_solution

    recorder = _Recorder(cfg)
    rng = np.random.default_rng(seed)
    for family, level, config, language in curriculum_entries(cfg.curriculum):
        env = recorder.env(language, task=family, difficulty=level, task_config=config or None, content_split="train")
        for _ in range(per_entry):
            observation, _ = env.reset(seed=int(rng.integers(2**31)))
            text = reference_solution(env.unwrapped.instance, language)
            tokens = None if text is None else env.unwrapped.token_table.actions(text)
            if tokens is None or len(tokens) >= cfg.max_program_length:
                recorder.skipped += 1
                continue
            recorder.replay(env, observation, [*tokens, 0])  # STOP last
        env.close()
    return recorder.demonstrations(
        f"no demonstration fits: curriculum {cfg.curriculum!r} gave {recorder.skipped} instances without a "
        f"reference solution shorter than max_program_length={cfg.max_program_length}"
    )


def kept_programs(run_or_checkpoint: str | Path) -> list[tuple[Any, str, tuple[int, ...]]]:
    """(instance, language, action ids) of every kept success (agents.kept) in a run's newest checkpoint (or in the
    checkpoint given): the programs a run found itself, relabelled ones included. ValueError names the path when
    it holds none."""
    from agents.kept import KEPT_FILE, KeptSuccesses

    checkpoint = rd.resolve_checkpoint(Path(run_or_checkpoint))
    found = sorted(Path(checkpoint).rglob(KEPT_FILE))
    buffer = KeptSuccesses(top_k=1_000_000)
    if not found or not buffer.load(found[0], log=lambda line: None) or not len(buffer):
        raise ValueError(f"{run_or_checkpoint}: its checkpoint {checkpoint} holds no kept successes")
    return [(entry.instance, entry.language, tuple(entry.actions)) for entry in buffer.entries()]


def replayed_demonstrations(cfg: TrainConfig, programs) -> Demonstrations:
    """Demonstrations of given programs, (instance, language, action ids) each, replayed in envs shaped as cfg's
    training env (a run's own successes: `kept_programs`). A program that does not replay to its end (more
    actions than max_program_length allows) is skipped and counted."""
    recorder = _Recorder(cfg)
    envs: dict[tuple[str, str], Any] = {}  # one env per language and family, reset with each program's instance
    for instance, language, program in programs:
        key = (language, instance.family)
        if key not in envs:
            envs[key] = recorder.env(language, task=instance.family)
        observation, _ = envs[key].reset(options={"instance": instance})
        recorder.replay(envs[key], observation, program)
    for env in envs.values():
        env.close()
    return recorder.demonstrations(f"no program replayed to its end ({recorder.skipped} skipped)")


def build_module(cfg: TrainConfig):
    """The RLlib backend's RL module for cfg (agents.backends.rllib.module_spec on the training env's spaces)."""
    from agents.backends.rllib import module_spec

    env = training_env(cfg)
    spec = module_spec(cfg)
    spec.observation_space, spec.action_space = env.observation_space, env.action_space
    env.close()
    return spec.build()


def train_supervised(
    cfg: TrainConfig,
    run_dir: str | Path,
    settings: SupervisedSettings | None = None,
    *,
    log=print,
    programs=None,
) -> SupervisedResult:
    """Next-token pretraining of a fresh network on demonstrations of cfg.curriculum (its reference solutions), or
    of `programs` ((instance, language, action ids) each: `kept_programs` of a run); writes the run directory."""
    settings = (settings or SupervisedSettings()).validate()
    cfg.validate()
    run_dir = Path(run_dir).resolve()
    started = time.perf_counter()
    torch.manual_seed(settings.seed)
    module = build_module(cfg)
    if programs is None:
        demos = demonstrations(cfg, settings.demos_per_entry, settings.seed)
    else:
        demos = replayed_demonstrations(cfg, programs)
    losses = fit(module, demos, settings)
    parameters = sum(p.numel() for p in module.parameters())
    batch = min(settings.batch_size, len(demos))
    result = SupervisedResult(
        run=run_dir,
        tokens=settings.updates * batch,
        demo_programs=demos.programs,
        demo_skipped=demos.skipped,
        demo_steps=len(demos),
        losses=losses,
        parameters=parameters,
    )
    save(module, cfg, run_dir, settings, result, time.perf_counter() - started)
    log(
        f"supervised: {demos.programs} demonstrations ({len(demos)} steps, {demos.skipped} skipped), "
        f"{settings.updates} updates, loss {losses[0]:.3f} -> {losses[-1]:.3f}; weights in {run_dir}"
    )
    return result


def fit(module: Any, demos: Demonstrations, settings: SupervisedSettings) -> list[float]:
    """Cross-entropy of the module's net on demonstration steps; the loss of every update."""
    rng = np.random.default_rng(settings.seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=settings.lr)
    observations = {key: torch.as_tensor(value) for key, value in demos.observations.items()}
    targets = torch.as_tensor(demos.actions)
    batch = min(settings.batch_size, len(demos))
    losses = []
    module.train()
    for _ in range(settings.updates):
        rows = torch.as_tensor(rng.integers(len(demos), size=batch))
        logits, _ = module.net({key: value[rows] for key, value in observations.items()})
        loss = F.cross_entropy(logits, targets[rows])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), settings.grad_clip)
        optimizer.step()
        losses.append(float(loss.item()))
    module.eval()
    return losses


def save(
    module: Any, cfg: TrainConfig, run_dir: Path, settings: SupervisedSettings, result: SupervisedResult, seconds: float
) -> None:
    """config.json, supervised.json, summary.md, and the module as checkpoint iter_000000 (what init_from reads)."""
    from curricula.schedulers import load_curriculum

    def save_module(algorithm: Path) -> None:
        folder = algorithm.joinpath(*rd.MODULE_PATH)
        folder.parent.mkdir(parents=True, exist_ok=True)
        module.save_to_path(str(folder))

    run_dir.mkdir(parents=True, exist_ok=True)
    rd.write_json(run_dir / rd.CONFIG, cfg.to_dict())
    rd.save_checkpoint(
        run_dir,
        0,
        save_module,
        load_curriculum(cfg.curriculum).state_dict(),
        {"iteration": 0, "timesteps": 0, "wall_s": seconds, "programs": 0},
        keep=1,
    )
    record = {k: v for k, v in asdict(result).items() if k != "run"}
    rd.write_json(run_dir / RESULT_FILE, {"settings": asdict(settings), **record, "seconds": seconds})
    rd.write_atomic(
        run_dir / rd.SUMMARY,
        f"# Supervised pretraining\n\n{result.demo_programs} reference programs ({result.demo_steps} steps, "
        f"{result.demo_skipped} skipped) of {cfg.curriculum}; {settings.updates} updates of {min(settings.batch_size, result.demo_steps)} "
        f"steps; loss {result.losses[0]:.4f} -> {result.losses[-1]:.4f}; {result.parameters:,} parameters.\n",
    )
