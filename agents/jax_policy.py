"""A JAX trainer checkpoint as a greedy `reasonenv.policy.Policy`, for the Python Gymnasium envs (evaluate, bench).

    policy = load_jax_policy(checkpoint_dir)     # checkpoints/iter_N (its algorithm/ holds jax_policy.json)
    action = policy.act(observation)              # argmax over the actions the mask allows

Only the weights are restored (orbax, without the optimizer state); the
model is rebuilt from `algorithm/jax_policy.json`. `agents.checkpoint.load_policy`
dispatches here when a checkpoint has that file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

POLICY_FILE = "jax_policy.json"
STATE_DIR = "state"
BATCH_SIZES = (8, 64)
"""act_batch pads its batch to one of these (past the last, to a multiple of it): evaluation's lockstep batches
shrink as episodes end, and every new batch size would compile the model again (seconds each)."""


def padded_size(rows: int) -> int:
    for size in BATCH_SIZES:
        if rows <= size:
            return size
    return -(-rows // BATCH_SIZES[-1]) * BATCH_SIZES[-1]


def is_jax_checkpoint(checkpoint: str | Path) -> bool:
    """True when `checkpoint` (a checkpoints/iter_N directory) was written by agents.jax_trainer."""
    return (Path(checkpoint) / "algorithm" / POLICY_FILE).is_file()


class JaxGreedyPolicy:
    """`act(observation) -> int`: the Flax model's argmax over allowed actions; `act_batch` for several at once."""

    def __init__(self, model, params, checkpoint: Path, meta: dict, config: dict | None = None):
        import jax

        self.model, self.params, self.checkpoint, self.meta = model, params, Path(checkpoint), meta
        self.config = config or {}
        self.task_length = int(meta["task_length"])
        self.program_length = int(meta["program_length"])
        self.num_actions = int(meta["num_actions"])
        self._logits = jax.jit(lambda p, obs: model.apply(p, obs)[0])

    @property
    def env_options(self) -> dict:
        """Token env arguments the policy was trained with (what `reasonenv evaluate` passes to its envs)."""
        return {"max_program_length": self.program_length}

    def act(self, observation: dict[str, np.ndarray]) -> int:
        return int(self.act_batch([observation])[0])

    def act_batch(self, observations: list[dict[str, np.ndarray]]) -> np.ndarray:
        rows = len(observations)
        batch = {
            "task": np.stack([self._fit(o["task"], self.task_length, "task") for o in observations]),
            "program": np.stack([self._fit(o["program"], self.program_length, "program") for o in observations]),
            "action_effects": np.stack(
                [self._fit(o["action_effects"], self.num_actions, "action_effects") for o in observations]
            ),
            "action_mask": np.stack(
                [self._fit(o["action_mask"], self.num_actions, "action_mask") for o in observations]
            ).astype(np.int8),
        }
        size = padded_size(rows)
        padded = {
            key: np.concatenate([value, np.zeros((size - rows,) + value.shape[1:], value.dtype)])
            for key, value in batch.items()
        }
        logits = np.asarray(self._logits(self.params, padded))[:rows]  # padding rows (empty streams) are dropped
        logits = np.where(
            batch["action_mask"].astype(bool), logits, -np.inf
        )  # only allowed actions, whatever the model did
        return logits.argmax(-1)

    def _fit(self, array, size: int, name: str) -> np.ndarray:
        """Pad with 0 (PAD / no token / pad effect / masked) or cut to the trained size."""
        array = np.asarray(array, np.int32).reshape(-1)
        if array.shape[0] >= size:
            if name in ("action_effects", "action_mask", "program") and array[size:].any():
                raise ValueError(
                    f"observation {name!r} has {array.shape[0]} entries in use; this policy "
                    f"({self.checkpoint}) was trained with {size}"
                )
            return array[:size]  # a longer task is cut: the model sees its first task_length tokens
        return np.concatenate([array, np.zeros(size - array.shape[0], np.int32)])


def load_jax_policy(checkpoint: str | Path) -> JaxGreedyPolicy:
    """The greedy policy of a JAX checkpoint directory (checkpoints/iter_N); ValueError naming it otherwise."""
    import jax
    import orbax.checkpoint as ocp

    from agents.nets import LEGACY_MODELS
    from agents.nets.flax_nets import build_net

    checkpoint = Path(checkpoint)
    meta_path = checkpoint / "algorithm" / POLICY_FILE
    if not meta_path.is_file():
        raise ValueError(f"{str(checkpoint)!r} is not a JAX trainer checkpoint (no algorithm/{POLICY_FILE})")
    meta = json.loads(meta_path.read_text())
    settings = dict(meta["settings"])
    if "name" not in settings:  # agents.jax_trainer writes an old model name beside the sizes
        settings["name"], settings["actions"] = LEGACY_MODELS[meta["model"]]
    model = build_net(settings, meta["task_length"], meta["program_length"], meta["num_actions"])
    obs = {
        "task": np.zeros((1, meta["task_length"]), np.int32),
        "program": np.zeros((1, meta["program_length"]), np.int32),
        "action_effects": np.zeros((1, meta["num_actions"]), np.int32),
        "action_mask": np.ones((1, meta["num_actions"]), np.int8),
    }
    template = jax.eval_shape(model.init, jax.random.PRNGKey(0), obs)  # shapes and dtypes only: nothing runs
    import warnings

    with warnings.catch_warnings():  # orbax warns that it reads the sharding from file: one CPU/GPU device either way
        warnings.simplefilter("ignore", UserWarning)
        restored = ocp.PyTreeCheckpointer().restore((checkpoint / "algorithm" / STATE_DIR).resolve())
    params = jax.tree_util.tree_map(
        lambda like, value: np.asarray(value, like.dtype).reshape(like.shape),
        template,
        _as_like(restored["params"], template),
    )
    config_path = checkpoint.parent.parent / "config.json"  # the run directory's TrainConfig
    config = json.loads(config_path.read_text()) if config_path.is_file() else None
    return JaxGreedyPolicy(model, params, checkpoint, meta, config)


def _as_like(tree, template):
    """Orbax restores without a target as nested dicts; give them the template's container types."""
    import jax

    leaves = jax.tree_util.tree_leaves(tree)
    structure = jax.tree_util.tree_structure(template)
    if len(leaves) != structure.num_leaves:
        raise ValueError(f"checkpoint weights hold {len(leaves)} arrays, the model {structure.num_leaves}")
    flat_template = jax.tree_util.tree_flatten_with_path(template)[0]
    lookup = {jax.tree_util.keystr(path): value for path, value in jax.tree_util.tree_flatten_with_path(tree)[0]}
    return jax.tree_util.tree_unflatten(structure, [lookup[jax.tree_util.keystr(path)] for path, _ in flat_template])
