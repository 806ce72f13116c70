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
without that language raises one line). The env is built once per options
(a new curriculum state is loaded into it), and with a `ReplayCache` an
entry's rows are stepped once and served from the cache while it stays:

    cache = ReplayCache()
    batch = sample_transitions(buffer, rng, 1024, env_options, make_env=make, cache=cache)

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
"""Replay envs by (make_env identity, options without the curriculum state) -> (env, its state's JSON)."""
CURRICULUM_STATE = "curriculum_state"
"""The env option a new scheduler state arrives in (every iteration: the history grows), loaded into a cached env."""


def _curriculum_env(env_options: Mapping[str, Any]):
    import gymnasium as gym

    import reasonenv.envs.registration  # noqa: F401  (registers the ids)

    return gym.make("reasonenv/Curriculum-v0", **dict(env_options))


def _options_key(env_options: Mapping[str, Any]) -> str:
    import json

    return json.dumps({k: v for k, v in env_options.items() if k != CURRICULUM_STATE}, sort_keys=True, default=str)


def replay_env(env_options: Mapping[str, Any], make_env: Callable[[dict[str, Any]], Any] | None = None):
    """The (cached) env replays run in: make_env(env_options), default reasonenv/Curriculum-v0 with them.

    A new `curriculum_state` is loaded into the cached env (`set_curriculum_state`, which replaces the whole
    scheduler state) instead of building another: building one parses the curriculum YAML, about half of what
    replays cost an iteration in a profile. The env is otherwise as built: a replay reseeds it at every reset and never updates its
    scheduler (update_scheduler=False), so what it replays does not depend on how long it lived.
    """
    import json

    options = dict(env_options)
    state = options.get(CURRICULUM_STATE)
    state_json = json.dumps(state, sort_keys=True, default=str)
    key = (id(make_env), _options_key(options))
    cached = _ENVS.get(key)
    if cached is not None and cached[1] != state_json:
        loader = getattr(cached[0].unwrapped, "set_curriculum_state", None)
        if state is not None and callable(loader):
            loader(state)
            cached = _ENVS[key] = (cached[0], state_json)
        else:  # no state to load (or an env that cannot): build one with these options, as before
            _ENVS.pop(key)[0].close()
            cached = None
    if cached is None:
        if len(_ENVS) >= 8:
            _ENVS.pop(next(iter(_ENVS)))[0].close()
        cached = _ENVS[key] = ((make_env or _curriculum_env)(options), state_json)
    return cached[0]


def _reset_in_language(env, instance: Instance, language: str, seed: int):
    for attempt in range(LANGUAGE_TRIES):
        obs, info = env.reset(seed=seed + attempt, options={"instance": instance})
        if info.get("language", language) == language:
            return obs
    raise ValueError(
        f"replay: the env never posed language {language!r} in {LANGUAGE_TRIES} resets; a kept entry must come from "
        "the curriculum the env runs"
    )


@dataclass(frozen=True)
class Replayed:
    """One entry's replay: each observation key's rows stacked ([n, ...]), the n actions and returns-to-go
    (float64); `observations` None when the replay did not pass (its rows are dropped)."""

    observations: dict[str, np.ndarray] | None
    actions: np.ndarray
    returns: np.ndarray


class ReplayCache:
    """Replays of kept entries, least recently used out past `size`: a kept entry's rows never change while it stays.

    Keyed by (make_env identity, env options without the curriculum state,
    instance fingerprint, actions, language). What a replay gives depends on
    nothing else: the instance is the reset option, the language is checked
    at reset, every reset is seeded, and the scheduler (the curriculum state)
    picks only which spec is posed, never the observation or the reward. So
    a hit skips the env, and with it `_reset_in_language`'s check that the
    current stage still poses the entry's language (a miss still raises).
    Replays with a `reward` callback are not cached. For envs whose
    observation depends on the reset seed (the RLlib backend's
    permute_actions) do not pass a cache.
    """

    def __init__(self, size: int = 2048):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"ReplayCache size must be an int >= 1, got {size!r}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._rows: dict[tuple, Replayed] = {}  # insertion order = last use

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: tuple) -> Replayed | None:
        found = self._rows.pop(key, None)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._rows[key] = found
        return found

    def put(self, key: tuple, replayed: Replayed) -> None:
        self._rows[key] = replayed
        while len(self._rows) > self.size:
            del self._rows[next(iter(self._rows))]


def _replay_one(env, entry: KeptEntry, number: int, reward: Callable[[float, bool], float] | None) -> Replayed:
    """Step one entry's actions in `env` (reset to its instance, in its language, seed `number`)."""
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
        return Replayed(None, np.zeros(0, np.int64), np.zeros(0, np.float64))
    to_go = np.cumsum(np.asarray(rewards, np.float64)[::-1])[::-1]
    steps = list(entry.actions[: len(seen)]) + [0] * (len(seen) - len(entry.actions))
    stacked = {key: np.stack([np.asarray(o[key]) for o in seen]) for key in seen[0]}
    return Replayed(stacked, np.asarray([int(a) for a in steps], np.int64), to_go)


def replay_batch(
    entries: Sequence[KeptEntry],
    env_options: Mapping[str, Any],
    *,
    make_env: Callable[[dict[str, Any]], Any] | None = None,
    reward: Callable[[float, bool], float] | None = None,
    cache: ReplayCache | None = None,
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
    With a `cache` (and no `reward`), an entry replayed before under the same
    options is not stepped again (ReplayCache says why that is exact).
    """
    use_cache = cache is not None and reward is None
    options_key = (id(make_env), _options_key(env_options)) if use_cache else None
    env = None
    replays: list[Replayed] = []
    for number, entry in enumerate(entries):
        mark: tuple | None = None
        found: Replayed | None = None
        if use_cache and cache is not None:
            mark = (options_key, entry.instance.fingerprint(), tuple(entry.actions), entry.language)
            found = cache.get(mark)
        if found is None:
            env = env if env is not None else replay_env(env_options, make_env)
            found = _replay_one(env, entry, number, reward)
            if mark is not None and cache is not None:
                cache.put(mark, found)
        replays.append(found)
    passed = [(number, r) for number, r in enumerate(replays) if r.observations is not None]
    batch: dict[str, np.ndarray] = {}
    keys = list(passed[0][1].observations or {}) if passed else []
    for key in keys:
        batch[key] = np.concatenate([(r.observations or {})[key] for _, r in passed])
    batch["actions"] = np.concatenate([r.actions for _, r in passed] or [np.zeros(0, np.int64)])
    batch["returns"] = np.concatenate([r.returns for _, r in passed] or [np.zeros(0)]).astype(np.float32)
    batch["episode"] = np.concatenate(
        [np.full(len(r.actions), n, np.int64) for n, r in passed] or [np.zeros(0, np.int64)]
    )
    batch["failed"] = np.asarray(len(replays) - len(passed), np.int64)
    return batch


def replay_returns(
    entries: Sequence[KeptEntry],
    env_options: Mapping[str, Any],
    *,
    make_env: Callable[[dict[str, Any]], Any] | None = None,
    reward: Callable[[float, bool], float] | None = None,
    cache: ReplayCache | None = None,
) -> list[KeptEntry]:
    """The entries that pass on replay, each with the return its replay paid (for relabelled entries, whose
    return is what their relabelled instance pays)."""
    batch = replay_batch(entries, env_options, make_env=make_env, reward=reward, cache=cache)
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
    cache: ReplayCache | None = None,
) -> None:
    """Add an iteration's passing programs, then the relabelled ones worth it, each paid what its replay pays
    (their replays go into `cache` when given, where the SIL batches of admitted ones find them)."""
    for entry in passed:
        buffer.add(entry)
    worth = candidates_worth_replaying(buffer, relabelled)
    for entry in replay_returns(worth, env_options, make_env=make_env, cache=cache):
        buffer.add(entry)


def sample_transitions(
    buffer: KeptSuccesses,
    rng: np.random.Generator,
    n: int,
    env_options: Mapping[str, Any],
    make_env: Callable[[dict[str, Any]], Any] | None = None,
    cache: ReplayCache | None = None,
) -> dict[str, np.ndarray] | None:
    """About `n` transitions of buffer samples, replayed (enough programs for n at the buffer's mean length; from
    `cache` when given); None if none replay."""
    lengths = [len(e.actions) for e in buffer.entries()]
    count = max(1, int(np.ceil(n / max(1.0, float(np.mean(lengths))))))
    batch = replay_batch(buffer.sample(rng, count), env_options, make_env=make_env, cache=cache)
    return batch if len(batch["actions"]) else None
