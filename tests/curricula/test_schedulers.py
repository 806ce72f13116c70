"""Curriculum schedulers: YAML validation, promotion/demotion on synthetic results, sampling, state round trips."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from curricula.schedulers import (
    CurriculumError,
    EpisodeResult,
    LearningProgressCurriculum,
    StagedCurriculum,
    build_curriculum,
    curriculum_names,
    load_curriculum,
)


def staged(window: int = 4, threshold: float = 0.75, demotion: float | None = None) -> StagedCurriculum:
    promotion = {"threshold": threshold, "window": window}
    if demotion is not None:
        promotion["demotion"] = demotion
    return build_curriculum(
        {
            "name": "t",
            "language": "bf",
            "promotion": promotion,
            "stages": [
                {"name": "a", "mixture": [{"family": "emit-char", "level": 0}]},
                {
                    "name": "b",
                    "mixture": [{"family": "emit-char", "level": 1, "weight": 3}, {"family": "echo-byte", "weight": 1}],
                },
                {"name": "c", "mixture": [{"family": "echo-all"}]},
            ],
        }
    )


def results(family: str, successes: list[int], stage: int | None = None) -> list[EpisodeResult]:
    return [EpisodeResult(family, bool(s), float(s), stage=stage) for s in successes]


def test_no_promotion_before_the_window_is_full():
    cur = staged(window=4, threshold=0.75)
    cur.update(results("emit-char", [1, 1, 1]))
    assert cur.stage == 0 and cur.success_rate() == 1.0
    cur.update(results("emit-char", [1]))
    assert cur.stage == 1


def test_promotion_threshold_is_inclusive_and_window_resets():
    cur = staged(window=4, threshold=0.75)
    cur.update(results("emit-char", [1, 1, 0, 1]))
    assert cur.stage == 1
    assert cur.success_rate() is None  # fresh window for the new stage
    cur.update(results("emit-char", [1, 1, 1]))
    assert cur.stage == 1
    cur.update(results("emit-char", [0]))
    assert cur.stage == 2
    cur.update(results("echo-all", [1] * 20))
    assert cur.stage == 2  # last stage: nowhere to go


def test_below_threshold_stays():
    cur = staged(window=4, threshold=0.75)
    cur.update(results("emit-char", [1, 0, 1, 0, 1, 0, 1, 0]))
    assert cur.stage == 0
    assert cur.success_rate() == pytest.approx(0.5)


def test_demotion_below_failure_threshold():
    cur = staged(window=4, threshold=0.75, demotion=0.25)
    cur.update(results("emit-char", [1, 1, 1, 1]))
    assert cur.stage == 1
    cur.update(results("emit-char", [0, 0, 1, 0]))
    assert cur.stage == 0
    assert [why for _, _, why in cur.history] == ["promote", "demote"]


def test_results_from_an_earlier_stage_are_ignored():
    cur = staged(window=2, threshold=1.0)
    cur.update(results("emit-char", [1, 1], stage=0))
    assert cur.stage == 1
    cur.update(results("emit-char", [1, 1, 1], stage=0))  # in flight when the stage changed
    assert cur.stage == 1


def test_sampling_follows_the_stage_mixture_weights():
    cur = staged()
    cur.stage = 1
    rng = np.random.default_rng(0)
    families = [cur.sample(rng).family for _ in range(2000)]
    share = families.count("emit-char") / len(families)
    assert 0.70 < share < 0.80  # weights 3:1
    spec = cur.sample(rng)
    assert spec.stage == 1 and spec.language == "bf"
    assert spec.make_task().config.validate()


def test_staged_state_round_trip_reproduces_behaviour():
    cur = staged(window=4, threshold=0.75)
    cur.update(results("emit-char", [1, 1, 1, 1, 1, 0]))
    state = cur.state_dict()
    yaml.safe_dump(state)  # plain data, checkpointable as YAML/JSON
    other = staged(window=4, threshold=0.75)
    other.load_state_dict(state)
    assert other.state_dict() == state
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    assert [cur.sample(a) for _ in range(20)] == [other.sample(b) for _ in range(20)]
    for cur_ in (cur, other):
        cur_.update(results("emit-char", [1, 1]))
    assert cur.stage == other.stage == 2


def test_state_for_another_curriculum_is_rejected():
    lp = load_curriculum("bf-learning-progress")
    with pytest.raises(ValueError, match="curriculum state"):
        staged().load_state_dict(lp.state_dict())


def learning_progress(**params) -> LearningProgressCurriculum:
    return build_curriculum(
        {
            "scheduler": "learning-progress",
            "name": "lp",
            "language": "bf",
            "params": params,
            "arms": [{"family": "emit-char", "level": 0}, {"family": "echo-byte"}, {"family": "echo-all"}],
        }
    )


def test_learning_progress_prefers_the_arm_that_is_changing():
    lp = learning_progress(fast_rate=0.2, slow_rate=0.02, floor=0.1)
    for _ in range(30):
        lp.update([EpisodeResult("emit-char", True, key=lp.arms[0].key)])  # improving fast
        lp.update([EpisodeResult("echo-byte", False, key=lp.arms[1].key)])  # flat at zero
    p = lp.probabilities()
    assert p.sum() == pytest.approx(1.0)
    assert p[0] > 0.8
    assert p[1] == pytest.approx(p[2])  # no progress: only the floor
    assert p[1] >= 0.1 / 3 - 1e-12  # exploration floor holds
    rng = np.random.default_rng(1)
    draws = [lp.sample(rng).family for _ in range(1000)]
    assert draws.count("emit-char") > 700


def test_learning_progress_uniform_before_any_result_and_round_trip():
    lp = learning_progress()
    assert np.allclose(lp.probabilities(), 1 / 3)
    lp.update([EpisodeResult("echo-all", True), EpisodeResult("echo-all", False)])  # key falls back to family
    assert lp.counts.tolist() == [0, 0, 2]
    other = learning_progress()
    other.load_state_dict(lp.state_dict())
    assert np.allclose(other.probabilities(), lp.probabilities())


@pytest.mark.parametrize("name", ["bf-basics", "befunge-basics", "mixed", "bf-learning-progress", "bf-reasoning"])
def test_shipped_curricula_load_and_every_entry_generates(name):
    assert name in curriculum_names()
    cur = load_curriculum(name)
    assert cur.entries()
    for entry in cur.entries():
        spec = entry.spec(0)
        instance = spec.make_task().instance(0, 0)
        assert instance.tests


def test_bf_basics_is_ordered_from_one_character_to_reverse():
    cur = load_curriculum("bf-basics")
    assert [e.family for e in cur.stages[0].mixture] == ["emit-char"]
    assert "reverse" in [e.family for e in cur.stages[-1].mixture]


@pytest.mark.parametrize(
    "patch, key, message",
    [
        ({"stages": []}, "stages", "non-empty list"),
        ({"scheduler": "greedy"}, "scheduler", "staged"),
        ({"colour": 1}, "colour", "unknown key"),
        ({"promotion": {"threshold": 1.5}}, "promotion.threshold", r"\(0, 1\]"),
        ({"promotion": {"window": 0}}, "promotion.window", r"must be an int in \[1, 1000000\], got 0"),
        ({"promotion": {"threshold": 0.5, "demotion": 0.6}}, "promotion.demotion", "threshold"),
        ({"language": "brainfork"}, "language", "unknown language"),
        ({"stages": [{"mixture": [{"family": "emit-chr"}]}]}, r"stages\[0\].mixture\[0\].family", "emit-char"),
        (
            {"stages": [{"mixture": [{"family": "emit-char", "level": 99}]}]},
            r"stages\[0\].mixture\[0\].level",
            "must be an int in",
        ),
        ({"stages": [{"mixture": [{"family": "emit-char", "weight": 0}]}]}, r"stages\[0\].mixture\[0\].weight", "> 0"),
        (
            {"stages": [{"mixture": [{"family": "emit-char", "config": {"nope": 1}}]}]},
            r"stages\[0\].mixture\[0\].config",
            "nope",
        ),
        ({"stages": [{"mixture": [{"family": "emit-char"}], "rule": 1}]}, r"stages\[0\].rule", "unknown key"),
    ],
)
def test_invalid_curriculum_errors_name_file_key_and_allowed(tmp_path, patch, key, message):
    data = {"name": "bad", "stages": [{"mixture": [{"family": "emit-char"}]}]}
    data.update(patch)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CurriculumError, match=message) as info:
        load_curriculum(str(path))
    text = str(info.value)
    assert str(path) in text
    assert __import__("re").search(key, text), text


def test_unparseable_yaml_and_unknown_names(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("stages: [\n")
    with pytest.raises(CurriculumError, match="not valid YAML"):
        load_curriculum(str(path))
    with pytest.raises(ValueError, match="bf-basics"):
        load_curriculum("bf-basic")
    with pytest.raises(CurriculumError, match="missing.yaml' does not exist; give a YAML file or a shipped name"):
        load_curriculum(str(tmp_path / "missing.yaml"))


@pytest.mark.parametrize(
    "text, where, says",
    [
        ("stages: [\n", "line 2, column 1", "not valid YAML"),
        ("name: x\n  indented: 1\nstages: 3\n", "line 2, column 11", "mapping values are not allowed"),
        ("name: x\ncolour: red\nstages: [{mixture: [{family: emit-char}]}]\n", "colour", "unknown key; allowed"),
        ("stages: [{mixture: [{family: emit-char, weight: -2}]}]\n", r"stages[0].mixture[0].weight", "> 0, got -2"),
        ("stages: [{mixture: [{family: 7}]}]\n", r"stages[0].mixture[0].family", "task family name, got 7"),
        ("stages: [{mixture: [{family: emit-char}], 3: x}]\n", "stages[0].3", "unknown key"),
        ("\xff\xfe garbage", "not a text file", "give a YAML file"),
    ],
)
def test_curriculum_errors_are_one_line_naming_file_field_and_fix(tmp_path, text, where, says):
    """Every malformed curriculum is a CurriculumError (a ValueError the CLI prints as one line), never a traceback."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(CurriculumError) as info:
        load_curriculum(str(path))
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: ") and where in message and says in message, message
    with pytest.raises(CurriculumError, match="is a folder"):
        load_curriculum(str(tmp_path))


def test_interleaved_batches_promote_only_at_their_own_rate():
    from curricula.schedulers import interleaved

    # As a trainer reports them in finishing order: the short, solved episodes first (54% success overall).
    batch = [EpisodeResult("emit-char", True, stage=0)] * 70 + [EpisodeResult("echo-byte", False, stage=0)] * 60
    clustered = staged(window=64, threshold=0.7)
    clustered.update(batch)
    assert clustered.stage == 1  # the first 64 results were all successes: the flaw interleaving removes
    spread = staged(window=64, threshold=0.7)
    spread.update(interleaved(batch))
    assert spread.stage == 0
    ordered = interleaved(batch)
    assert sorted(map(id, ordered)) == sorted(map(id, batch))
    for start in range(len(ordered) - 64 + 1):
        assert abs(sum(r.success for r in ordered[start : start + 64]) - 64 * 70 / 130) <= 1
    high = [EpisodeResult("emit-char", True, stage=0)] * 60 + [EpisodeResult("echo-byte", False, stage=0)] * 10
    promoted = staged(window=64, threshold=0.7)
    promoted.update(interleaved(high))
    assert promoted.stage == 1


# ---------------------------------------------------------------- promotion on the new entry, probe, time cap


def gated(**promotion) -> StagedCurriculum:
    """Two stages whose second adds echo-byte L7 (held-out content by the hash rule) to emit-char L0."""
    return build_curriculum(
        {
            "name": "g",
            "language": "bf",
            "promotion": {"threshold": 0.75, "window": 4, **promotion},
            "stages": [
                {"name": "a", "mixture": [{"family": "emit-char", "level": 0}]},
                {
                    "name": "b",
                    "mixture": [{"family": "emit-char", "level": 0}, {"family": "echo-byte", "level": 7}],
                },
                {"name": "c", "mixture": [{"family": "echo-all", "level": 1}]},
            ],
        }
    )


def keyed(cur: StagedCurriculum, index: int, successes: list[int]) -> list[EpisodeResult]:
    """Results of entry `index` of the current stage, with its key and stage, as a trainer reports them."""
    entry = cur.current.mixture[index]
    return [EpisodeResult(entry.family, bool(s), key=entry.key, stage=cur.stage) for s in successes]


def test_on_new_entry_the_repeated_entries_cannot_carry_the_promotion():
    cur = gated(on="new_entry")
    cur.update(keyed(cur, 0, [1] * 4))
    assert cur.stage == 1
    assert cur.current.new_entry.key == "echo-byte@L7@bf"
    cur.update(keyed(cur, 0, [1] * 50))  # the old entry alone at 100%: no promotion
    assert cur.stage == 1 and cur.success_rate() is None and cur.episodes == 54
    cur.update(keyed(cur, 1, [1, 0, 1]) + keyed(cur, 0, [0] * 10))  # old failures do not count either
    assert cur.stage == 1 and cur.success_rate() == pytest.approx(2 / 3)
    cur.update(keyed(cur, 1, [1]))
    assert cur.stage == 2  # 3 of its last 4 = 0.75


def test_on_stage_is_the_default_and_counts_every_episode():
    cur = gated()
    cur.update(keyed(cur, 0, [1] * 4))
    cur.update(keyed(cur, 0, [1] * 4))
    assert cur.stage == 2


def test_a_flagged_entry_is_the_new_one():
    data = {
        "name": "f",
        "language": "bf",
        "promotion": {"on": "new_entry", "threshold": 1.0, "window": 2},
        "stages": [
            {"mixture": [{"family": "echo-byte", "level": 7, "new": True}, {"family": "emit-char", "level": 0}]},
            {"mixture": [{"family": "echo-all"}]},
        ],
    }
    cur = build_curriculum(data)
    assert cur.current.new == 0 and cur.current.new_entry.family == "echo-byte"
    cur.update(keyed(cur, 1, [1, 1]))
    assert cur.stage == 0
    cur.update(keyed(cur, 0, [1, 1]))
    assert cur.stage == 1


def test_results_without_a_key_count_only_when_the_family_is_unambiguous():
    cur = gated(on="new_entry")
    cur.stage = 1
    cur.update([EpisodeResult("echo-byte", True, stage=1)] * 4)  # echo-byte appears once in stage b
    assert cur.stage == 2
    two = build_curriculum(
        {
            "name": "two",
            "language": "bf",
            "promotion": {"on": "new_entry", "threshold": 0.5, "window": 2},
            "stages": [
                {"mixture": [{"family": "emit-char", "level": 0}, {"family": "emit-char", "level": 2}]},
                {"mixture": [{"family": "echo-all"}]},
            ],
        }
    )
    two.update([EpisodeResult("emit-char", True, stage=0)] * 10)  # which emit-char? it cannot tell: none counts
    assert two.stage == 0 and two.success_rate() is None


def test_the_probe_gates_promotion_until_its_report_passes():
    cur = gated(on="new_entry", probe={"threshold": 0.9})
    assert cur.probe_entries() == []  # emit-char L0 has one content: nothing held out, nothing to probe
    cur.update(keyed(cur, 0, [1] * 4))
    assert cur.stage == 1  # promoted on its sampled rate alone
    (spec,) = cur.probe_entries()
    assert spec.key == "echo-byte@L7@bf" and spec.stage == 1 and spec.level == 7 and spec.family == "echo-byte"
    cur.update(keyed(cur, 1, [1] * 10))
    assert cur.stage == 1  # sampled rate 1.0, but no probe reported yet
    assert cur.report_probe({spec.key: 0.85}) is False and cur.stage == 1
    assert cur.report_probe({"emit-char@L0@bf": 1.0, "not-in-this-stage": 1.0}) is False
    assert cur.probes == {spec.key: 0.85, "emit-char@L0@bf": 1.0}
    assert cur.report_probe({spec.key: 0.9}) is True  # inclusive, and it promotes at once
    assert cur.stage == 2 and cur.probes == {} and cur.history[-1][2] == "promote"


def test_a_passed_probe_waits_for_the_sampled_window():
    cur = gated(on="new_entry", probe={"threshold": 0.5})
    cur.stage = 1
    assert cur.report_probe({"echo-byte@L7@bf": 1.0}) is False  # no full window yet
    cur.update(keyed(cur, 1, [1, 1, 0]))
    assert cur.stage == 1
    cur.update(keyed(cur, 1, [1]))
    assert cur.stage == 2


def test_a_stage_can_switch_the_probe_off_and_bad_reports_are_rejected():
    data = {
        "name": "p",
        "language": "bf",
        "promotion": {"on": "new_entry", "threshold": 0.5, "window": 2, "probe": {"threshold": 0.9}},
        "stages": [
            {"mixture": [{"family": "echo-byte", "level": 7}], "promotion": {"probe": None}},
            {"mixture": [{"family": "echo-all", "level": 3}]},
        ],
    }
    cur = build_curriculum(data)
    assert cur.current.promotion.probe is None and cur.stages[1].promotion.probe.threshold == 0.9
    assert cur.probe_entries() == []
    with pytest.raises(ValueError, match=r"report_probe rate of 'echo-byte@L7@bf' must be a number in \[0.0, 1.0\]"):
        cur.report_probe({"echo-byte@L7@bf": 1.5})
    with pytest.raises(ValueError, match="report_probe takes a mapping"):
        cur.report_probe([0.5])
    cur.update(keyed(cur, 0, [1, 1]))
    assert cur.stage == 1 and cur.probe_entries()[0].key == "echo-all@L3@bf"


def test_the_time_cap_moves_a_stalled_stage_on_and_is_recorded():
    cur = gated(time_cap_s=100)
    assert cur.note_time(5.0) is False and cur.stage_started_s[0] == 5.0
    assert cur.note_time(104.9) is False
    assert cur.note_time(105.0) is True  # inclusive
    assert cur.stage == 1 and cur.left_by_cap == [True, False, False] and cur.history[-1] == (0, 1, "cap")
    assert cur.stage_started_s[1] == 105.0
    cur.update(keyed(cur, 0, [1] * 4))  # promoted normally: the next stage's clock starts at the next note_time
    assert cur.stage == 2 and cur.left_by_cap == [True, False, False] and cur.stage_started_s[2] is None
    assert cur.note_time(150.0) is False and cur.stage_started_s[2] == 150.0
    assert cur.note_time(10_000.0) is False and cur.stage == 2  # the last stage has nowhere to go
    with pytest.raises(ValueError, match=r"note_time elapsed_s=9.0 is below the last one given \(10000.0\)"):
        cur.note_time(9.0)


def test_a_stage_cap_overrides_the_curriculum_default_and_old_curricula_never_move_on_time():
    data = {
        "name": "caps",
        "language": "bf",
        "promotion": {"time_cap_s": 50},
        "stages": [
            {"mixture": [{"family": "emit-char", "level": 0}], "promotion": {"time_cap_s": 10}},
            {"mixture": [{"family": "echo-byte"}]},
            {"mixture": [{"family": "echo-all"}], "promotion": {"time_cap_s": None}},
        ],
    }
    cur = build_curriculum(data)
    assert [s.promotion.time_cap_s for s in cur.stages] == [10, 50, None]
    cur.note_time(0.0)
    assert cur.note_time(10.0) and cur.stage == 1
    assert not cur.note_time(59.0) and cur.note_time(60.0) and cur.stage == 2
    old = load_curriculum("bf-basics")
    assert not old.note_time(0.0) and not old.note_time(1e9) and old.stage == 0 and old.probe_entries() == []


def test_state_round_trip_keeps_probe_and_clocks_so_resume_is_exact():
    def run(cur):
        cur.note_time(1.0)
        cur.update(keyed(cur, 0, [1] * 4))
        cur.note_time(2.0)
        cur.update(keyed(cur, 1, [1, 1, 1, 1]))
        cur.report_probe({"echo-byte@L7@bf": 0.5})

    cur = gated(on="new_entry", probe={"threshold": 0.9}, time_cap_s=30)
    run(cur)
    state = cur.state_dict()
    yaml.safe_dump(state)
    assert state["probes"] == {"echo-byte@L7@bf": 0.5} and state["stage_started_s"] == [1.0, 2.0, None]
    assert state["left_by_cap"] == [False, False, False] and state["time_s"] == 2.0
    other = gated(on="new_entry", probe={"threshold": 0.9}, time_cap_s=30)
    other.load_state_dict(state)
    assert other.state_dict() == state
    for each in (cur, other):
        assert not each.note_time(31.9) and each.note_time(32.0)  # 30 s after stage 1 started at 2.0
        assert each.stage == 2 and each.left_by_cap == [False, True, False]
    assert cur.state_dict() == other.state_dict()


def test_a_state_saved_before_probes_and_caps_still_loads():
    cur = gated(time_cap_s=10)
    cur.update(keyed(cur, 0, [1, 1]))
    old_state = {
        k: v for k, v in cur.state_dict().items() if k in ("kind", "name", "stage", "episodes", "window", "history")
    }
    other = gated(time_cap_s=10)
    other.load_state_dict(old_state)
    assert other.state_dict() == cur.state_dict()
    assert other.probes == {} and other.stage_started_s == [None] * 3 and other.time_s is None


@pytest.mark.parametrize(
    "promotion, key, says",
    [
        ({"on": "entry"}, "promotion.on", "must be one of ['stage', 'new_entry'], got 'entry'"),
        ({"probe": 0.9}, "promotion.probe", "must be null or a mapping with keys ['threshold'], got 0.9"),
        ({"probe": {"threshold": 0}}, "promotion.probe.threshold", "must be a number in (0, 1], got 0"),
        ({"probe": {"level": 1}}, "promotion.probe.level", "unknown key; allowed: ['threshold']"),
        ({"time_cap_s": -5}, "promotion.time_cap_s", "must be a number of seconds > 0 or null, got -5"),
        ({"time_cap_s": "1h"}, "promotion.time_cap_s", "must be a number of seconds > 0 or null, got '1h'"),
    ],
)
def test_bad_promotion_options_name_the_key(promotion, key, says):
    with pytest.raises(CurriculumError) as info:
        build_curriculum({"name": "x", "promotion": promotion, "stages": [{"mixture": [{"family": "emit-char"}]}]})
    assert f": {key}: {says}" in str(info.value)


def test_new_flags_are_checked_and_only_stages_take_them():
    entries = [{"family": "emit-char", "new": True}, {"family": "echo-byte", "new": True}]
    with pytest.raises(CurriculumError, match=r"stages\[0\].mixture\[1\].new: only one entry of a stage can be new"):
        build_curriculum({"name": "x", "stages": [{"mixture": entries}]})
    with pytest.raises(CurriculumError, match=r"stages\[0\].mixture\[0\].new: must be true or false, got 'yes'"):
        build_curriculum({"name": "x", "stages": [{"mixture": [{"family": "emit-char", "new": "yes"}]}]})
    with pytest.raises(CurriculumError, match=r"arms\[0\].new: unknown key"):
        build_curriculum({"name": "x", "scheduler": "learning-progress", "arms": entries[:1]})


def test_a_bare_on_key_in_yaml_means_on(tmp_path):
    path = tmp_path / "on.yaml"
    path.write_text("name: bare\npromotion: {on: new_entry}\nstages: [{mixture: [{family: emit-char}]}]\n")
    assert load_curriculum(str(path)).current.promotion.on == "new_entry"


def test_learning_progress_takes_the_same_trainer_calls():
    lp = load_curriculum("bf-learning-progress")
    before = lp.state_dict()
    assert lp.probe_entries() == [] and lp.report_probe({"x": 1.0}) is False and lp.note_time(1e6) is False
    assert lp.state_dict() == before
