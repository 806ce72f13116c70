"""The one boundary between the experiments and a trainer: train, fine-tune, supervised pretraining, greedy success, PQT.

    net = Net("pointer+memory", dim=32, task_length=64, max_program_length=16, action_slots=9)
    pre = train(net, Curriculum("bf-basics", last_stage=5), out / "models/pm__s0", env_steps=150_000, seed=0)
    tuned = train(net, curriculum_entries("bf-basics", 5, "ook"), out / "models/pm__s0__ook",
                  env_steps=10_000, seed=7919, init_from=pre.run)                     # fine-tuning
    sl = supervised(net, entries, out / "models/sl__s0", demos_per_entry=64, updates=300, batch_size=128,
                    lr=1e-3, seed=0)
    both = train(net, Curriculum("bf-basics", 5), out / "models/slrl__s0", env_steps=100_000, init_from=sl.run)
    greedy_success(net, tuned.run, entries, instances=32)     # {"success": mean rate, "entries": {key: {...}}}
    chance_success(net, entries, instances=32)                # reasonenv.policy.RandomMaskedPolicy's
    pqt_search(instance, budget=5000, seed=0)                 # Search(programs, first_success)

The experiments call nothing else of a trainer: every training call leaves
a run directory (`run`, today holding `model.pt`) that `init_from` and
`greedy_success` accept, so swapping the trainer changes this module only.
Only the functions import agents (and torch), so `--help` stays fast.

Today the calls run on agents/experiment_trainer.py (a synchronous PPO over
padded token envs), agents/experiment_models.py (the arms' networks) and
agents/pqt_baseline.py. In the next phase each training call becomes one
agents.config.TrainConfig run through agents.loop.train(config, run):

    arm             model.name      model.actions   permute_actions
    pointer+memory  small-context   pointer         False
    pointer+window  small-window    pointer         False
    index+memory    small-context   index           False
    index+window    small-window    index           False
    full-context    full-context    index           False   (today's full-context reads program tokens
                                                             by index and scores actions with a plain head)
    permuted-plain  small-context   index+effects   True    (in pretraining only: fine-tuning and
                                                             evaluation keep the language's order)

and, for every arm, ModelSettings(dim=net.dim, heads=net.heads,
layers=net.layers, window=net.window, top_k=net.top_k, hidden=2 * net.dim)
and TrainConfig(seed=seed, timesteps=env_steps, programs=programs,
task_length=net.task_length, max_program_length=net.max_program_length,
action_slots=net.action_slots (9: Brainfuck's, 39: Befunge-93's, so one net
serves every target), permute_actions=ARMS[arm].permute_actions unless the
call says otherwise, init_from=init_from (fine-tuning, supervised-then-RL),
reward.scoring=scoring, ppo.lr=lr, ppo.entropy_coeff=entropy_coeff,
rllib.num_envs_per_env_runner (or jax.num_envs)=num_envs). What to train on:
`Curriculum(name, last_stage)` is TrainConfig.curriculum=name cut to stages
0..last_stage, and a list of entries a one-stage curriculum of those entries
at equal weight, both written as curriculum files into the run directory
(curricula.schedulers.load_curriculum accepts a path). Still to be given a
TrainConfig field there: an entry that pins one instance (the PQT tasks'
seed-0 cases) and `stop_at_first_success` (a stop condition of the loop).
To keep today's numbers comparable, state what differs from TrainConfig's
defaults: the reward today is clip(env reward, -1, 1) with step_penalty
0.0005 and no success bonus (RewardSettings(shaped_weight=1.0,
success_bonus=0.0, step_penalty=0.0005)), and PPO runs gamma 1, GAE 0.95,
entropy 0.01 (not 0.1), 16 steps per env per iteration, minibatch 256, 2
epochs (agents.experiment_trainer.PPOConfig).
`supervised` becomes agents/supervised.py writing a checkpoint that
init_from accepts; `greedy_success` reads any checkpoint through
agents.policies; `pqt_search` stays on agents/pqt_baseline.py.

Budgets are counted, never timed: env steps (tokens emitted, STOP included)
or programs (finished episodes, each executed on the hidden tests).
"""

from __future__ import annotations

import contextlib
import functools
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.common import mean_rate, write_atomic


@dataclass(frozen=True)
class ArmModel:
    """What an arm is in TrainConfig terms (ModelSettings.name / .actions, TrainConfig.permute_actions)."""

    name: str
    actions: str
    permute_actions: bool = False


ARMS: dict[str, ArmModel] = {
    "pointer+memory": ArmModel("small-context", "pointer"),
    "pointer+window": ArmModel("small-window", "pointer"),
    "index+memory": ArmModel("small-context", "index"),
    "index+window": ArmModel("small-window", "index"),
    "full-context": ArmModel("full-context", "index"),
    "permuted-plain": ArmModel("small-context", "index+effects", permute_actions=True),
}
"""The arms of the transfer ablation (the table in the module docstring)."""


@dataclass(frozen=True)
class Net:
    """An arm's network and the one observation shape every env of an experiment is padded to."""

    arm: str = "pointer+memory"
    dim: int = 32
    layers: int = 1
    heads: int = 2
    window: int = 16
    top_k: int = 8
    task_length: int = 64
    max_program_length: int = 16
    action_slots: int = 9
    """Action slots (Befunge-93 has 39; Brainfuck's 9 are padded with masked slots up to this)."""

    def __post_init__(self) -> None:
        if self.arm not in ARMS:
            raise ValueError(f"unknown arm {self.arm!r}; choose one of {', '.join(ARMS)}")

    @classmethod
    def of(cls, args: Any, arm: str = "pointer+memory", action_slots: int = 9) -> Net:
        """The net of an experiment's arguments (their dim, layers, window, task_length, max_program_length)."""
        return cls(
            arm,
            dim=args.dim,
            layers=args.layers,
            window=args.window,
            task_length=args.task_length,
            max_program_length=args.max_program_length,
            action_slots=action_slots,
        )


@dataclass(frozen=True)
class Entry:
    """One thing to ask: a task family at a level (or config), in a language; `instance` pins one instance."""

    family: str
    level: int | None = None
    config: tuple = ()
    language: str = "bf"
    instance: Any = None

    @property
    def key(self) -> str:
        """'family-L<level>-k=v@language': the name of the entry in cells and tables."""
        level = f"-L{self.level}" if self.level is not None else ""
        extra = "-" + ",".join(f"{k}={v}" for k, v in self.config) if self.config else ""
        return f"{self.family}{level}{extra}@{self.language}"


@dataclass(frozen=True)
class Curriculum:
    """Stages 0..last_stage of a shipped curriculum, asked in `language`, with its promotion rule."""

    name: str
    last_stage: int
    language: str = "bf"


def curriculum_entries(name: str, last_stage: int, language: str = "bf") -> list[Entry]:
    """The distinct (family, level, config) of stages 0..last_stage of curriculum `name`, asked in `language`."""
    return [Entry(family, level, config, language) for family, level, config in _stage_entries(name, last_stage)]


@functools.cache
def _stage_entries(name: str, last_stage: int) -> tuple[tuple[str, int | None, tuple], ...]:
    # Cached: an experiment asks for the same stages in every cell, and parsing the YAML takes a tenth of a second.
    from curricula.schedulers import load_curriculum

    stages = getattr(load_curriculum(name), "stages", None)
    if stages is None:
        raise ValueError(
            f"curriculum {name!r} has no stages; the experiments need a staged curriculum (e.g. bf-basics)"
        )
    keys: dict[tuple, None] = {}
    for stage in stages[: last_stage + 1]:
        for m in stage.mixture:
            keys.setdefault((m.family, m.level, tuple(sorted(m.config.items()))), None)
    return tuple(keys)


@dataclass
class Trained:
    """What a training call did; its weights are in the run directory `run`."""

    run: Path
    env_steps: int
    programs: int
    stage_reached: int
    curve: list[tuple[int, int, float]]
    """(env steps, programs, sampled success of the episodes finished in that iteration) per iteration."""
    first_success: tuple[int, str] | None
    """(programs executed when an episode first passed, its program), over every entry trained on."""
    parameters: int
    seconds: float

    def counters(self) -> dict:
        """What a cell records of a training run (everything but the run directory and the first success)."""
        return {
            "env_steps": self.env_steps,
            "programs": self.programs,
            "stage_reached": self.stage_reached,
            "curve": self.curve,
            "parameters": self.parameters,
            "seconds": self.seconds,
        }


@dataclass
class Supervised:
    """What supervised pretraining did; its weights are in the run directory `run` (an `init_from` for train)."""

    run: Path
    tokens: int
    """Supervised tokens seen: updates x batch (one token = one observation forward and backward)."""
    demo_programs: int
    demo_skipped: int
    demo_steps: int
    loss_first: float
    loss_last: float
    parameters: int


@dataclass
class Search:
    """What a PQT search did."""

    programs: int
    first_success: tuple[int, str] | None
    curve: list[tuple[int, float]] = field(default_factory=list)


def is_trained(run: Path) -> bool:
    """Does the run directory hold finished weights (a crashed run leaves none: they are written whole)?"""
    return (Path(run) / "model.pt").is_file()


def train(
    net: Net,
    on: Curriculum | Sequence[Entry],
    run: Path,
    *,
    env_steps: int | None = None,
    programs: int | None = None,
    seed: int = 0,
    lr: float = 1e-3,
    entropy_coeff: float = 0.01,
    scoring: str = "binary",
    num_envs: int = 32,
    init_from: Path | None = None,
    permute_actions: bool | None = None,
    stop_at_first_success: bool = False,
) -> Trained:
    """PPO of `net` on a curriculum (with promotion) or a mixture of entries (equal weights) for a budget.

    The budget is `env_steps` or `programs` (finished episodes), whichever is
    given and reached first. `init_from` starts from the weights of an
    earlier run (fine-tuning, supervised-then-RL); `permute_actions`
    (default: the arm's own, True only for permuted-plain) draws a fresh
    action order every episode. The weights are written to `run`.
    """
    torch = _torch()
    from agents.experiment_trainer import CurriculumSampler, MixtureSampler, PPOConfig, VecTokenEnv, ppo_train

    torch.manual_seed(seed)
    model = _build(net)
    if init_from is not None:
        model.load_state_dict(_load(init_from))
    if isinstance(on, Curriculum):
        sampler: Any = CurriculumSampler(on.name, on.language, last_stage=on.last_stage)
    else:
        sampler = MixtureSampler([_trainer_entry(e) for e in on])
    permute = ARMS[net.arm].permute_actions if permute_actions is None else permute_actions
    venv = VecTokenEnv(sampler, num_envs, _shape(net), permute=permute, seed=seed, scoring=scoring)
    started = time.perf_counter()
    log = ppo_train(
        model,
        venv,
        PPOConfig(lr=lr, entropy_coeff=entropy_coeff),
        env_steps=env_steps,
        programs=programs,
        seed=seed,
        stop=(lambda log: bool(log.first_success)) if stop_at_first_success else None,
    )
    seconds = time.perf_counter() - started
    _save(model, run)
    return Trained(
        run=Path(run),
        env_steps=log.env_steps,
        programs=log.programs,
        stage_reached=log.stage,
        curve=list(log.curve),
        first_success=min(log.first_success.values(), default=None),
        parameters=_parameters(model),
        seconds=seconds,
    )


def supervised(
    net: Net,
    entries: Sequence[Entry],
    run: Path,
    *,
    demos_per_entry: int,
    updates: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
) -> Supervised:
    """Next-token pretraining of a fresh `net` on reference solutions of `entries` (training content); weights to `run`.

    Each reference program is tokenised through the env's token table and
    replayed in the env, so every observation is the agent's own.
    """
    torch = _torch()
    from agents.experiment_trainer import demonstrations, supervised_train

    torch.manual_seed(seed)
    model = _build(net)
    demos, used, skipped = demonstrations([_trainer_entry(e) for e in entries], _shape(net), demos_per_entry, seed=seed)
    losses = supervised_train(model, demos, updates=updates, batch_size=batch_size, lr=lr, seed=seed)
    _save(model, run)
    return Supervised(
        run=Path(run),
        tokens=updates * min(batch_size, len(demos)),
        demo_programs=used,
        demo_skipped=skipped,
        demo_steps=len(demos),
        loss_first=losses[0],
        loss_last=losses[-1],
        parameters=_parameters(model),
    )


def greedy_success(
    net: Net,
    run: Path,
    entries: Sequence[Entry],
    instances: int,
    *,
    content: str = "heldout",
    with_programs: bool = False,
) -> dict:
    """The greedy policy of run's weights on `instances` held-out (content="train": training) instances per entry.

    An entry that pins its instance is asked that instance only. Returns
    {"success": mean pass rate over entries, "entries": {entry key: {passed,
    episodes, rate, heldout[, programs]}}}.
    """
    _torch()
    from agents.experiment_trainer import greedy_actions

    model = _build(net)
    model.load_state_dict(_load(run))
    model.eval()
    return _evaluate(greedy_actions(model), net, entries, instances, content, with_programs)


def chance_success(net: Net, entries: Sequence[Entry], instances: int, *, content: str = "heldout") -> dict:
    """As greedy_success, for reasonenv.policy.RandomMaskedPolicy (seed 0): the project's chance."""
    _torch()
    from agents.experiment_trainer import random_actions

    return _evaluate(random_actions(0), net, entries, instances, content, False)


def pqt_search(
    instance: Any,
    *,
    budget: int,
    seed: int = 0,
    batch_size: int = 64,
    topk: int = 10,
    max_length: int = 32,
    pg_weight: float = 0.0,
) -> Search:
    """Priority Queue Training (agents.pqt_baseline) on one instance's tests, until a program passes or `budget` programs ran."""
    _torch()
    from agents.pqt_baseline import PQTSettings, run_pqt

    settings = PQTSettings(batch_size=batch_size, topk=topk, max_length=max_length, pg_weight=pg_weight)
    result = run_pqt(instance, settings, budget=budget, seed=seed)
    return Search(programs=result.programs, first_success=result.first_success, curve=list(result.curve))


# ----------------------------------------------------------------------------- today's trainer underneath


@functools.cache
def _torch() -> Any:
    """torch with one thread, set once per process: the machine is shared and these models gain nothing from more."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # set already (by the caller's own torch use)
        pass
    return torch


def _shape(net: Net) -> Any:
    from agents.experiment_trainer import Shape

    return Shape(task_length=net.task_length, max_program_length=net.max_program_length, num_actions=net.action_slots)


def _build(net: Net) -> Any:
    from agents.experiment_models import build_arm

    shape = _shape(net)
    config = {
        "dim": net.dim,
        "heads": net.heads,
        "layers": net.layers,
        "window": net.window,
        "top_k": net.top_k,
        "hidden": 2 * net.dim,
    }
    # agents.models prints a parameter count for every model it builds; an experiment builds hundreds.
    with contextlib.redirect_stdout(io.StringIO()):
        return build_arm(net.arm, shape.observation_space(), shape.action_space(), config)


def _parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def _save(model: Any, run: Path) -> None:
    buffer = io.BytesIO()
    _torch().save(model.state_dict(), buffer)
    write_atomic(Path(run) / "model.pt", buffer.getvalue())


def _load(run: Path) -> Any:
    path = Path(run) / "model.pt"
    if not path.is_file():
        raise FileNotFoundError(f"{run} holds no trained weights (no model.pt); train that run first")
    return _torch().load(path)


def _trainer_entry(entry: Entry) -> Any:
    from agents.experiment_trainer import Entry as TrainerEntry

    return TrainerEntry(entry.family, entry.level, entry.config, entry.language, entry.instance)


def _evaluate(act: Any, net: Net, entries: Sequence[Entry], instances: int, content: str, with_programs: bool) -> dict:
    from agents.experiment_trainer import heldout_instances, success_on

    shape, rows = _shape(net), {}
    for entry in entries:
        trainer_entry = _trainer_entry(entry)
        if entry.instance is not None:
            chosen, heldout = [entry.instance], False
        else:
            chosen, heldout = heldout_instances(trainer_entry, instances, content)
        passed, episodes, programs = success_on(act, trainer_entry, chosen, shape)
        row: dict[str, Any] = {
            "passed": passed,
            "episodes": episodes,
            "rate": passed / max(1, episodes),
            "heldout": heldout,
        }
        if with_programs:
            row["programs"] = programs
        rows[entry.key] = row
    return {"success": mean_rate(rows), "entries": rows}
