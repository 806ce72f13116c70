"""The bf-reasoning curriculum: its stages and entries, default Brainfuck semantics everywhere, promotion rule, probes, caps."""

from __future__ import annotations

import pytest

from curricula.base import family_class, reference_solution
from curricula.heldout import content_space, emit_char_heldout, is_heldout
from curricula.schedulers import EpisodeResult, StagedCurriculum, load_curriculum
from curricula.verify import execute

STAGES = [
    ("emit-char-7", "emit-char@L2@bf"),
    ("emit-char-15", "emit-char@L3@bf"),
    ("emit-char-31", "emit-char@L4@bf"),
    ("emit-string-2", 'emit-string@{"length":2,"max_value":7}@bf'),
    ("emit-string-3", 'emit-string@{"length":3,"max_value":7}@bf'),
    ("echo-byte", "echo-byte@L7@bf"),
    ("increment-byte", "increment-byte@L7@bf"),
    ("echo-twice-byte", "echo-twice-byte@L7@bf"),
    ("echo-all", 'echo-all@{"max_length":4}@bf'),
    ("add-constant", 'add-constant@{"constant":1,"max_length":4}@bf'),
    ("swap-two", "swap-two@bf"),
    ("pair-twice", "pair-twice@bf"),
    ("last-byte", 'last-byte@{"max_length":8}@bf'),
    ("reverse-2", 'reverse-bytes@{"max_length":2}@bf'),
    ("reverse-3", 'reverse-bytes@{"max_length":3}@bf'),
    ("reverse-4", 'reverse-bytes@{"max_length":4}@bf'),
    ("reverse-6", 'reverse-bytes@{"max_length":6}@bf'),
    ("reverse-8", 'reverse-bytes@{"max_length":8}@bf'),
]
CAPS = [600] * 3 + [1200] * 2 + [900] * 5 + [1200] * 3 + [1800] * 4 + [None]


@pytest.fixture(scope="module")
def curriculum() -> StagedCurriculum:
    cur = load_curriculum("bf-reasoning")
    assert isinstance(cur, StagedCurriculum)
    return cur


def test_stages_add_one_new_entry_each_and_keep_every_earlier_one(curriculum):
    assert [(stage.name, stage.new_entry.key) for stage in curriculum.stages] == STAGES
    before: list[str] = []
    for stage in curriculum.stages:
        keys = [entry.key for entry in stage.mixture]
        assert keys == [*before, stage.new_entry.key] and stage.new is None
        weights = [entry.weight for entry in stage.mixture]
        assert weights[:-1] == [1.0] * len(before) and weights[-1] == max(1, len(before))
        before = keys


def test_promotion_reads_the_new_entry_and_a_probe_and_every_stage_but_the_last_has_a_cap(curriculum):
    for stage, cap in zip(curriculum.stages, CAPS):
        rule = stage.promotion
        assert (rule.on, rule.threshold, rule.window, rule.demotion) == ("new_entry", 0.9, 64, None)
        assert rule.probe is not None and rule.probe.threshold == 0.9
        assert rule.time_cap_s == cap, stage.name


def test_every_stage_has_held_out_content_to_probe(curriculum):
    cur = load_curriculum("bf-reasoning")
    for number, stage in enumerate(cur.stages):
        cur.stage = number
        (spec,) = cur.probe_entries()
        assert spec.key == stage.new_entry.key and spec.stage == number
        space = content_space(spec.make_task())
        assert space.has_heldout and {space.holds_out(k) for k in space.sample_keys} == {True, False}, stage.name


def test_emit_char_stages_hold_out_the_seeded_interior_bytes(curriculum):
    for stage in curriculum.stages[:3]:
        task = stage.new_entry.spec(0).make_task()
        top = task.config.max_value
        held = {inst.tests[0].output[0] for inst in task.instances(30 * top) if is_heldout(inst)}
        assert held == {b for b in emit_char_heldout() if b <= top} and held <= set(range(2, 31))


def test_default_brainfuck_semantics_throughout(curriculum):
    """No entry changes an interpreter option or follows PQT's conventions; every reference program passes as plain bf
    (where `<` at cell 0 is an error and `,` at end of input reads 0)."""
    for entry in curriculum.entries():
        assert family_class(entry.family).suite != "pqt", entry.key
        task = entry.spec(0).make_task()
        for instance in task.instances(6, seed=11):
            assert instance.run_options == {} and instance.language is None, entry.key
            program = reference_solution(instance, "bf")
            assert program is not None, entry.key
            for case, result in zip(instance.tests, execute(instance, program, "bf")):
                assert result.status == "ok" and result.output == case.output, (entry.key, program, case)


def test_a_run_through_the_ladder_on_new_entries_with_probes_and_caps(curriculum):
    cur = load_curriculum("bf-reasoning")
    cur.note_time(0.0)
    # stage 0: the new entry at 100% but no probe yet; then the probe passes
    spec = cur.probe_entries()[0]
    cur.update([EpisodeResult(spec.family, True, key=spec.key, stage=0)] * 64)
    assert cur.stage == 0
    assert cur.report_probe({spec.key: 0.95}) and cur.stage == 1
    # stage 1 stalls: its 600 s cap moves it on
    cur.note_time(10.0)
    assert not cur.note_time(609.0) and cur.note_time(610.0) and cur.stage == 2
    assert cur.left_by_cap[:2] == [False, True] and [why for *_, why in cur.history] == ["promote", "cap"]
