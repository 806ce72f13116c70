"""Family ids in observations are stable: the append-only table covers every family and its prefix never changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import curricula

TABLE = Path(curricula.__file__).parent / "family_ids.txt"
PINNED_COUNT = 146
PINNED_PREFIX_SHA256 = "afbcfa91545bfafb09395c28a1646eb18f6b25228da4e095b3551ef54d3ac414"


def table_names() -> list[str]:
    lines = TABLE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_every_registered_family_is_in_the_table_exactly_once():
    names = table_names()
    assert len(names) == len(set(names)), "a family appears twice in curricula/family_ids.txt"
    missing = sorted(set(curricula.family_names()) - set(names))
    assert not missing, f"append these families to the end of curricula/family_ids.txt: {missing}"
    unknown = sorted(set(names) - set(curricula.family_names()))
    assert not unknown, f"curricula/family_ids.txt names families that are not registered: {unknown}"


def test_the_first_ids_never_change():
    prefix = "\n".join(table_names()[:PINNED_COUNT])
    assert hashlib.sha256(prefix.encode()).hexdigest() == PINNED_PREFIX_SHA256, (
        "curricula/family_ids.txt was reordered or edited above line-count "
        f"{PINNED_COUNT}: families may only be appended"
    )


def test_ids_are_dense_and_fit_the_observation_space():
    ids = curricula.family_ids()
    assert sorted(ids.values()) == list(range(len(ids)))
    assert len(ids) <= curricula.FAMILY_ID_CAPACITY
    assert ids[table_names()[0]] == 0 and ids[table_names()[-1]] == len(table_names()) - 1


def test_a_family_registered_outside_the_table_gets_the_next_free_id():
    from curricula.base import _FAMILIES, TaskFamily, register_family

    @register_family
    class Extra(TaskFamily):  # noqa: F811  (a throwaway family registered by "user code")
        name = "zz-user-family-for-id-test"

    try:
        ids = curricula.family_ids()
        assert ids["zz-user-family-for-id-test"] == len(table_names())
        assert all(ids[name] == i for i, name in enumerate(table_names()))
    finally:
        del _FAMILIES["zz-user-family-for-id-test"]
