"""Bad input to the curricula API gets one ValueError naming the value and what is allowed (issue 14).

Difficulty levels out of range used to be clamped to the top level, floats
passed for int config fields, and a scheduler state accepted any value (a
string window became one success per character).
"""

from __future__ import annotations

import pytest

from curricula import family_class, family_names, make_task
from curricula.schedulers import EpisodeResult, build_curriculum


@pytest.mark.parametrize("level", [6, 99, -1])
def test_level_out_of_range_names_the_range(level):
    with pytest.raises(ValueError, match=rf"level of task family 'reverse' must be an int in \[0, 5\], got {level}"):
        make_task("reverse", level=level)


@pytest.mark.parametrize("level", [1.0, "2", True, [1]])
def test_level_of_the_wrong_type_is_rejected(level):
    with pytest.raises(ValueError, match="level of task family 'reverse' must be an int"):
        make_task("reverse", level=level)


def test_at_level_rejects_the_rung_past_the_top_for_every_family():
    for name in family_names():
        config_class = family_class(name).config_class
        top = config_class.num_levels() - 1
        assert config_class.at_level(top).validate()
        with pytest.raises(ValueError, match=rf"{config_class.__name__} must be an int in \[0, {top}\], got {top + 1}"):
            config_class.at_level(top + 1)


@pytest.mark.parametrize(
    "family, field, value",
    [
        ("reverse", "num_tests", 2.5),
        ("reverse", "num_examples", 1.0),
        ("reverse", "max_length", 6.0),
        ("emit-char", "max_value", 3.5),
        ("sort-list", "num_tests", 2.5),
        ("paper-bf-copy", "max_length", 4.0),
        ("reverse", "num_tests", True),
    ],
)
def test_float_or_bool_for_an_int_field_fails_validate(family, field, value):
    config_class = family_class(family).config_class
    message = rf"{config_class.__name__}\.{field} must be an int in \[\d+, \d+\], got {value!r}"
    with pytest.raises(ValueError, match=message):
        make_task(family, **{field: value})
    with pytest.raises(ValueError, match=rf"\.{field} must be an int"):
        config_class(**{field: value}).validate()


def staged():
    return build_curriculum(
        {
            "name": "t",
            "language": "bf",
            "promotion": {"threshold": 0.75, "window": 4},
            "stages": [
                {"name": "a", "mixture": [{"family": "emit-char", "level": 0}]},
                {"name": "b", "mixture": [{"family": "echo-byte"}]},
            ],
        }
    )


def learning_progress():
    return build_curriculum(
        {
            "scheduler": "learning-progress",
            "name": "lp",
            "language": "bf",
            "arms": [{"family": "emit-char", "level": 0}, {"family": "echo-byte"}],
        }
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"window": "garbage"}, r"'window' must be a list, got str 'garbage'"),
        ({"window": [1, 0]}, r"'window'\[0\] must be True or False, got 1"),
        ({"window": [True] * 5}, r"'window' holds 5 results; stage 0 keeps at most 4"),
        ({"stage": 2}, r"'stage' must be an int in \[0, 1\], got 2"),
        ({"stage": "1"}, r"'stage' must be an int in \[0, 1\], got '1'"),
        ({"episodes": -3}, r"'episodes' must be an int >= 0, got -3"),
        ({"episodes": 2.5}, r"'episodes' must be an int >= 0, got 2.5"),
        ({"history": "x"}, r"'history' must be a list, got str"),
        ({"history": [[1, 1]]}, r"'history'\[0\] must be \[episode, stage, 'promote', 'demote' or 'cap'\]"),
        (
            {"history": [[1, 1, "jump"]]},
            r"'history'\[0\] move must be one of \['promote', 'demote', 'cap'\], got 'jump'",
        ),
        ({"probes": ["a"]}, r"'probes' must map TaskSpec.key to a rate, got \['a'\]"),
        ({"probes": {"emit-char@L0@bf": 1.5}}, r"'probes'\['emit-char@L0@bf'\] must be a number in \[0.0, 1.0\]"),
        ({"stage_started_s": [0.0]}, r"'stage_started_s' must hold one value per stage \(2\), got 1"),
        ({"stage_started_s": [-1.0, None]}, r"'stage_started_s'\[0\] must be a number >= 0.0, got -1.0"),
        ({"left_by_cap": [False, "no"]}, r"'left_by_cap'\[1\] must be True or False, got 'no'"),
        ({"time_s": "soon"}, r"'time_s' must be a number >= 0.0, got 'soon'"),
    ],
)
def test_staged_state_garbage_is_rejected_and_changes_nothing(change, message):
    cur = staged()
    cur.update([EpisodeResult("emit-char", True), EpisodeResult("emit-char", False)])
    before = cur.state_dict()
    with pytest.raises(ValueError, match=message):
        cur.load_state_dict({**before, **change})
    assert cur.state_dict() == before


@pytest.mark.parametrize("state", ["garbage", None, 7, ["kind", "name"]])
def test_a_state_that_is_not_a_mapping_is_rejected(state):
    for cur in (staged(), learning_progress()):
        with pytest.raises(ValueError, match=r"curriculum state must be a mapping from state_dict\(\)"):
            cur.load_state_dict(state)


def test_a_state_missing_keys_names_them():
    cur = staged()
    with pytest.raises(ValueError, match=r"lacks key\(s\) \['window', 'history'\]"):
        cur.load_state_dict({"kind": "staged", "name": "t", "stage": 0, "episodes": 0})


@pytest.mark.parametrize(
    "change, message",
    [
        ({"fast": "ab"}, r"'fast' must be a list, got str"),
        ({"slow": [0.1]}, r"'slow' must hold one value per arm \(2\), got 1"),
        ({"fast": [0.5, "x"]}, r"'fast'\[1\] must be a number in \[0.0, 1.0\], got 'x'"),
        ({"fast": [0.5, 2.0]}, r"'fast'\[1\] must be a number in \[0.0, 1.0\], got 2.0"),
        ({"counts": [1, 0.5]}, r"'counts'\[1\] must be an int >= 0, got 0.5"),
        ({"keys": "emit-char"}, r"'keys' must be a list"),
    ],
)
def test_learning_progress_state_garbage_is_rejected_and_changes_nothing(change, message):
    lp = learning_progress()
    lp.update([EpisodeResult("emit-char", True, key=lp.arms[0].key)])
    before = lp.state_dict()
    with pytest.raises(ValueError, match=message):
        lp.load_state_dict({**before, **change})
    assert lp.state_dict() == before


def test_valid_states_still_round_trip_through_json():
    import json

    for cur, other in ((staged(), staged()), (learning_progress(), learning_progress())):
        cur.update([EpisodeResult("emit-char", True, key=cur.entries()[0].key)] * 3)
        state = json.loads(json.dumps(cur.state_dict()))
        other.load_state_dict(state)
        assert other.state_dict() == cur.state_dict()
