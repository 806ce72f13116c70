"""Kept successes: a top-K buffer of the agent's own passing programs, and the observations a loss replays them into.

    buffer = KeptSuccesses(top_k=8)
    buffer.add(KeptEntry(instance, actions, "bf", "emit-char@L4", episode_return))
    batch = replay_batch(buffer.sample(rng, 32), env_options)   # {"task": [N, T], ..., "actions": [N], "returns": [N]}

**What is kept.** Passing programs only (real successes, and hindsight
relabelled failures, which pass their relabelled instance by construction:
curricula.relabel). They are grouped by curriculum entry key, and for spec
tasks (an instance whose spec states the target: emit-char, emit-string,
...) also by content (`curricula.heldout.content_key`), so one entry keeps
K programs *per target*; relabelled entries of example tasks get a group of
their own per entry, so they never push a real success out. Each group
keeps its best `top_k` programs ranked by return, then by shortness (fewer
actions first); the same actions twice in one group count once (the newer
instance replaces the older, so example tasks see fresh inputs). An entry
key keeps at most `max_contents` content groups; a new one past that drops
the group added longest ago.

**Sampling.** `sample(rng, n)` draws n entries with replacement: an entry
key uniformly, then a group of it, then an entry of the group, so each
curriculum entry (and each target) gets its share however many programs it
has.

**Returns.** An entry's `episode_return` is the training reward the episode
paid (gamma = 1: the sum). A relabelled entry counts as a success of its
relabelled instance: its return is what that instance pays the same
actions (success_bonus plus the shaped part as if it passed), measured by
replaying it (`replay_returns`), never guessed.

**Replay.** `replay_batch(entries, env_options)` rebuilds the observations
by stepping each entry's actions in a Gym token env reset with
`options={"instance": instance}` (reasonenv/Curriculum-v0 with
`env_options`, or the caller's `make_env`), so a loss sees exactly what the
policy saw; rows of an episode that does not pass on replay are dropped
(counted in `"failed"`). The env's curriculum picks the episode's language;
a reset is retried until it is the entry's (bounded, so a curriculum
without that language raises one line).

**Saving.** `state_dict()` holds plain tuples and curricula Instances
(pickle-safe); `save(path)` / `KeptSuccesses.load(path, log)` write and
read one pickle file. A damaged or unreadable file gives one line through
`log` and an empty buffer, never an exception.

numpy and gymnasium are imported here; no torch, jax or ray.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents.run_dir import KEPT_FILE  # noqa: F401  (the buffer's file in a checkpoint's algorithm/; one definition)
from curricula.base import Instance

STATE_VERSION = 1
RELABELLED_GROUP = "relabelled"
LANGUAGE_TRIES = 64
"""Resets tried until the curriculum env poses the entry's language (replay)."""


@dataclass(frozen=True)
class KeptEntry:
    """One kept program: the instance it passes, its action ids, language, curriculum entry key and return."""

    instance: Instance
    actions: tuple[int, ...]
    language: str
    entry_key: str
    episode_return: float
    relabelled: bool = False

    def as_tuple(self) -> tuple:
        return (self.instance, tuple(int(a) for a in self.actions), self.language, self.entry_key,
                float(self.episode_return), bool(self.relabelled))  # fmt: skip


def group_of(entry: KeptEntry) -> tuple[str, str]:
    """(entry key, content) of the group an entry competes in (module docstring)."""
    from curricula.heldout import content_key
    from curricula.spec import instance_spec

    if instance_spec(entry.instance):
        return entry.entry_key, content_key(entry.instance)
    return entry.entry_key, RELABELLED_GROUP if entry.relabelled else ""


def _rank(entry: KeptEntry) -> tuple[float, int]:
    return -float(entry.episode_return), len(entry.actions)


class KeptSuccesses:
    """Top-K passing programs per curriculum entry key (and per content for spec tasks)."""

    def __init__(self, top_k: int = 8, max_contents: int = 256):
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"KeptSuccesses top_k must be an int >= 1, got {top_k!r}")
        if isinstance(max_contents, bool) or not isinstance(max_contents, int) or max_contents < 1:
            raise ValueError(f"KeptSuccesses max_contents must be an int >= 1, got {max_contents!r}")
        self.top_k, self.max_contents = top_k, max_contents
        self._groups: dict[tuple[str, str], list[KeptEntry]] = {}  # insertion order = age of the group
        self.added = 0
        """Entries accepted over the buffer's life (a counter for logs)."""

    # ------------------------------------------------------------------ contents
    def __len__(self) -> int:
        return sum(len(group) for group in self._groups.values())

    def entries(self) -> list[KeptEntry]:
        """Every kept entry, group by group, best first within a group."""
        return [entry for group in self._groups.values() for entry in group]

    def group(self, entry_key: str, content: str = "") -> list[KeptEntry]:
        """The entries of one group, best first (a copy)."""
        return list(self._groups.get((entry_key, content), []))

    def groups(self) -> list[tuple[str, str]]:
        return list(self._groups)

    def add(self, entry: KeptEntry) -> bool:
        """Keep `entry` if it ranks among its group's top K; returns whether it was kept."""
        if not isinstance(entry, KeptEntry):
            raise TypeError(f"KeptSuccesses.add takes a KeptEntry, got {type(entry).__name__}")
        if not np.isfinite(entry.episode_return):
            raise ValueError(f"a kept entry's return must be a finite number, got {entry.episode_return!r}")
        key = group_of(entry)
        group = self._groups.get(key)
        if group is None:
            contents = [k for k in self._groups if k[0] == key[0]]
            if len(contents) >= self.max_contents:
                del self._groups[contents[0]]  # the oldest group of this entry key
            group = self._groups[key] = []
        actions = tuple(int(a) for a in entry.actions)
        entry = KeptEntry(entry.instance, actions, entry.language, entry.entry_key, float(entry.episode_return),
                          bool(entry.relabelled))  # fmt: skip
        same = next((i for i, old in enumerate(group) if old.actions == actions), None)
        if same is not None:
            old = group.pop(same)
            if _rank(old) < _rank(entry):  # keep the better return, with the newer instance
                entry = KeptEntry(entry.instance, actions, entry.language, entry.entry_key, old.episode_return,
                                  entry.relabelled)  # fmt: skip
        group.append(entry)
        group.sort(key=_rank)
        kept = entry in group[: self.top_k]
        del group[self.top_k :]
        if not group:
            del self._groups[key]
        self.added += int(kept)
        return kept

    def would_keep(self, entry_key: str, content: str, length: int, episode_return: float | None = None) -> bool:
        """Whether a program of `length` actions could enter the group (with an unknown return: if it is shorter
        than the group's longest, or the group has room)."""
        group = self._groups.get((entry_key, content), [])
        if len(group) < self.top_k:
            return True
        worst = group[-1]
        if episode_return is None:
            return length < len(worst.actions)
        return _rank(KeptEntry(worst.instance, (0,) * length, "", entry_key, episode_return)) < _rank(worst)

    def sample(self, rng: np.random.Generator, n: int) -> list[KeptEntry]:
        """n entries with replacement: an entry key uniformly, then one of its groups, then one of its entries."""
        if not self._groups or n <= 0:
            return []
        by_key: dict[str, list[tuple[str, str]]] = {}
        for key in self._groups:
            by_key.setdefault(key[0], []).append(key)
        keys = list(by_key)
        picked = []
        for _ in range(int(n)):
            groups = by_key[keys[int(rng.integers(len(keys)))]]
            group = self._groups[groups[int(rng.integers(len(groups)))]]
            picked.append(group[int(rng.integers(len(group)))])
        return picked

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """{"version", "top_k", "max_contents", "added", "entries": [(instance, actions, language, key, return,
        relabelled), ...]} in group order: plain data and curricula Instances (pickle-safe)."""
        return {
            "version": STATE_VERSION,
            "top_k": self.top_k,
            "max_contents": self.max_contents,
            "added": self.added,
            "entries": [entry.as_tuple() for entry in self.entries()],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the contents with a state_dict's (this buffer's top_k and max_contents apply)."""
        if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
            raise ValueError(f"not a KeptSuccesses state (version {STATE_VERSION}): {type(state).__name__}")
        rows = list(state["entries"])
        for row in rows:
            if not (isinstance(row, tuple) and len(row) == 6 and isinstance(row[0], Instance)):
                raise ValueError(f"a KeptSuccesses state row must be (Instance, actions, language, key, return, "
                                 f"relabelled), got {row!r:.120}")  # fmt: skip
        self._groups = {}
        for row in rows:
            self.add(KeptEntry(*row))
        self.added = int(state.get("added", len(self)))

    def save(self, path: str | Path) -> None:
        """Write the state as one pickle file (whole or not at all)."""
        from reasonenv.files import atomic_file

        with atomic_file(Path(path), "wb") as handle:
            pickle.dump(self.state_dict(), handle, protocol=pickle.HIGHEST_PROTOCOL)

    def load(self, path: str | Path, log: Callable[[str], None] = print) -> bool:
        """Load what `save` wrote; a missing file keeps the buffer as is (False), a damaged one empties it with one
        line through `log` (False); True when loaded."""
        path = Path(path)
        if not path.is_file():
            return False
        try:
            with path.open("rb") as handle:
                state = pickle.load(handle)
            self.load_state_dict(state)
        except Exception as err:  # any damage (truncated, garbage, foreign pickle): the run goes on without it
            self._groups, self.added = {}, 0
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            log(
                f"kept-successes buffer {path} is damaged ({type(err).__name__}: {first}); starting with an empty buffer"
            )
            return False
        return True


# ----------------------------------------------------------------------------- replay

_ENVS: dict[tuple, Any] = {}


def _curriculum_env(env_options: Mapping[str, Any]):
    import gymnasium as gym

    import reasonenv.envs.registration  # noqa: F401  (registers the ids)

    return gym.make("reasonenv/Curriculum-v0", **dict(env_options))


def replay_env(env_options: Mapping[str, Any], make_env: Callable[[dict[str, Any]], Any] | None = None):
    """The (cached) env replays run in: make_env(env_options), default reasonenv/Curriculum-v0 with them."""
    import json

    key = (id(make_env), json.dumps(dict(env_options), sort_keys=True, default=str))
    env = _ENVS.get(key)
    if env is None:
        if len(_ENVS) >= 8:
            _ENVS.pop(next(iter(_ENVS))).close()
        env = _ENVS[key] = (make_env or _curriculum_env)(dict(env_options))
    return env


def _reset_in_language(env, instance: Instance, language: str, seed: int):
    for attempt in range(LANGUAGE_TRIES):
        obs, info = env.reset(seed=seed + attempt, options={"instance": instance})
        if info.get("language", language) == language:
            return obs
    raise ValueError(
        f"replay: the env never posed language {language!r} in {LANGUAGE_TRIES} resets; a kept entry must come from "
        "the curriculum the env runs"
    )


def replay_batch(
    entries: Sequence[KeptEntry],
    env_options: Mapping[str, Any],
    *,
    make_env: Callable[[dict[str, Any]], Any] | None = None,
    reward: Callable[[float, bool], float] | None = None,
) -> dict[str, np.ndarray]:
    """Observations, actions and returns-to-go of every step of `entries`, replayed in a Gym token env.

    Returns a dict of numpy arrays with one row per step: every observation
    key of the env (e.g. "task" [N, T], "program" [N, L], "action_mask"
    [N, A], ...), "actions" [N] int64, "returns" [N] float32 (the sum of the
    step's and later rewards; `reward(env_reward, success)` maps the env's
    reward to the training reward, default: as the env pays it),
    "episode" [N] int64 (index into `entries`); plus "failed" (a 0-d
    count of entries whose replay did not pass: their rows are dropped).
    An observation's 0-d values (family, language) become [N] arrays.
    """
    env = replay_env(env_options, make_env)
    observations: list[dict[str, np.ndarray]] = []
    actions: list[int] = []
    returns: list[float] = []
    episodes: list[int] = []
    failed = 0
    for number, entry in enumerate(entries):
        obs = _reset_in_language(env, entry.instance, entry.language, number)
        seen, rewards, success = [], [], False
        for action in entry.actions:
            seen.append(obs)
            obs, r, terminated, truncated, info = env.step(int(action))
            done = terminated or truncated
            success = bool(done and info.get("success"))
            rewards.append(float(reward(r, success)) if reward is not None else float(r))
            if done:
                break
        else:  # the actions did not end the episode: the program was ended by STOP (action 0), not recorded
            seen.append(obs)
            obs, r, terminated, truncated, info = env.step(0)
            success = bool((terminated or truncated) and info.get("success"))
            rewards.append(float(reward(r, success)) if reward is not None else float(r))
        if not success:
            failed += 1
            continue
        to_go = np.cumsum(np.asarray(rewards, np.float64)[::-1])[::-1]
        steps = list(entry.actions[: len(seen)]) + [0] * (len(seen) - len(entry.actions))
        observations += seen
        actions += [int(a) for a in steps]
        returns += [float(v) for v in to_go]
        episodes += [number] * len(seen)
    batch: dict[str, np.ndarray] = {}
    keys = list(observations[0]) if observations else []
    for key in keys:
        batch[key] = np.stack([np.asarray(o[key]) for o in observations])
    batch["actions"] = np.asarray(actions, np.int64)
    batch["returns"] = np.asarray(returns, np.float32)
    batch["episode"] = np.asarray(episodes, np.int64)
    batch["failed"] = np.asarray(failed, np.int64)
    return batch


def replay_returns(
    entries: Sequence[KeptEntry],
    env_options: Mapping[str, Any],
    *,
    make_env: Callable[[dict[str, Any]], Any] | None = None,
    reward: Callable[[float, bool], float] | None = None,
) -> list[KeptEntry]:
    """The entries that pass on replay, each with the return its replay paid (for relabelled entries, whose
    return is what their relabelled instance pays)."""
    batch = replay_batch(entries, env_options, make_env=make_env, reward=reward)
    out = []
    for number, entry in enumerate(entries):
        rows = np.flatnonzero(batch["episode"] == number)
        if len(rows):
            total = float(batch["returns"][rows[0]])
            out.append(KeptEntry(entry.instance, entry.actions, entry.language, entry.entry_key, total,
                                 entry.relabelled))  # fmt: skip
    return out


def transitions(batch: Mapping[str, np.ndarray], rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """n rows of a replayed batch, drawn without replacement (all of them when it has fewer)."""
    rows = len(batch["actions"])
    pick = rng.permutation(rows)[: min(n, rows)] if rows > n else np.arange(rows)
    return {key: value[pick] for key, value in batch.items() if np.ndim(value) >= 1}


def candidates_worth_replaying(buffer: KeptSuccesses, entries: Iterable[KeptEntry]) -> list[KeptEntry]:
    """Relabelled candidates whose return is unknown, thinned before the replay that measures it: one per
    (group, actions), and only those short enough to enter their group's top K."""
    seen: set[tuple] = set()
    out = []
    for entry in entries:
        key = group_of(entry)
        mark = (key, tuple(entry.actions))
        if mark in seen or not buffer.would_keep(key[0], key[1], len(entry.actions)):
            continue
        if any(old.actions == tuple(entry.actions) for old in buffer.group(*key)):
            continue
        seen.add(mark)
        out.append(entry)
    return out


def admit(
    buffer: KeptSuccesses,
    passed: Iterable[KeptEntry],
    relabelled: Iterable[KeptEntry],
    env_options: Mapping[str, Any],
    make_env: Callable[[dict[str, Any]], Any] | None = None,
) -> None:
    """Add an iteration's passing programs, then the relabelled ones worth it, each paid what its replay pays."""
    for entry in passed:
        buffer.add(entry)
    worth = candidates_worth_replaying(buffer, relabelled)
    for entry in replay_returns(worth, env_options, make_env=make_env):
        buffer.add(entry)


def sample_transitions(
    buffer: KeptSuccesses,
    rng: np.random.Generator,
    n: int,
    env_options: Mapping[str, Any],
    make_env: Callable[[dict[str, Any]], Any] | None = None,
) -> dict[str, np.ndarray] | None:
    """About `n` transitions of buffer samples, replayed (enough programs for n at the buffer's mean length); None if none replay."""
    lengths = [len(e.actions) for e in buffer.entries()]
    count = max(1, int(np.ceil(n / max(1.0, float(np.mean(lengths))))))
    batch = replay_batch(buffer.sample(rng, count), env_options, make_env=make_env)
    return batch if len(batch["actions"]) else None
