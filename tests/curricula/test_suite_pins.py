"""Pinned fingerprints of the generated suites: a suite can change only with a version bump and a new pin.

The `paper` suite's pin lives in test_paper.py. To change a suite on purpose:
bump its version, then update the pin here with the printed value.
"""

from __future__ import annotations

import pytest

from curricula.suites import get_suite

PINS = {
    ("tiers", "1"): "904abb3184b651fda535b3983d754303654f073d905a00c345dce6ce137589fc",
    ("primitives", "1"): "42dd47a0fa4b9660a417c6b176144fac16a4faa59f4904aeea05bdc1efd51434",
    ("pqt", "1"): "d670087ec9d750ae6be367050d0f686b5271476c9270d1d320c21eb94f96721a",
    ("pqt-original", "1"): "23d49702a7145ee8edc63df8e0b5d39eec0c16bcff6a18afea160dbbfaa5ee07",
}


@pytest.mark.parametrize("name, version", sorted(PINS))
def test_suite_fingerprint_is_pinned(name, version):
    suite = get_suite(name)
    assert suite.version == version, f"suite {name!r} is now v{suite.version}: pin its new fingerprint"
    assert suite.fingerprint() == PINS[name, version], f"suite {name!r} v{version} changed without a version bump"


def test_fingerprint_sees_a_change_in_one_instance():
    import dataclasses

    suite = get_suite("primitives")
    first = suite.entries[0]
    changed = dataclasses.replace(suite, entries=(dataclasses.replace(first, seed=first.seed + 1), *suite.entries[1:]))
    assert changed.fingerprint() != suite.fingerprint()
