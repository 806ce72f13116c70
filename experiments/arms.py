"""The one boundary between the experiments and a trainer: train, fine-tune, supervised pretraining, greedy success, PQT.

    net = Net("pointer+memory", dim=32, task_length=64, max_program_length=16, action_slots=39)
    pre = train(net, Curriculum("bf-basics", last_stage=5), out / "models/pm__s0", env_steps=150_000, seed=0)
    tuned = train(net, curriculum_entries("bf-basics", 5, "ook"), out / "models/pm__s0__ook",
                  env_steps=10_000, seed=7919, init_from=pre.run)                     # fine-tuning
    sl = supervised(net, entries, out / "models/sl__s0", demos_per_entry=64, updates=300, batch_size=128,
                    lr=1e-3, seed=0)
    both = train(net, Curriculum("bf-basics", 5), out / "models/slrl__s0", env_steps=100_000, init_from=sl.run)
    greedy_success(net, tuned.run, entries, instances=32)     # {"success": mean rate, "entries": {key: {...}}}
    chance_success(net, entries, instances=32)                # reasonenv.policy.RandomMaskedPolicy's
    pqt_search(instance, budget=5000, seed=0)                 # Search(programs, first_success)
    shutdown()                                                # at the end of an experiment's main: the Ray it started

Every training call is one agents.config.TrainConfig run through
agents.loop.train(config, run) (`train_config` builds it), on the RLlib
backend unless the call names `backend="jax"` (which refuses, in one line,
what it cannot honour: padded action slots, permuted actions, a fixed
instance, torch weights to start from). So each cell's run directory is an
ordinary run: `reasonenv evaluate RUN`, `reasonenv train --resume RUN`, its
progress.csv, TensorBoard, learning curve and summary. Supervised
pretraining is agents/supervised.py (its run directory is an init_from like
any checkpoint); greedy success reads any checkpoint through
agents.policies.load_policy and plays it with reasonenv.evaluation; PQT
itself is agents/pqt_baseline.py. Ray is started once per process, at the
first training call, and reused by every later one (the backend leaves a
Ray it did not start running); `shutdown()` stops it.

    arm             model.name      model.actions   permute_actions
    pointer+memory  small-context   pointer         False
    pointer+window  small-window    pointer         False
    index+memory    small-context   index           False
    index+window    small-window    index           False
    full-context    full-context    index           False   (reads program tokens by index, plain head)
    permuted-plain  small-context   index+effects   True    (in pretraining only: fine-tuning and
                                                             evaluation keep the language's order)

and, for every arm, ModelSettings(dim=net.dim, heads=net.heads,
layers=net.layers, window=net.window, top_k=net.top_k, hidden=2 * net.dim)
and TrainConfig(seed=seed, timesteps=env_steps, programs=programs,
task_length=net.task_length, max_program_length=net.max_program_length,
action_slots=net.action_slots (39, Befunge-93's, in the transfer
experiment so one net serves every target; None elsewhere: the
languages' own), permute_actions=ARMS[arm].permute_actions unless the call
says otherwise, init_from=init_from, fixed_instance=[seed, index] of an
entry that pins its instance (the PQT tasks' cases), reward.scoring=scoring,
ppo.lr=lr, ppo.entropy_coeff=entropy_coeff, rllib.num_envs_per_env_runner
(or jax.num_envs)=num_envs). What to train on is written into the run
directory as curriculum.yaml and named by TrainConfig.curriculum:
`Curriculum(name, last_stage, language)` is the shipped curriculum cut to
stages 0..last_stage (its promotion rule kept) asked in `language`, a list
of entries a one-stage curriculum of those entries at equal weight.

The experiments' reward and PPO settings differ from TrainConfig's defaults
and are stated here, so numbers stay comparable across experiments (they
are those of the earlier experiment trainer):
EXPERIMENT_REWARD = RewardSettings(shaped_weight=1.0, success_bonus=0.0,
step_penalty=0.0005) (the reward is the clipped env reward, no success
bonus); PPO with gamma 1, GAE lambda 0.95, entropy 0.01 (not 0.1),
ROLLOUT_STEPS = 16 steps per env per iteration (train_batch_size = 16 x
num_envs), minibatch MINIBATCH = 256 (or the batch, if smaller),
NUM_EPOCHS = 2, clip 0.2, value clip 10, value weight 0.5, grad clip 0.5.

Budgets are counted, never timed: env steps (tokens emitted, STOP included)
or programs (finished episodes, each executed on the hidden tests), checked
after every PPO iteration. `stop_at_first_success` ends training after the
first iteration in which an episode passed (agents.loop's should_stop); its
`first_success` is (programs executed by the end of that iteration, a
program that passed in it: the progress.csv column passing_program).

Only the functions import agents (and torch, ray), so `--help` stays fast.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.common import mean_rate, write_atomic

ROLLOUT_STEPS = 16
"""Env steps per env per PPO iteration: train_batch_size = ROLLOUT_STEPS x num_envs."""
MINIBATCH = 256
NUM_EPOCHS = 2
EXPERIMENT_REWARD: dict[str, float] = {"shaped_weight": 1.0, "success_bonus": 0.0, "step_penalty": 0.0005}
"""agents.config.RewardSettings of every experiment arm (scoring comes with each call)."""
CURRICULUM_FILE = "curriculum.yaml"
"""What a cell trains on, written into its run directory (TrainConfig.curriculum names it)."""
TRAINED_FILE = "trained.json"
"""Written into a run directory when its training reached its budget (or first success): the cell's counters."""
CHECKPOINT_EVERY = 50
"""PPO iterations between a cell's checkpoints: a stopped full-mode cell resumes from the last one."""
WELL_POSED_SCAN = 4
"""An evaluation that skips ill-posed instances asks for this many times the instances it needs."""
CURVE_KEEP_CHECKPOINTS = 10_000
"""A run asked for a curve (`curve_every`) keeps every checkpoint: the curve is read from them."""
TRAIN_LOG = "train.log"
"""agents.loop's progress lines and summary of a cell, kept in its run directory instead of the terminal."""


@dataclass(frozen=True)
class ArmModel:
    """What an arm is in TrainConfig terms (ModelSettings.name / .actions, TrainConfig.permute_actions)."""

    name: str
    actions: str
    permute_actions: bool = False
    learner: bool = False
    """True: the instance-reading learner of issue 21 (agents.learner.reasoning_config: execution observation,
    value features, kept successes, relabelling, the potential reward, its own PPO settings) with this network."""
    effects: str = "ids"
    """ModelSettings.effects of a learner arm: ids or parts (esolangs.knowledge's parts of each effect)."""


ARMS: dict[str, ArmModel] = {
    "pointer+memory": ArmModel("small-context", "pointer"),
    "pointer+window": ArmModel("small-window", "pointer"),
    "index+memory": ArmModel("small-context", "index"),
    "index+window": ArmModel("small-window", "index"),
    "full-context": ArmModel("full-context", "index"),
    "permuted-plain": ArmModel("small-context", "index+effects", permute_actions=True),
}
"""The arms of the transfer ablation (the table in the module docstring)."""
LEARNER_ARMS: dict[str, ArmModel] = {
    "learner+parts": ArmModel("small-context", "pointer", learner=True, effects="parts"),
    "learner+ids": ArmModel("small-context", "pointer", learner=True, effects="ids"),
    "learner+permuted-plain": ArmModel("small-context", "index+effects", permute_actions=True, learner=True),
}
"""The arms built on the learner of issue 21 (experiments.transfer): the memory agent reading effects as parts, the
same agent reading opaque effect ids, and a plain index head over the effect table trained on a fresh action order
every episode (without kept successes and relabelling while it permutes: a kept program cannot be replayed under
another order; a fine-tuning, in the language's own order, has them). Their TrainConfig is agents.learner.reasoning_config's, with the net's sizes and the cell's budget."""
FINETUNE_ENTROPY = 0.01
"""Entropy weight of a learner arm that starts from weights (fine-tuning): the learner's final weight, held, since
its schedule restarts at 0.1, which would spend the first fine-tuning steps undoing what the weights know."""


def arm_model(arm: str) -> ArmModel:
    """The ArmModel of an arm of either table; ValueError naming the choices for another name."""
    found = ARMS.get(arm) or LEARNER_ARMS.get(arm)
    if found is None:
        raise ValueError(f"unknown arm {arm!r}; choose one of {', '.join([*ARMS, *LEARNER_ARMS])}")
    return found


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
    action_slots: int | None = None
    """Pad the action slots to this many (Befunge-93 has 39; Brainfuck's 9 are padded with masked slots) so one net
    serves several languages; None: the languages' own (TrainConfig.action_slots)."""

    def __post_init__(self) -> None:
        arm_model(self.arm)

    def sizes(self) -> dict[str, Any]:
        """agents.config.ModelSettings' sizes of this net (its MLPs twice its width)."""
        return {
            "dim": self.dim,
            "heads": self.heads,
            "layers": self.layers,
            "window": self.window,
            "top_k": self.top_k,
            "hidden": 2 * self.dim,
        }

    @classmethod
    def of(cls, args: Any, arm: str = "pointer+memory", action_slots: int | None = None) -> Net:
        """The net of an experiment's arguments (their dim, layers, window, task_length, max_program_length, and
        heads where they have it)."""
        return cls(
            arm,
            dim=args.dim,
            heads=getattr(args, "heads", cls.heads),
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
    """Stages 0..last_stage of a shipped curriculum, asked in `language`, with its promotion rule; then one stage per
    `extra` entry, each keeping the stage before's mixture and giving its new entry as much weight as all of them."""

    name: str
    last_stage: int
    language: str = "bf"
    extra: tuple[Entry, ...] = ()


def curriculum_entries(name: str, last_stage: int, language: str = "bf") -> list[Entry]:
    """The distinct (family, level, config) of stages 0..last_stage of curriculum `name`, asked in `language`."""
    return [Entry(family, level, config, language) for family, level, config in _stage_entries(name, last_stage)]


def entries_of(on: Curriculum) -> list[Entry]:
    """The distinct entries a Curriculum trains: its shipped stages' and its extra ones, asked in its language."""
    found = curriculum_entries(on.name, on.last_stage, on.language)
    return found + [e for e in on.extra if e not in found]


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
    """What a training call did; its checkpoints are in the run directory `run`."""

    run: Path
    env_steps: int
    programs: int
    stage_reached: int
    curve: list[tuple[int, int, float]]
    """(env steps, programs, sampled success of the episodes finished in that iteration) per iteration."""
    first_success: tuple[int, str] | None
    """(programs executed by the end of the first iteration in which an episode passed, a program that passed in it)."""
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
    """Did training of this run directory finish (its budget or first success reached, a checkpoint kept)?

    A run stopped early (a crash, a signal) has no TRAINED_FILE; the next
    `train` call on it resumes from its latest checkpoint.
    """
    from agents import run_dir as rd

    run = Path(run)
    return (run / TRAINED_FILE).is_file() and rd.latest_checkpoint(run) is not None


def is_supervised(run: Path) -> bool:
    """Does the run directory hold finished supervised pretraining?"""
    from agents import run_dir as rd

    run = Path(run)
    return (run / "supervised.json").is_file() and rd.latest_checkpoint(run) is not None


# ----------------------------------------------------------------------------- configs


def write_curriculum(on: Curriculum | Sequence[Entry], run: Path) -> Path:
    """RUN/curriculum.yaml: stages 0..last_stage of a shipped curriculum in a language, or a one-stage equal mixture."""
    import yaml

    from curricula.schedulers import curriculum_path, load_curriculum

    if isinstance(on, Curriculum):
        data = yaml.safe_load(curriculum_path(on.name).read_text())
        if not isinstance(data.get("stages"), list):
            raise ValueError(f"curriculum {on.name!r} has no stages; the experiments need a staged curriculum")
        data["stages"] = data["stages"][: on.last_stage + 1]
        data["language"] = on.language  # entries naming no language take it (bf-basics' name none)
        data["name"] = f"{on.name}-stages-0-{on.last_stage}-{on.language}"
        for entry in on.extra:
            before = [dict(earlier, weight=1) for earlier in data["stages"][-1]["mixture"]]
            new: dict[str, Any] = {"family": entry.family, "weight": len(before), "language": entry.language}
            if entry.level is not None:
                new["level"] = entry.level
            if entry.config:
                new["config"] = dict(entry.config)
            data["stages"].append({"name": f"extra-{entry.key}", "mixture": [*before, new]})
            data["name"] += f"+{entry.key}"
    else:
        if not on:
            raise ValueError("train needs a curriculum or at least one entry")
        mixture = []
        for entry in on:
            item: dict[str, Any] = {"family": entry.family, "weight": 1.0, "language": entry.language}
            if entry.level is not None:
                item["level"] = entry.level
            if entry.config:
                item["config"] = dict(entry.config)
            mixture.append(item)
        data = {
            "name": "mixture-" + "+".join(e.key for e in on),
            "description": "experiments.arms: these entries at equal weight",
            "scheduler": "staged",
            "stages": [{"name": "mixture", "mixture": mixture}],
        }
    path = Path(run) / CURRICULUM_FILE
    write_atomic(path, yaml.safe_dump(data, sort_keys=False))
    load_curriculum(path)  # validated now: a bad entry fails here, naming the file, before any trainer starts
    return path


def fixed_instance(on: Curriculum | Sequence[Entry]) -> list[int] | None:
    """[seed, index] of the instance the entries pin (TrainConfig.fixed_instance), or None when none pins one.

    Every entry must pin the same (seed, index), and each pinned instance
    must be exactly that instance of its entry: the env regenerates it.
    """
    if isinstance(on, Curriculum) or all(e.instance is None for e in on):
        return None
    from curricula.base import make_task

    pairs = {(e.instance.seed, e.instance.index) for e in on if e.instance is not None}
    if len(pairs) != 1 or any(e.instance is None for e in on):
        raise ValueError(f"entries pin different instances ({sorted(pairs)}) or some pin none; pin one for all")
    seed, index = next(iter(pairs))
    for entry in on:
        regenerated = make_task(entry.family, level=entry.level, **dict(entry.config)).instance(seed, index)
        if regenerated.fingerprint() != entry.instance.fingerprint():
            raise ValueError(
                f"entry {entry.key} pins an instance that is not instance ({seed}, {index}) of its family and config"
            )
    return [int(seed), int(index)]


def train_config(
    net: Net,
    curriculum: str | Path,
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
    pinned: list[int] | None = None,
    backend: str = "rllib",
    curve_every: int | None = None,
) -> Any:
    """The agents.config.TrainConfig of an arm's training call (the table in the module docstring)."""
    from agents.config import JaxSettings, ModelSettings, PPOSettings, RewardSettings, RLlibSettings, TrainConfig

    arm = arm_model(net.arm)
    if arm.learner:
        return _learner_config(
            net,
            arm,
            curriculum,
            env_steps,
            programs,
            seed,
            init_from,
            permute_actions,
            pinned,
            backend,
            curve_every,
            num_envs,
        )
    batch = ROLLOUT_STEPS * num_envs
    return TrainConfig(
        curriculum=str(curriculum),
        seed=seed,
        backend=backend,
        timesteps=env_steps,
        programs=programs,
        max_program_length=net.max_program_length,
        task_length=net.task_length,
        action_slots=net.action_slots,
        permute_actions=arm.permute_actions if permute_actions is None else permute_actions,
        init_from=None if init_from is None else str(Path(init_from).resolve()),
        fixed_instance=pinned,
        checkpoint_every=CHECKPOINT_EVERY,
        keep_checkpoints=1,  # a cell keeps its latest checkpoint (the final one is always written)
        reward=RewardSettings(
            scoring=scoring,
            shaped_weight=EXPERIMENT_REWARD["shaped_weight"],
            success_bonus=EXPERIMENT_REWARD["success_bonus"],
            step_penalty=EXPERIMENT_REWARD["step_penalty"],
        ),
        ppo=PPOSettings(  # agents.config's defaults (gamma 1, GAE 0.95, clips) but for these
            lr=lr,
            entropy_coeff=entropy_coeff,
            train_batch_size=batch,
            minibatch_size=min(MINIBATCH, batch),
            num_epochs=NUM_EPOCHS,
        ),
        model=ModelSettings(name=arm.name, actions=arm.actions, **net.sizes()),
        rllib=RLlibSettings(num_envs_per_env_runner=num_envs),
        jax=JaxSettings(num_envs=num_envs),
    )


def _learner_config(
    net: Net,
    arm: ArmModel,
    curriculum: str | Path,
    env_steps: int | None,
    programs: int | None,
    seed: int,
    init_from: Path | None,
    permute_actions: bool | None,
    pinned: list[int] | None,
    backend: str,
    curve_every: int | None,
    num_envs: int,
) -> Any:
    """A learner arm's TrainConfig: agents.learner.reasoning_config with the net's sizes and the cell's budget.

    The learner keeps its own reward and PPO settings (not EXPERIMENT_REWARD's, nor the call's lr and scoring; the
    call's num_envs is its envs per runner, the learner's batch stays 2,048 env steps); a
    fine-tuning (init_from) holds the entropy weight at FINETUNE_ENTROPY. With `curve_every` it checkpoints every
    that many iterations and keeps them all (the transfer experiment's curves are read from them), else it keeps its
    latest, as every other arm does.
    """
    import dataclasses

    from agents.config import JaxSettings, ModelSettings
    from agents.learner import reasoning_config

    base = reasoning_config(
        curriculum=str(curriculum), seed=seed, backend=backend, timesteps=env_steps, effects=arm.effects
    )
    model: ModelSettings = dataclasses.replace(base.model, name=arm.name, actions=arm.actions, **net.sizes())
    permute = arm.permute_actions if permute_actions is None else permute_actions
    kept, relabel = base.kept, base.relabel
    if permute:  # a kept program cannot be replayed under a fresh action order (TrainConfig.validate refuses both)
        kept, relabel = dataclasses.replace(kept, top_k=0), False
    ppo = base.ppo
    if init_from is not None:
        ppo = dataclasses.replace(ppo, entropy_coeff=FINETUNE_ENTROPY, entropy_final=None, entropy_decay_steps=0)
    return dataclasses.replace(
        base,
        programs=programs,
        max_program_length=net.max_program_length,
        task_length=net.task_length,
        action_slots=net.action_slots,
        permute_actions=permute,
        kept=kept,
        relabel=relabel,
        init_from=None if init_from is None else str(Path(init_from).resolve()),
        fixed_instance=pinned,
        checkpoint_every=curve_every or base.checkpoint_every,
        keep_checkpoints=CURVE_KEEP_CHECKPOINTS if curve_every else 1,
        model=model,
        ppo=ppo,
        rllib=dataclasses.replace(base.rllib, num_envs_per_env_runner=num_envs),
        jax=JaxSettings(num_envs=num_envs),
    ).validate()


# ----------------------------------------------------------------------------- the calls


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
    backend: str = "rllib",
    curve_every: int | None = None,
) -> Trained:
    """PPO of `net` on a curriculum (with promotion) or a mixture of entries (equal weights) for a budget.

    The budget is `env_steps` or `programs` (finished episodes), whichever is
    given and reached first. `init_from` starts from the weights of an
    earlier run (fine-tuning, supervised-then-RL); `permute_actions`
    (default: the arm's own, True only for permuted-plain) draws a fresh
    action order every episode. `curve_every` (learner arms): a checkpoint
    every that many iterations, all kept (`checkpoint_curve` reads them). A run directory that holds an unfinished
    run of the same call (a crash) is resumed; a finished one is read back.
    """
    from agents import loop
    from agents import run_dir as rd

    if env_steps is None and programs is None:
        raise ValueError("train needs a budget: env_steps or programs")
    run = Path(run).resolve()
    if not is_trained(run):
        run.mkdir(parents=True, exist_ok=True)
        curriculum = write_curriculum(on, run)
        cfg = train_config(
            net,
            curriculum,
            env_steps=env_steps,
            programs=programs,
            seed=seed,
            lr=lr,
            entropy_coeff=entropy_coeff,
            scoring=scoring,
            num_envs=num_envs,
            init_from=init_from,
            permute_actions=permute_actions,
            pinned=fixed_instance(on),
            backend=backend,
            curve_every=curve_every,
        )
        checkpoint = rd.latest_checkpoint(run)
        resume = checkpoint is not None
        saved = rd.read_checkpoint_state(checkpoint)[1]["iteration"] if checkpoint is not None else 0
        stopped = [
            row["iteration"]
            for row in (rd.read_progress(run) if stop_at_first_success else [])
            if int(row["iteration"]) <= saved and (row.get("success") or 0) > 0
        ]  # a crash after the first success was saved, before this call recorded it: that run is finished
        if backend == "rllib":
            _start_ray(cfg)
        _torch()

        def should_stop(row: dict) -> bool:
            if stop_at_first_success and (row.get("success") or 0) > 0:
                stopped.append(row["iteration"])
                return True
            return False

        with open(run / TRAIN_LOG, "a") as log_file:

            def log(line: str) -> None:
                print(line, file=log_file, flush=True)

            if not stopped:
                loop.train(cfg, run, resume=resume, log=log, should_stop=should_stop)
        rows = rd.read_progress(run)
        done = stopped or (
            (env_steps is not None and bool(rows) and int(rows[-1]["timesteps"]) >= env_steps)
            or (programs is not None and sum(int(r.get("episodes") or 0) for r in rows) >= programs)
        )
        if not done:  # a signal stopped agents.loop (it wrote a final checkpoint): the cell is not finished
            raise KeyboardInterrupt(f"training of {run} stopped before its budget; rerun to resume it")
        trained = _read_trained(run)
        write_atomic(run / TRAINED_FILE, json.dumps(_as_json(trained), indent=2) + "\n")
        return trained
    data = json.loads((run / TRAINED_FILE).read_text())
    return _from_json(run, data)


def supervised(
    net: Net,
    entries: Curriculum | Sequence[Entry],
    run: Path,
    *,
    demos_per_entry: int,
    updates: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
    own_successes_of: Path | None = None,
) -> Supervised:
    """Next-token pretraining of a fresh `net` on reference solutions of `entries` (training content); weights to `run`.

    agents.supervised: each reference program is tokenised through the env's
    token table and replayed in the env, so every observation is the
    agent's own; the run directory is an `init_from` for train. `entries`
    may be a Curriculum (every stage's entries). `own_successes_of` (a run
    directory): its kept successes are the demonstrations instead
    (agents.supervised.kept_programs), the programs that run found itself.
    """
    _torch()
    from agents.supervised import SupervisedSettings, kept_programs, train_supervised

    run = Path(run).resolve()
    run.mkdir(parents=True, exist_ok=True)
    cfg = train_config(net, write_curriculum(entries, run), env_steps=1, seed=seed, lr=lr)
    settings = SupervisedSettings(
        demos_per_entry=demos_per_entry, updates=updates, batch_size=batch_size, lr=lr, seed=seed
    )
    programs = None if own_successes_of is None else kept_programs(own_successes_of)
    done = train_supervised(cfg, run, settings, log=lambda line: None, programs=programs)
    return Supervised(
        run=run,
        tokens=done.tokens,
        demo_programs=done.demo_programs,
        demo_skipped=done.demo_skipped,
        demo_steps=done.demo_steps,
        loss_first=done.losses[0],
        loss_last=done.losses[-1],
        parameters=done.parameters,
    )


def greedy_success(
    net: Net,
    run: Path,
    entries: Sequence[Entry],
    instances: int,
    *,
    content: str = "heldout",
    with_programs: bool = False,
    well_posed: bool = False,
) -> dict:
    """The greedy policy of run's latest checkpoint on `instances` held-out (content="train": training) instances per entry.

    The policy is agents.policies.load_policy's (either backend); instances
    are reasonenv.evaluation.target_instances', played by its run_episodes in
    envs of the net's task and program lengths. An entry that pins its
    instance is asked that instance only. Returns {"success": mean pass rate
    over entries, "entries": {entry key: {passed, episodes, rate, heldout, ill_posed[, programs]}}}.
    `run` may also be one checkpoint directory of a run. `well_posed`: instances that no program can solve in the
    entry's language (curricula.verify.unreachable_output: odd bytes under `bf+cell_step=2`) are skipped and
    counted in `ill_posed`, and as many further instances are asked instead.
    """
    _torch()
    from agents.policies import load_policy

    return _evaluate(load_policy(Path(run)), net, entries, instances, content, with_programs, well_posed)


def chance_success(
    net: Net, entries: Sequence[Entry], instances: int, *, content: str = "heldout", well_posed: bool = False
) -> dict:
    """As greedy_success, for reasonenv.policy.RandomMaskedPolicy (seed 0): the project's chance."""
    from reasonenv.policy import RandomMaskedPolicy

    return _evaluate(RandomMaskedPolicy(0), net, entries, instances, content, False, well_posed)


def reference_success(entries: Sequence[Entry], instances: int, *, well_posed: bool = False) -> dict:
    """How often each entry's Brainfuck reference program (for default semantics, in the entry's language's tokens)
    passes the instances asked in that language.

    The carry-over control of a transfer target: 1.0 means a program copied from Brainfuck unchanged passes there,
    so success on that target cannot tell transfer from copying; below 1.0 the target's rule decides the verdict.
    Returns greedy_success's shape (no programs).
    """
    import esolangs
    from curricula.base import reference_solution
    from curricula.verify import evaluate

    rows = {}
    for entry, chosen, heldout, ill_posed in _plans(entries, instances, "heldout", well_posed):
        base = esolangs.get(entry.language).base_name  # the program for default semantics, in the entry's tokens
        passed = 0
        for instance in chosen:
            program = reference_solution(instance, base)
            passed += int(program is not None and evaluate(instance, program, entry.language)[0].success)
        rows[entry.key] = {
            "passed": passed,
            "episodes": len(chosen),
            "rate": passed / max(1, len(chosen)),
            "heldout": heldout,
            "ill_posed": ill_posed,
        }
    return {"success": mean_rate(rows), "entries": rows}


def checkpoint_curve(run: Path) -> list[tuple[int, Path]]:
    """(env steps, checkpoint directory) of every checkpoint of a run, oldest first: the points of a curve."""
    from agents import run_dir as rd

    points = []
    for _, path in reversed(rd.checkpoints_by_iteration(Path(run))):
        if rd.checkpoint_problem(path) is None:
            points.append((int(rd.read_checkpoint_state(path)[1]["timesteps"]), path))
    return points


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


def shutdown() -> None:
    """Stop the Ray that the first training call of this process started (nothing if none was started)."""
    if _RAY["started"]:
        import ray

        ray.shutdown()
        _RAY["started"] = False


# ----------------------------------------------------------------------------- underneath

_RAY = {"started": False}


def _start_ray(cfg: Any) -> None:
    """Ray once per process: started at the first training call, reused by the next (Backend leaves it up)."""
    from agents.backends.rllib import init_ray

    if init_ray(cfg, lambda line: None):
        _RAY["started"] = True


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


def _read_trained(run: Path) -> Trained:
    """The Trained of a finished run, from its progress.csv (the loop's rows) and its latest checkpoint.

    `seconds` is the loop's wall time of the whole run (resumes and each session's start-up included)."""
    from agents import run_dir as rd

    rows = rd.read_progress(run)
    curve, programs, first = [], 0, None
    for row in rows:
        programs += int(row.get("episodes") or 0)
        success = row.get("success")
        curve.append((int(row["timesteps"]), programs, float("nan") if success is None else float(success)))
        if first is None and success:
            passing = row.get("passing_program")
            first = (programs, "" if passing is None else str(passing))
    return Trained(
        run=run,
        env_steps=int(rows[-1]["timesteps"]) if rows else 0,
        programs=programs,
        stage_reached=int(rows[-1]["stage"]) if rows else 0,
        curve=curve,
        first_success=first,
        parameters=_parameters(run),
        seconds=float(rows[-1]["wall_s"]) if rows else 0.0,
    )


def _as_json(trained: Trained) -> dict:
    return {**trained.counters(), "first_success": trained.first_success}


def _from_json(run: Path, data: dict) -> Trained:
    first = data.get("first_success")
    return Trained(
        run=run,
        env_steps=data["env_steps"],
        programs=data["programs"],
        stage_reached=data["stage_reached"],
        curve=[(int(s), int(p), float(r)) for s, p, r in data["curve"]],
        first_success=None if first is None else (int(first[0]), str(first[1])),
        parameters=data["parameters"],
        seconds=data["seconds"],
    )


def _parameters(run: Path) -> int:
    """Parameters of the run's network (either backend's checkpoint)."""
    from agents.policies import load_policy

    policy: Any = load_policy(run)
    if hasattr(policy, "module"):
        return int(sum(p.numel() for p in policy.module.parameters()))
    from agents.backends.jax import parameter_count

    return parameter_count(policy.params)


def _plans(
    entries: Sequence[Entry], instances: int, content: str, well_posed: bool
) -> list[tuple[Entry, list[Any], bool, int]]:
    """(entry, its instances, whether they are held-out content, how many ill-posed ones were skipped) per entry."""
    from curricula.verify import unreachable_output
    from reasonenv.evaluation import EvalTarget, target_instances

    plans = []
    for entry in entries:
        target = EvalTarget(entry.family, entry.language, entry.level, dict(entry.config))
        ill_posed = 0
        if entry.instance is not None:
            chosen, heldout = [entry.instance], False
        elif not well_posed:
            chosen, heldout, _ = target_instances(target, instances, content)
        else:  # ask for more, keep the first `instances` that some program can solve
            asked, heldout, _ = target_instances(target, WELL_POSED_SCAN * instances, content)
            solvable = [i for i in asked if unreachable_output(i, entry.language) is None]
            ill_posed = len(asked) - len(solvable)
            chosen = solvable[:instances]
        plans.append((entry, chosen, heldout, ill_posed))
    return plans


def _evaluate(
    policy: Any,
    net: Net,
    entries: Sequence[Entry],
    instances: int,
    content: str,
    with_programs: bool,
    well_posed: bool = False,
) -> dict:
    """Play `policy` on each entry's instances (pinned, or held-out / training content) in lockstep batches."""
    from reasonenv.evaluation import BATCH, EvalTarget, run_episodes, token_env

    # A learner's policy reads the execution observation: its envs must give it (env_options says how).
    options = {
        **getattr(policy, "env_options", {}),
        "task_length": net.task_length,
        "max_program_length": net.max_program_length,
    }
    plans: list[tuple[Entry, Any, list[Any], bool, int]] = [
        (entry, EvalTarget(entry.family, entry.language, entry.level, dict(entry.config)), chosen, heldout, ill)
        for entry, chosen, heldout, ill in _plans(entries, instances, content, well_posed)
    ]
    lockstep = callable(getattr(policy, "act_batch", None))
    queue = [(number, instance) for number, plan in enumerate(plans) for instance in plan[2]]
    passed = [0] * len(plans)
    programs: list[list[str]] = [[] for _ in plans]
    pools: dict[str, list[Any]] = {}  # per language: an env is built for one language, reset with any of its instances
    for start in range(0, len(queue), BATCH):
        chunk = queue[start : start + BATCH]
        used: dict[str, int] = {}
        pairs = []
        for number, instance in chunk:
            target = plans[number][1]
            pool = pools.setdefault(target.language, [])
            k = used.get(target.language, 0) if lockstep else 0
            if k >= len(pool):
                pool.append(token_env(target, [instance], options))
            used[target.language] = k + 1
            pairs.append((pool[k], instance))
        for (number, _), episode in zip(chunk, run_episodes(pairs, policy)):
            passed[number] += int(episode.success)
            programs[number].append(episode.program)
    for pool in pools.values():
        for env in pool:
            env.close()
    rows = {}
    for number, (entry, _, chosen, heldout, ill_posed) in enumerate(plans):
        row: dict[str, Any] = {
            "passed": passed[number],
            "episodes": len(chosen),
            "rate": passed[number] / max(1, len(chosen)),
            "heldout": heldout,
            "ill_posed": ill_posed,
        }
        if with_programs:
            row["programs"] = programs[number]
        rows[entry.key] = row
    return {"success": mean_rate(rows), "entries": rows}
