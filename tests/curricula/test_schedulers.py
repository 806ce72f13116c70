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


@pytest.mark.parametrize("name", ["bf-basics", "befunge-basics", "mixed", "bf-learning-progress"])
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
