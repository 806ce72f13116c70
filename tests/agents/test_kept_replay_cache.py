"""Replaying kept programs faster (agents.kept.ReplayCache, the reused replay env) gives exactly what a fresh replay gave.

The reference below is agents.kept.replay_batch as it was before the cache:
a fresh env built with the whole options (curriculum state included) for
every call, every entry stepped again. The JAX backend's replay setup is
used: bf-reasoning, the execution observation, potential shaping.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from agents.kept import KeptEntry, KeptSuccesses, ReplayCache, admit, replay_batch, replay_env, sample_transitions
from agents.reward_env import training_env
from curricula.base import make_task
from curricula.relabel import relabel_program
from curricula.schedulers import load_curriculum

CURRICULUM = "bf-reasoning"
MAKE_ENV = functools.partial(training_env, shaped_weight=1.0, success_bonus=1.0, shaping="potential")
ACTION_OF = {c: i + 1 for i, c in enumerate("><+-.,[]")}  # the canonical Brainfuck action ids (STOP is 0)
PROGRAMS = ("+.", ",+.", ",.", "++.>+.", ",[.,]", ",>,.<.", "+++..")


def _options(stage: int = 0) -> dict:
    scheduler = load_curriculum(CURRICULUM)
    state = scheduler.state_dict()
    state["stage"] = stage
    state["episodes"] = 17 * stage  # a state that differs in more than the stage
    return {
        "curriculum": CURRICULUM,
        "scoring": "binary",
        "max_program_length": 32,
        "step_penalty": 0.002,
        "update_scheduler": False,
        "content_split": "train",
        "curriculum_state": state,
        "execution": True,
    }


def _entries() -> list[KeptEntry]:
    """Relabelled programs (they pass their relabelled instance) of several families, and a few failing ones."""
    scheduler = load_curriculum(CURRICULUM)
    firsts: dict[str, Any] = {}
    for spec in scheduler.entries():
        firsts.setdefault(spec.family, spec)
    out: list[KeptEntry] = []
    for number, spec in enumerate(firsts.values()):
        task = make_task(spec.family, level=spec.level, **spec.config)
        instance = task.instance(3, number)
        for text in PROGRAMS:
            actions = tuple(ACTION_OF[c] for c in text) + (0,)
            relabelled = relabel_program(instance, text, "bf")
            key = spec.key
            if relabelled is not None:
                out.append(KeptEntry(relabelled, actions, "bf", key, 0.0, True))
            elif len(out) % 3 == 0:
                out.append(KeptEntry(instance, actions, "bf", key, 0.0))  # fails on replay: its rows are dropped
    return out


def _reference_replay_batch(entries, env_options) -> dict[str, np.ndarray]:
    """agents.kept.replay_batch before this change (a fresh env per call, every entry stepped)."""
    from agents.kept import _reset_in_language

    env = MAKE_ENV(dict(env_options))
    observations, actions, returns, episodes, failed = [], [], [], [], 0
    for number, entry in enumerate(entries):
        obs = _reset_in_language(env, entry.instance, entry.language, number)
        seen, rewards, success = [], [], False
        for action in entry.actions:
            seen.append(obs)
            obs, r, terminated, truncated, info = env.step(int(action))
            done = terminated or truncated
            success = bool(done and info.get("success"))
            rewards.append(float(r))
            if done:
                break
        else:
            seen.append(obs)
            obs, r, terminated, truncated, info = env.step(0)
            success = bool((terminated or truncated) and info.get("success"))
            rewards.append(float(r))
        if not success:
            failed += 1
            continue
        to_go = np.cumsum(np.asarray(rewards, np.float64)[::-1])[::-1]
        steps = list(entry.actions[: len(seen)]) + [0] * (len(seen) - len(entry.actions))
        observations += seen
        actions += [int(a) for a in steps]
        returns += [float(v) for v in to_go]
        episodes += [number] * len(seen)
    env.close()
    batch = {
        key: np.stack([np.asarray(o[key]) for o in observations]) for key in (observations[0] if observations else [])
    }
    batch["actions"] = np.asarray(actions, np.int64)
    batch["returns"] = np.asarray(returns, np.float32)
    batch["episode"] = np.asarray(episodes, np.int64)
    batch["failed"] = np.asarray(failed, np.int64)
    return batch


def _assert_same(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key].dtype == want[key].dtype and got[key].shape == want[key].shape, key
        assert np.array_equal(got[key], want[key]), key


@pytest.fixture(scope="module")
def entries() -> list[KeptEntry]:
    found = _entries()
    assert sum(e.relabelled for e in found) >= 10 and sum(not e.relabelled for e in found) >= 2
    return found


def test_cached_replays_equal_fresh_replays_in_any_order_and_curriculum_state(entries):
    cache = ReplayCache()
    want = _reference_replay_batch(entries, _options(0))
    assert int(want["failed"]) == sum(not e.relabelled for e in entries)  # the relabelled ones all pass
    assert len(want["actions"]) > 40 and len(set(want["episode"].tolist())) >= 10
    _assert_same(replay_batch(entries, _options(0), make_env=MAKE_ENV, cache=cache), want)
    assert (cache.hits, cache.misses) == (0, len(entries))
    # Every entry again, in another order and another stage: all from the cache, as a fresh replay gives them.
    shuffled = [entries[i] for i in np.random.default_rng(0).permutation(len(entries))] * 2
    later = _options(4)
    _assert_same(
        replay_batch(shuffled, later, make_env=MAKE_ENV, cache=cache), _reference_replay_batch(shuffled, later)
    )
    assert cache.hits == 2 * len(entries)
    # Other options (another step penalty) are another key: replayed, not served.
    other = dict(later, step_penalty=0.01)
    _assert_same(
        replay_batch(entries[:3], other, make_env=MAKE_ENV, cache=cache), _reference_replay_batch(entries[:3], other)
    )
    assert cache.misses == len(entries) + 3


def test_the_cache_forgets_the_least_recently_used(entries):
    cache = ReplayCache(size=2)
    options = _options(0)
    replay_batch(entries[:3], options, make_env=MAKE_ENV, cache=cache)
    assert len(cache) == 2
    replay_batch(entries[1:3], options, make_env=MAKE_ENV, cache=cache)
    assert cache.hits == 2
    replay_batch(entries[:1], options, make_env=MAKE_ENV, cache=cache)
    assert cache.misses == 4
    with pytest.raises(ValueError, match="size must be an int >= 1"):
        ReplayCache(size=0)


def test_a_new_curriculum_state_is_loaded_into_the_same_replay_env(entries):
    first, later = _options(0), _options(3)
    env = replay_env(first, MAKE_ENV)
    assert replay_env(later, MAKE_ENV) is env
    assert env.unwrapped.get_curriculum_state() == later["curriculum_state"]
    # without a cache (the RLlib backend's replays): the reused env replays as a fresh one built with the state
    _assert_same(replay_batch(entries[:8], later, make_env=MAKE_ENV), _reference_replay_batch(entries[:8], later))
    assert replay_env(first, MAKE_ENV) is env and env.unwrapped.curriculum_stage == 0
    assert replay_env(dict(first, step_penalty=0.01), MAKE_ENV) is not env  # other options: another env


def test_admission_and_sil_batches_equal_the_uncached_ones(entries):
    """Three iterations of relabelled candidates admitted, then SIL batches drawn: the same buffer and rows."""
    relabelled = [e for e in entries if e.relabelled]
    passed = [KeptEntry(e.instance, e.actions, e.language, e.entry_key, 1.5) for e in relabelled[:3]]
    fresh_env = lambda options: MAKE_ENV(options)  # noqa: E731  (a new factory: no replay env shared with the other)
    buffers = {"cached": KeptSuccesses(top_k=2), "reference": KeptSuccesses(top_k=2)}
    cache = ReplayCache()
    rngs = {name: np.random.default_rng(7) for name in buffers}
    for iteration in range(3):
        options = _options(iteration)
        batch = relabelled[iteration::2] + relabelled[:2]  # repeats across iterations: hits for the cached buffer
        admit(buffers["cached"], passed, batch, options, make_env=MAKE_ENV, cache=cache)
        admit(buffers["reference"], passed, batch, options, make_env=fresh_env)
        assert buffers["cached"].state_dict() == buffers["reference"].state_dict()
        rows = {name: sample_transitions(buffers[name], rngs[name], 64, options, make_env=MAKE_ENV,
                                         cache=cache if name == "cached" else None)  # fmt: skip
                for name in buffers}  # fmt: skip
        assert rows["cached"] is not None and rows["reference"] is not None
        _assert_same(rows["cached"], rows["reference"])
    assert len(buffers["cached"]) >= 6 and cache.hits > 0
