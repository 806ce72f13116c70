"""The one configuration of a training run (sections of dataclasses), written once as the run's config.json; imports nothing heavy.

    cfg = TrainConfig(curriculum="bf-basics", backend="jax", timesteps=200_000).validate()
    cfg = TrainConfig.load(run / "config.json")      # also reads the old flat config.json of earlier runs

Every default is stated here, once. `validate()` raises ValueError naming
the field, the value and what is allowed, before anything is created on
disk; `agents.loop.train` runs a validated config with the backend it names.

Sections: `reward` (the training reward, agents.reward), `ppo` (the PPO
update, both backends), `model` (the network), `rllib` and `jax` (what only
one backend reads).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.nets import EFFECT_HEADS, EFFECT_INPUTS
from agents.reward import SHAPINGS

BACKENDS = ("rllib", "jax")
"""rllib: agents.backends.rllib (Ray RLlib, torch; every language); jax: agents.backends.jax (PPO inside jit)."""
MODEL_NAMES = ("small-context", "full-context", "small-window", "gru")
"""Architectures (the memory agent first)."""
ACTION_HEADS = ("pointer", "index", "index+effects")
"""How a network reads and scores action slots (see ModelSettings.actions)."""
SCORING_FOR_TRAINING = ("pqt", "prefix", "fraction", "binary")
CONFIG_FILE = "config.json"
OLD_JAX_SETTINGS_FILE = "jax_settings.json"
"""Where the old JAX trainer kept its settings, beside config.json (read by load(), never written)."""


def parse_budget(text: str) -> float:
    """'30m' -> 1800.0, '90s' / '90' -> 90.0, '2h' -> 7200.0; ValueError for anything else or a budget <= 0."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", str(text))
    if not match:
        raise ValueError(f"budget {text!r} is not a duration; write e.g. 90s, 30m or 2h")
    seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"budget {text!r} must be longer than 0 seconds")
    return seconds


# ----------------------------------------------------------------------------- field checks


def _int(where: str, value: Any, low: int, high: int | None = None, optional: bool = False) -> None:
    if optional and value is None:
        return
    upper = "" if high is None else f" and <= {high}"
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        extra = " or None" if optional else ""
        raise ValueError(f"{where} must be an integer >= {low}{upper}{extra}, got {value!r}")


def _number(where: str, value: Any, low: float, high: float, *, high_open: bool = False) -> None:
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if not bad:
        bad = not (low <= value < high if high_open else low <= value <= high)
    if bad:
        right = ")" if high_open else "]"
        raise ValueError(f"{where} must be a number in [{low:g}, {high:g}{right}, got {value!r}")


def _choice(where: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")


# ----------------------------------------------------------------------------- sections


@dataclass
class RewardSettings:
    """The training reward (agents.reward): shaped_weight * clip(env reward, -1, 1) + success_bonus * success."""

    scoring: str = "pqt"
    """Shaped score the env pays at verification; promotion and evaluation use binary success."""
    shaped_weight: float = 0.2
    """Weight of the clipped shaped score."""
    success_bonus: float = 1.0
    """Added on the verified step when every hidden test passes."""
    step_penalty: float = 0.002
    """Subtracted per emitted token (inside the env reward): a length penalty so the agent learns to STOP."""
    shaping: str = "score"
    """score: shaped_weight * clip(env score) + success_bonus * success; potential: binary success plus
    shaped_weight * (phi' - phi) of the executed prefix (agents.reward; needs scoring binary and execution on)."""

    def validate(self) -> RewardSettings:
        _choice("reward.scoring", self.scoring, SCORING_FOR_TRAINING)
        _choice("reward.shaping", self.shaping, SHAPINGS)
        if self.shaping == "potential" and self.scoring != "binary":
            raise ValueError(
                f"reward.shaping 'potential' pays binary success plus the potential's change; set reward.scoring "
                f"to 'binary', got {self.scoring!r}"
            )
        _number("reward.shaped_weight", self.shaped_weight, 0.0, 10.0)
        _number("reward.success_bonus", self.success_bonus, 0.0, 10.0)
        _number("reward.step_penalty", self.step_penalty, 0.0, 1.0)
        return self


KL_STOP_FACTOR = 1.5
"""PPOSettings.target_kl stops an iteration's updates once a minibatch's approximate KL exceeds this x target_kl."""


@dataclass
class PPOSettings:
    """PPO hyperparameters, named as the equations use them (CleanRL style); both backends read these."""

    lr: float = 3e-4
    gamma: float = 1.0
    """Discount: 1, the only reward comes at the episode's end (verification)."""
    lambda_: float = 0.95
    """GAE lambda."""
    clip_param: float = 0.2
    vf_clip_param: float = 10.0
    vf_loss_coeff: float = 0.5
    entropy_coeff: float = 0.1
    """Weight of the entropy bonus, computed over allowed actions only (masked logits give 0 probability)."""
    entropy_final: float | None = None
    """With entropy_decay_steps: the weight falls linearly from entropy_coeff to this over the run's first
    entropy_decay_steps env steps, then stays (RLlib's schedule [[0, start], [steps, final]]; the JAX backend
    computes the same from its step counter). None: entropy_coeff throughout."""
    entropy_decay_steps: int = 0
    grad_clip: float = 0.5
    train_batch_size: int = 2048
    minibatch_size: int = 512
    num_epochs: int = 2
    use_kl_loss: bool = False
    target_kl: float | None = None
    """KL early stop (Stable-Baselines3's `target_kl`): within an iteration, once a minibatch's approximate
    KL(sampling policy || current policy), measured before its step, exceeds 1.5 x target_kl, that step and every
    later one of the iteration are skipped. Bounds how far one iteration can move the policy. None: off."""

    def validate(self) -> PPOSettings:
        _number("ppo.lr", self.lr, 0.0, 1.0)
        if not self.lr > 0:
            raise ValueError(f"ppo.lr must be a number in (0, 1], got {self.lr!r}")
        _number("ppo.gamma", self.gamma, 0.0, 1.0)
        _number("ppo.lambda_", self.lambda_, 0.0, 1.0)
        _number("ppo.clip_param", self.clip_param, 0.0, 10.0)
        _number("ppo.vf_clip_param", self.vf_clip_param, 0.0, 1e6)
        _number("ppo.vf_loss_coeff", self.vf_loss_coeff, 0.0, 1e3)
        _number("ppo.entropy_coeff", self.entropy_coeff, 0.0, 10.0)
        if self.entropy_final is not None:
            _number("ppo.entropy_final", self.entropy_final, 0.0, 10.0)
            _int("ppo.entropy_decay_steps", self.entropy_decay_steps, 1)
        else:
            _int("ppo.entropy_decay_steps", self.entropy_decay_steps, 0)
        _number("ppo.grad_clip", self.grad_clip, 0.0, 1e6)
        _int("ppo.train_batch_size", self.train_batch_size, 1)
        _int("ppo.minibatch_size", self.minibatch_size, 1)
        _int("ppo.num_epochs", self.num_epochs, 1)
        if not isinstance(self.use_kl_loss, bool):
            raise ValueError(f"ppo.use_kl_loss must be true or false, got {self.use_kl_loss!r}")
        if self.target_kl is not None:
            _number("ppo.target_kl", self.target_kl, 0.0, 10.0)
            if not self.target_kl > 0:
                raise ValueError(f"ppo.target_kl must be a number in (0, 10] or null (off), got {self.target_kl!r}")
        if self.entropy_decay_steps and self.entropy_final is None:
            raise ValueError("ppo.entropy_decay_steps needs ppo.entropy_final (the weight it decays to)")
        if self.minibatch_size > self.train_batch_size:
            raise ValueError(
                f"ppo.minibatch_size ({self.minibatch_size}) must not exceed ppo.train_batch_size ({self.train_batch_size})"
            )
        return self

    def entropy_schedule(self) -> float | list[list[float]]:
        """RLlib's entropy_coeff: the constant, or the piecewise-linear [[0, start], [steps, final]]."""
        if self.entropy_final is None:
            return self.entropy_coeff
        return [[0, self.entropy_coeff], [self.entropy_decay_steps, self.entropy_final]]

    def entropy_at(self, timestep):
        """The entropy weight after `timestep` env steps (a number or a jnp array: the JAX backend calls it in jit)."""
        if self.entropy_final is None:
            return self.entropy_coeff
        progress = timestep / self.entropy_decay_steps
        progress = progress.clip(0.0, 1.0) if hasattr(progress, "clip") else min(max(progress, 0.0), 1.0)
        return self.entropy_coeff + (self.entropy_final - self.entropy_coeff) * progress


def default_actions(name: str) -> str:
    """The architecture's own action head: full-context reads program tokens by index (as it always has), the others point."""
    return "index" if name == "full-context" else "pointer"


@dataclass
class ModelSettings:
    """The network: architecture, how it reads and scores action slots, sizes."""

    name: str = "small-context"
    """small-context | full-context | small-window | gru."""
    actions: str | None = None
    """pointer: knowledge-store input + pointer head over effect entries; index: program tokens by action index,
    plain linear head, no effect ids; index+effects: plain head, effect table as input (the permuted-plain arm).
    None (the default) is the architecture's own head: index for full-context, pointer for the others."""
    dim: int = 64
    """Width of every token vector."""
    heads: int = 4
    layers: int = 2
    """Transformer layers over the window."""
    window: int = 16
    """W: stream tokens the reasoner sees."""
    top_k: int = 8
    """Memories retrieved per step."""
    hidden: int = 128
    """MLP width of the trunk and heads."""
    value_features: bool = False
    """Bytes (task and execution tokens) also enter by their 8 bits, b / 255 and 8 ordinal steps 1[b >= k]
    (agents.nets.VALUE_FEATURES); on in
    scripts/train_bf_reasoning.py's config. Off by default, so the default network (and every result measured with
    it) stays what it was; a config written before this field existed also loads with False."""
    byte_rows: bool = True
    """A byte token also has its own learned embedding row. False (needs value_features): every byte shares one
    row and differs only by its value features, so a byte never seen in training (held-out content) is not an
    untrained random row but lies between its neighbours; on in scripts/train_bf_reasoning.py's config."""
    effects: str = "ids"
    """How a knowledge entry reads a slot's effect (heads pointer and index+effects). ids: a learned row per effect
    id (the default, the network of every earlier run; a config or checkpoint without this field is ids). parts:
    the effect's parts (pointer and cell delta, I/O kind, loop role, EOF rule; esolangs.knowledge.
    effect_parts_matrix, a constant) through a learned Linear(P -> d), so a new combination of known parts (`,`
    under another EOF rule) is not an untrained row."""

    signed_step: bool = False
    """The execution rows' step column ((next expected - cell) mod 256) enters by its sign and magnitude as a step
    in -128..127 (agents.nets.STEP_FEATURES) instead of the unsigned value features: a fall of 1 reads like a rise
    of 1 but for one sign feature, where mod 256 it reads 255, "far up". Off by default (the network of every
    earlier run); a config without the field loads with False."""

    SIZES = ("dim", "heads", "layers", "window", "top_k", "hidden")

    def __post_init__(self) -> None:
        if self.actions is None:
            self.actions = default_actions(self.name)

    def validate(self) -> ModelSettings:
        _choice("model.name", self.name, MODEL_NAMES)
        _choice("model.actions", self.actions, ACTION_HEADS)
        for size in self.SIZES:
            _int(f"model.{size}", getattr(self, size), 1)
        if self.dim % self.heads:
            raise ValueError(f"model.dim ({self.dim}) must be a multiple of model.heads ({self.heads})")
        if not isinstance(self.value_features, bool):
            raise ValueError(f"model.value_features must be true or false, got {self.value_features!r}")
        if not isinstance(self.byte_rows, bool):
            raise ValueError(f"model.byte_rows must be true or false, got {self.byte_rows!r}")
        if not self.byte_rows and not self.value_features:
            raise ValueError("model.byte_rows false needs model.value_features true (else every byte reads the same)")
        if not isinstance(self.signed_step, bool):
            raise ValueError(f"model.signed_step must be true or false, got {self.signed_step!r}")
        _choice("model.effects", self.effects, EFFECT_INPUTS)
        if self.effects == "parts" and self.actions not in EFFECT_HEADS:
            raise ValueError(
                f"model.effects 'parts' needs model.actions {' or '.join(EFFECT_HEADS)} (a head that reads effects), "
                f"got {self.actions!r}"
            )
        return self

    def sizes(self) -> dict[str, int]:
        """{dim, heads, layers, window, top_k, hidden}: the keys the networks take."""
        return {size: int(getattr(self, size)) for size in self.SIZES}

    def settings(self) -> dict[str, Any]:
        """What agents.nets' build_net reads: name, actions, the sizes, value_features, byte_rows, effects and
        signed_step."""
        return {
            "name": self.name,
            "actions": self.actions,
            **self.sizes(),
            "value_features": self.value_features,
            "byte_rows": self.byte_rows,
            "effects": self.effects,
            "signed_step": self.signed_step,
        }


MODEL_DEFAULTS: dict[str, int] = ModelSettings().sizes()
"""The network sizes' defaults (ModelSettings'), for modules that take them as a dict."""


@dataclass
class RLlibSettings:
    """What only the RLlib backend reads: where and how wide to sample."""

    num_env_runners: int | None = None
    """Remote env runners; 0 samples in the driver (fastest on 2 cores). None: 0 on a local Ray, and on a joined
    cluster (`address`) its free CPUs minus one for the driver (agents.cluster.env_runners_for_cluster)."""
    num_envs_per_env_runner: int = 32
    num_cpus: int | None = None
    """CPUs for the embedded local Ray (None: os.cpu_count())."""
    address: str | None = None
    """HOST:PORT of a `ray start --head` cluster to join; None starts a local Ray."""
    torch_threads: int = 1
    """Torch threads per process (the driver and every env runner); more oversubscribes a shared machine."""

    def validate(self) -> RLlibSettings:
        _int("rllib.num_env_runners", self.num_env_runners, 0, optional=True)
        _int("rllib.num_envs_per_env_runner", self.num_envs_per_env_runner, 1)
        _int("rllib.num_cpus", self.num_cpus, 1, optional=True)
        _int("rllib.torch_threads", self.torch_threads, 1)
        if self.address is not None and not (
            isinstance(self.address, str) and re.fullmatch(r"[\w.\-]+:\d{1,5}", self.address)
        ):
            raise ValueError(f"rllib.address must be HOST:PORT of a `ray start --head` cluster, got {self.address!r}")
        return self


@dataclass
class JaxSettings:
    """What only the JAX backend reads: how many envs run in one vmap and how instances are pooled."""

    num_envs: int = 64
    """Envs stepped together; the rollout is ppo.train_batch_size // num_envs steps long."""
    pool_size: int = 256
    """Instances per curriculum entry in the device pool (drawn with TaskSource, content_split='train')."""
    pool_refresh: int = 50
    """Iterations between fresh pools (new (seed, index) draws); 0 keeps the first pool."""
    verify_chunk: int = 16
    """Finished programs verified per batched interpreter call. Each call runs until its longest run ends and
    a CPU pays every lane's step, so small calls win: on bf-basics, 16 verified a rollout 4-6x faster than 128."""

    grad_chunk: int = 64
    """Rows per gradient pass of a PPO minibatch or a SIL batch: its gradient is the mean of its chunks' (the
    same loss; sums in another order, so equal up to float rounding), the largest divisor of the batch not above
    this; 0 takes the whole batch at once. On CPU a 512-row pass costs more per row (likely memory-bound): 8 passes of 64 rows took the
    T1 learner's PPO update 1.3-1.5x and its SIL steps 1.5-1.9x faster (docs/training.md). On a GPU 0 keeps its
    kernels large."""

    def validate(self) -> JaxSettings:
        for name, low in (
            ("num_envs", 1),
            ("pool_size", 1),
            ("pool_refresh", 0),
            ("verify_chunk", 1),
            ("grad_chunk", 0),
        ):
            _int(f"jax.{name}", getattr(self, name), low)
        return self


# ---- issue 21: kept successes (agents.kept) and self-imitation; TrainConfig.kept / TrainConfig.relabel ----


@dataclass
class KeptSettings:
    """The top-K buffer of the agent's own passing programs (agents.kept) and the self-imitation loss on it.

    SIL (Oh et al. 2018) on buffer transitions, next to PPO, both backends:
    loss = sil_weight * mean(-log pi(a|s) * max(R - V(s), 0) + 0.5 * max(R - V(s), 0)^2),
    the advantage in the first term held constant (no gradient)."""

    top_k: int = 0
    """Programs kept per curriculum entry (and per content for spec tasks); 0 (the default) turns the buffer and SIL
    off; scripts/train_bf_reasoning.py keeps 8."""
    sil_weight: float = 0.1
    """Weight of the self-imitation loss."""
    sil_batch: int = 256
    """Replayed transitions per self-imitation step."""
    sil_every: int = 1
    """Iterations between self-imitation rounds."""
    sil_steps: int = 1
    """Gradient steps per round, each on its own sil_batch transitions (PPO takes epochs x minibatches steps per
    iteration; one SIL step beside them is a small voice)."""

    def validate(self) -> KeptSettings:
        _int("kept.top_k", self.top_k, 0, 4096)
        _number("kept.sil_weight", self.sil_weight, 0.0, 100.0)
        _int("kept.sil_batch", self.sil_batch, 1)
        _int("kept.sil_every", self.sil_every, 1)
        _int("kept.sil_steps", self.sil_steps, 1, 64)
        return self

    @property
    def enabled(self) -> bool:
        return self.top_k > 0


SECTIONS: dict[str, Any] = {
    "reward": RewardSettings,
    "ppo": PPOSettings,
    "model": ModelSettings,
    "rllib": RLlibSettings,
    "jax": JaxSettings,
    "kept": KeptSettings,
}


@dataclass
class TrainConfig:
    """One training run: what to learn, with which network and backend, for how long."""

    curriculum: str = "bf-basics"
    """A shipped curriculum name or a YAML path."""
    seed: int = 0
    backend: str = "rllib"
    """rllib | jax."""
    budget_s: float | None = None
    """Total training wall time of the run in seconds (across resumes); None: no time limit."""
    timesteps: int | None = None
    """Total env steps of the run (across resumes); None: no step limit."""
    programs: int | None = None
    """Total finished episodes (= programs verified) of the run (across resumes); None: no limit."""
    max_program_length: int = 32
    """Program token cap (the episode is verified when it is reached)."""
    task_length: int | None = None
    """Pad the task tokens to this many; None: fit the curriculum's longest task."""
    action_slots: int | None = None
    """Pad the action slots to this many (masked, effect `pad`) so one network serves several languages; None: as many
    as the curriculum's languages need."""
    permute_actions: bool = False
    """Draw a fresh order of the action slots every episode (STOP stays at slot 0)."""
    exploration_floor: float = 0.0
    """Share of the sampling distribution spread uniformly over the allowed actions (both backends).

    The rollout samples from (1 - floor) * policy + floor * uniform and records
    that probability, so PPO's ratio (policy / sampling) corrects for it;
    greedy evaluation ignores it. 0 samples the policy itself."""
    init_from: str | None = None
    """A run or checkpoint directory (either backend) whose network weights start this run (fine-tuning)."""
    fixed_instance: list[int] | None = None
    """[seed, index]: every episode asks instance (seed, index) of its curriculum entry instead of drawing one (one
    task's fixed cases, as PQT trains); None draws instances. RLlib backend only."""
    execution: bool = False
    """Put the execution of the program so far on the visible examples in the observation (the token envs'
    `execution` option: status, pointer, cell, tape window, input read, output next to the expected output)."""
    end_on_pass: bool = False
    """End an episode once the program so far passes the visible examples (the token envs' `end_on_pass`: every
    run finished with exactly its expected output, no loop open); needs `execution`."""
    checkpoint_every: int = 5
    """Iterations between checkpoints (a final one is always written)."""
    keep_checkpoints: int = 2
    probe_every: int = 5
    """Iterations between greedy held-out probes of the current weights (agents.probe: the held-out curve in
    progress.csv and TensorBoard, and the scheduler's `report_probe`); 0 turns the probe off."""
    probe_instances: int = 32
    """Instances per probed curriculum entry: the first held-out ones at seed 0, the same at every probe."""
    reward: RewardSettings = field(default_factory=RewardSettings)
    ppo: PPOSettings = field(default_factory=PPOSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    rllib: RLlibSettings = field(default_factory=RLlibSettings)
    jax: JaxSettings = field(default_factory=JaxSettings)
    # ---- issue 21: kept successes and hindsight relabelling (agents.kept, curricula.relabel) ----
    kept: KeptSettings = field(default_factory=KeptSettings)
    """The kept-successes buffer and its self-imitation loss (top_k=0: off)."""
    relabel: bool = False
    """Hindsight relabelling: failed programs enter the buffer as successes of "produce what they produced"
    (curricula.relabel; never held-out content). Needs kept.top_k > 0."""

    def validate(self) -> TrainConfig:
        """Check every field (ValueError naming field, value and the allowed range); returns self."""
        from curricula.schedulers import curriculum_path, load_curriculum

        if not isinstance(self.curriculum, str) or not self.curriculum:
            raise ValueError(f"curriculum must be a shipped curriculum name or a YAML path, got {self.curriculum!r}")
        curriculum_path(self.curriculum)  # ValueError naming the shipped curricula
        load_curriculum(self.curriculum)  # a bad YAML is one line (CurriculumError) here, before any backend starts
        _choice("backend", self.backend, BACKENDS)
        _int("seed", self.seed, 0)
        if self.budget_s is not None and (
            isinstance(self.budget_s, bool) or not isinstance(self.budget_s, (int, float)) or not self.budget_s > 0
        ):
            raise ValueError(f"budget_s must be a number of seconds > 0 or None, got {self.budget_s!r}")
        _int("timesteps", self.timesteps, 1, optional=True)
        _int("programs", self.programs, 1, optional=True)
        _int("max_program_length", self.max_program_length, 2)
        _int("task_length", self.task_length, 8, 1_048_576, optional=True)
        _int("action_slots", self.action_slots, 2, 4096, optional=True)
        if not isinstance(self.permute_actions, bool):
            raise ValueError(f"permute_actions must be true or false, got {self.permute_actions!r}")
        _number("exploration_floor", self.exploration_floor, 0.0, 1.0, high_open=True)
        if self.init_from is not None and (not isinstance(self.init_from, str) or not Path(self.init_from).exists()):
            raise ValueError(
                f"init_from must be an existing run or checkpoint directory, got {self.init_from!r} (no such path)"
            )
        if self.fixed_instance is not None:
            pair = self.fixed_instance
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"fixed_instance must be [seed, index] or None, got {pair!r}")
            _int("fixed_instance seed", pair[0], 0)
            _int("fixed_instance index", pair[1], 0)
            if self.backend != "rllib":
                raise ValueError(f"fixed_instance is honoured by backend rllib only, got backend {self.backend!r}")
        if not isinstance(self.execution, bool):
            raise ValueError(f"execution must be true or false, got {self.execution!r}")
        if not isinstance(self.end_on_pass, bool):
            raise ValueError(f"end_on_pass must be true or false, got {self.end_on_pass!r}")
        if self.end_on_pass and not self.execution:
            raise ValueError("end_on_pass reads the execution runs on the visible examples: set execution to true")
        if self.reward.shaping == "potential" and not self.execution:
            raise ValueError("reward.shaping 'potential' reads the executed prefix: set execution to true")
        if not isinstance(self.relabel, bool):
            raise ValueError(f"relabel must be true or false, got {self.relabel!r}")
        if self.relabel and self.kept.top_k == 0:
            raise ValueError("relabel=true needs the kept-successes buffer (kept.top_k > 0); set relabel=false")
        if self.kept.top_k > 0 and self.permute_actions:
            raise ValueError("kept.top_k > 0 with permute_actions: kept programs cannot be replayed under a fresh "
                             "permutation; set kept.top_k=0 or permute_actions=false")  # fmt: skip
        _int("checkpoint_every", self.checkpoint_every, 1)
        _int("keep_checkpoints", self.keep_checkpoints, 1)
        _int("probe_every", self.probe_every, 0)
        _int("probe_instances", self.probe_instances, 1, 4096)
        for name, kind in SECTIONS.items():
            section: Any = getattr(self, name)
            if not isinstance(section, kind):
                raise ValueError(f"{name} must be a {kind.__name__}, got {type(section).__name__}")
            section.validate()
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """A config from its dict: the nested form to_dict writes, or the old flat config.json of earlier runs.

        A model section without `value_features` (every config.json written
        before it existed) gets False, so an old run resumes, evaluates and
        fine-tunes with the network its checkpoints hold; to_dict always
        writes the field, and a dict with no model section at all gets the
        defaults (True).
        """
        data = upgrade_flat(dict(data))
        top = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - top)
        if unknown:
            raise ValueError(f"config has unknown field(s) {unknown}; known: {sorted(top)}")
        sections: dict[str, Any] = {}
        if "kept" not in data:  # a config.json from before the buffer existed trains on as it did: no buffer
            data["kept"] = {"top_k": 0}
        for name, kind in SECTIONS.items():
            written = name in data
            values = data.pop(name, None) or {}
            if isinstance(values, kind):
                sections[name] = values
                continue
            if not isinstance(values, dict):
                raise ValueError(f"config.{name} must be an object of {kind.__name__} fields, got {values!r}")
            known = {f.name for f in dataclasses.fields(kind)}
            unknown = sorted(set(values) - known)
            if unknown:
                raise ValueError(f"config.{name} has unknown field(s) {unknown}; known: {sorted(known)}")
            if kind is ModelSettings and written and "value_features" not in values:
                # Written before value features existed: that run's network (and its checkpoints' weights) had none.
                values = {**values, "value_features": False}
            sections[name] = kind(**values)
        return cls(**data, **sections)

    @classmethod
    def load(cls, path: str | Path) -> TrainConfig:
        """A run's config.json (or a run directory); an old JAX run's jax_settings.json beside it is folded in."""
        path = Path(path)
        if path.is_dir():
            path = path / CONFIG_FILE
        data = _read_json_object(path)
        old_jax = path.parent / OLD_JAX_SETTINGS_FILE
        if old_jax.is_file() and "jax" not in data:
            data["jax"] = _read_json_object(old_jax)
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: {err}") from None


def _read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object from `path`; ValueError in one line naming the file (missing, truncated, not an object)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist; a run directory holds its {CONFIG_FILE}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} cannot be read ({getattr(err, 'strerror', None) or type(err).__name__})") from None
    try:
        data = json.loads(text)
    except ValueError as err:
        what = "is empty" if not text.strip() else f"is not valid JSON ({err}; truncated?)"
        raise ValueError(f"{path} {what}; restore it from a copy, or start a new run") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} holds a JSON {type(data).__name__}, not an object of TrainConfig fields")
    return data


OLD_SECTION_FIELDS = {
    "rllib": ("num_env_runners", "num_envs_per_env_runner", "num_cpus", "address", "torch_threads"),
    "reward": ("scoring", "shaped_weight", "success_bonus", "step_penalty"),
}
"""Top-level fields of the old flat config.json and the section each moved to."""


def upgrade_flat(data: dict[str, Any]) -> dict[str, Any]:
    """The old flat form (model: str + model_config: dict, rllib and reward fields at the top) -> the nested form.

    A dict already nested is returned unchanged. Old full-context runs read
    program tokens by action index with a plain head: their `actions` is "index".
    """
    if isinstance(data.get("model"), str) or "model_config" in data:
        name = data.pop("model", None) or ModelSettings.name
        model = {"name": name, **dict(data.pop("model_config", None) or {})}
        model.pop("exploration_floor", None)  # never a network size; the floor is a top-level field
        data["model"] = model
    for section, names in OLD_SECTION_FIELDS.items():
        moved = {name: data.pop(name) for name in names if name in data}
        if moved:
            merged = dict(data.get(section) or {})
            merged.update(moved)
            data[section] = merged
    return data
