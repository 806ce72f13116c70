"""Held-out content: deterministic, disjoint from training, non-empty where the content space allows, never drawn by train envs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from curricula.base import make_task
from curricula.heldout import (
    HELDOUT_FRACTION,
    _measure,
    content_key,
    content_report,
    content_space,
    in_split,
    is_heldout,
)
from curricula.schedulers import load_curriculum
from curricula.suites import get_suite

SHIPPED_CURRICULA = ("bf-basics", "befunge-basics", "mixed", "bf-reasoning")


def curriculum_entries():
    seen = {}
    for name in SHIPPED_CURRICULA:
        for entry in load_curriculum(name).entries():
            seen.setdefault((entry.family, entry.level, tuple(sorted(entry.config.items()))), entry)
    return list(seen.values())


def test_content_key_ignores_seed_index_and_family_but_not_the_target():
    char = make_task("emit-char", level=2)
    by_value = {}
    for index in range(64):
        instance = char.instance(index % 3, index)
        by_value.setdefault(instance.tests[0].output, set()).add(content_key(instance))
    assert len(by_value) > 3 and all(len(keys) == 1 for keys in by_value.values())
    assert len({next(iter(keys)) for keys in by_value.values()}) == len(by_value)
    string = make_task("emit-string", length=1, max_value=7).instance(0, 0)
    same = next(char.instance(0, i) for i in range(64) if char.instance(0, i).tests[0].output == string.tests[0].output)
    assert content_key(string) == content_key(same)


def test_split_is_deterministic_across_cache_clears():
    task = make_task("reverse")
    instances = [task.instance(5, i) for i in range(200)]
    first = [is_heldout(inst) for inst in instances]
    _measure.cache_clear()
    assert [is_heldout(inst) for inst in instances] == first
    assert 0 < sum(first) < len(first)


@pytest.mark.parametrize("family, level", [("reverse", None), ("echo-all", 3), ("emit-string", 4), ("add-constant", 5)])
def test_large_spaces_hold_out_about_a_fifth(family, level):
    task = make_task(family, level=level)
    assert content_space(task).rule == "split"
    share = sum(is_heldout(task.instance(11, i)) for i in range(600)) / 600
    assert abs(share - HELDOUT_FRACTION) < 0.07


def test_small_space_holds_out_one_value_and_trains_on_the_rest():
    task = make_task("emit-char", level=2)  # values 1..7
    space = content_space(task)
    assert space.rule == "split" and space.distinct == 7 and space.heldout_seen == 1
    values = {}
    for i in range(300):
        instance = task.instance(0, i)
        values.setdefault(instance.tests[0].output, set()).add(is_heldout(instance))
    assert len(values) == 7 and all(len(sides) == 1 for sides in values.values())
    assert sum(True in sides for sides in values.values()) == 1


@pytest.mark.parametrize("family", ["emit-char", "emit-repeated", "emit-string", "echo-byte", "increment-byte"])
def test_a_content_has_one_status_at_every_level_of_its_family(family):
    status = {}
    for level in range(6):
        task = make_task(family, level=level)
        for index in range(150):
            instance = task.instance(0, index)
            status.setdefault(content_key(instance), set()).add(is_heldout(instance))
        if level:
            assert content_space(task).has_heldout, (family, level, content_space(task).note)
    assert all(len(sides) == 1 for sides in status.values())
    level_zero = content_key(make_task(family, level=0).instance(0, 0))
    assert status[level_zero] == {False}  # what the first stage trains on is never "held out" later


def test_single_content_spaces_are_reported_and_hold_nothing_out():
    report = content_report("emit-char", level=0)
    assert report.distinct == 1 and not report.has_heldout and "one possible content" in report.note
    assert not is_heldout(make_task("emit-char", level=0).instance(3, 3))
    assert not content_report("print-hello").has_heldout


def _entries_of_suites():
    for suite in ("primitives", "pqt", "tiers", "paper"):
        for entry in get_suite(suite).entries:
            yield entry.family, None, entry.config


@pytest.mark.parametrize("source", ["curricula", "suites"])
def test_both_sides_non_empty_wherever_the_space_has_two_contents(source):
    if source == "curricula":
        targets = [(e.family, e.level, e.config) for e in curriculum_entries()]
    else:
        targets = list(_entries_of_suites())
    for family, level, config in targets:
        task = make_task(family, level=level, **config)
        space = content_space(task)
        if space.distinct < 2:
            assert not space.has_heldout, (family, level)
            continue
        assert space.has_heldout, (family, level, space.note)
        sides = {space.holds_out(key) for key in space.sample_keys}
        assert sides == {True, False}, (family, level, space.note)


def test_in_split_partitions():
    task = make_task("echo-all", level=2)
    for i in range(100):
        instance = task.instance(1, i)
        assert in_split(instance, "all")
        assert in_split(instance, "train") != in_split(instance, "heldout")
    with pytest.raises(ValueError, match="content_split must be one of"):
        in_split(instance, "test")


# ---------------------------------------------------------------- through the token envs


def test_train_and_heldout_envs_draw_disjoint_non_empty_content():
    from reasonenv.envs.synthesis import SynthesisEnv

    keys = {}
    for split in ("train", "heldout"):
        env = SynthesisEnv(language="bf", task="emit-string", difficulty=1, content_split=split)
        keys[split] = set()
        for seed in range(150):
            env.reset(seed=seed)
            keys[split].add(content_key(env.instance))
    assert keys["train"] and keys["heldout"]
    assert not keys["train"] & keys["heldout"]
    assert len(keys["train"]) + len(keys["heldout"]) == 9  # 3 values x 2 positions: every content is on one side


def test_train_curriculum_envs_never_draw_heldout_content():
    from reasonenv.envs.curriculum import CurriculumEnv

    for name in SHIPPED_CURRICULA:
        env = CurriculumEnv(curriculum=name, content_split="train", update_scheduler=False)
        state = env.get_curriculum_state()
        stages = len(getattr(env.scheduler, "stages", [None]))
        for stage in range(stages):
            if "stage" in state:
                env.set_curriculum_state({**state, "stage": stage, "window": []})
            for seed in range(120):
                env.reset(seed=1000 * stage + seed)
                assert not is_heldout(env.instance), (name, stage, env.instance.id)


def test_content_split_all_keeps_the_rng_stream():
    from reasonenv.envs.synthesis import SynthesisEnv

    plain = SynthesisEnv(language="bf", task="reverse")
    split = SynthesisEnv(language="bf", task="reverse", content_split="all")
    for seed in range(5):
        plain.reset(seed=seed)
        split.reset(seed=seed)
        assert plain.instance.fingerprint() == split.instance.fingerprint()


def test_split_errors_are_clear():
    from reasonenv.envs.synthesis import SynthesisEnv

    with pytest.raises(ValueError, match="content_split='heldout' is empty.*one possible content"):
        SynthesisEnv(language="bf", task="emit-char", difficulty=0, content_split="heldout")
    with pytest.raises(ValueError, match="content_split must be one of"):
        SynthesisEnv(language="bf", task="reverse", content_split="test")
    task = make_task("reverse")
    held = next(i for i in range(200) if is_heldout(task.instance(0, i)))
    env = SynthesisEnv(language="bf", task="reverse", instance_seed=0, content_split="train")
    with pytest.raises(ValueError, match="no 'train' content for family 'reverse' \\(the instance is fixed"):
        env.reset(seed=0, options={"index": held})
    # options that fix both seed and index are used as given, whatever the split
    env.reset(seed=0, options={"seed": 0, "index": held})
    assert is_heldout(env.instance)


def test_split_is_the_same_in_another_process_with_another_hash_seed():
    import os
    import subprocess
    import sys

    code = (
        "from curricula.base import make_task; from curricula.heldout import is_heldout\n"
        "print(''.join('1' if is_heldout(make_task(f, level=l).instance(2, i)) else '0'"
        " for f, l in (('reverse', None), ('emit-char', 2), ('emit-string', 1)) for i in range(60)))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()
    here = "".join(
        "1" if is_heldout(make_task(f, level=l).instance(2, i)) else "0"
        for f, l in (("reverse", None), ("emit-char", 2), ("emit-string", 1))
        for i in range(60)
    )
    assert there == here and "1" in here and "0" in here


# ---------------------------------------------------------------- emit-char: seeded interior bytes of 1..31


def test_emit_char_holds_out_a_seeded_set_of_interior_bytes():
    from curricula.heldout import EMIT_CHAR_TOP, emit_char_heldout

    held = emit_char_heldout()
    assert held == frozenset({2, 11, 13, 21, 22, 25})  # pinned: a change moves what T1 is measured on
    assert 1 not in held and EMIT_CHAR_TOP not in held and held <= set(range(2, EMIT_CHAR_TOP))
    # the share every level held out before: one of 1..3 and of 1..7, three of 1..15, six of 1..31
    assert [len([b for b in held if b <= top]) for top in (3, 7, 15, 31)] == [1, 1, 3, 6]


@pytest.mark.parametrize("config", [{"level": 1}, {"level": 2}, {"level": 3}, {"level": 4}, {"max_value": 31}])
def test_emit_char_instances_are_held_out_exactly_for_the_pinned_bytes(config):
    from curricula.heldout import emit_char_heldout

    task = make_task("emit-char", **config)
    top = task.config.max_value
    seen = {}
    for index in range(40 * top):
        instance = task.instance(3, index)
        seen[instance.tests[0].output[0]] = is_heldout(instance)
    assert sorted(seen) == list(range(1, top + 1))
    assert {b for b, held in seen.items() if held} == {b for b in emit_char_heldout() if b <= top}


def test_train_envs_never_sample_emit_chars_held_out_bytes_and_heldout_envs_sample_only_them():
    from curricula.heldout import emit_char_heldout
    from reasonenv.envs.synthesis import SynthesisEnv

    drawn = {}
    for split in ("train", "heldout"):
        env = SynthesisEnv(language="bf", task="emit-char", difficulty=4, content_split=split)
        drawn[split] = set()
        for seed in range(400):
            env.reset(seed=seed)
            drawn[split].add(env.instance.tests[0].output[0])
    assert drawn["heldout"] == set(emit_char_heldout())
    assert drawn["train"] == set(range(1, 32)) - emit_char_heldout()


def _held_in_a_process_with(value: str) -> subprocess.CompletedProcess:
    """emit-char's held-out bytes as a fresh process with REASONENV_EMIT_CHAR_SEED=value sees them: from the
    split function and from the instances a held-out env draws (the variable is read once per process)."""
    code = (
        "from curricula.heldout import emit_char_heldout, is_heldout\n"
        "from curricula.base import make_task\n"
        "task = make_task('emit-char', max_value=31)\n"
        "drawn = {task.instance(3, i).tests[0].output[0] for i in range(1200) if is_heldout(task.instance(3, i))}\n"
        "print(sorted(emit_char_heldout()), sorted(drawn))\n"
    )
    environment = {**os.environ, "REASONENV_EMIT_CHAR_SEED": value}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120)


def test_a_fresh_emit_char_split_replaces_the_fixed_one_everywhere_in_its_process():
    fresh = _held_in_a_process_with("2")
    assert fresh.returncode == 0, fresh.stderr
    split, drawn = fresh.stdout.strip().split("] [")
    held = {int(b) for b in split.strip("[]").split(", ")}
    assert held == {3, 8, 9, 21, 22, 27} and {int(b) for b in drawn.strip("[]").split(", ")} == held
    assert 1 not in held and 31 not in held  # the ends stay trained on, as in the fixed split
    bad = _held_in_a_process_with("two")
    assert bad.returncode != 0 and "REASONENV_EMIT_CHAR_SEED='two' is not an integer seed" in bad.stderr
