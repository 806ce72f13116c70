"""The `tiers` suite: our own plain-English problems in four tiers (easy, medium, hard, extra-hard), one instance per family.

The families live in tiers_easy, tiers_medium, tiers_hard and tiers_extra;
this module gathers them, registers the fixed, versioned suite and offers
lookups by tier. Bump `version` whenever a family's instances change.
"""

from __future__ import annotations

from curricula.families import tiers_easy, tiers_extra, tiers_hard, tiers_medium
from curricula.families._tiers_common import MAX_STEPS, TIERS, TiersConfig, TiersFamily
from curricula.suites import Suite, SuiteEntry, register_suite

__all__ = ["MAX_STEPS", "TIERS", "TIER_FAMILIES", "TiersConfig", "TiersFamily", "families_in_tier", "SUITE"]

_MODULES = {"easy": tiers_easy, "medium": tiers_medium, "hard": tiers_hard, "extra-hard": tiers_extra}


def _collect(module) -> list[type[TiersFamily]]:
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, TiersFamily)
        and obj.__module__ == module.__name__
        and getattr(obj, "name", None)
    ]
    return sorted(found, key=lambda cls: cls.name)


TIER_FAMILIES: dict[str, tuple[type[TiersFamily], ...]] = {tier: tuple(_collect(_MODULES[tier])) for tier in TIERS}
"""Family classes of each tier, sorted by name."""


def families_in_tier(tier: str) -> list[str]:
    """Names of the families of `tier` (one of easy, medium, hard, extra-hard)."""
    if tier not in TIER_FAMILIES:
        raise ValueError(f"unknown tier {tier!r}; allowed: {list(TIERS)}")
    return [cls.name for cls in TIER_FAMILIES[tier]]


SUITE = register_suite(
    Suite(
        name="tiers",
        version="1",
        summary="Plain-English problems with decimal text I/O in four tiers (easy to extra-hard), 6 hidden tests each.",
        entries=tuple(SuiteEntry(family=cls.name, count=1) for tier in TIERS for cls in TIER_FAMILIES[tier]),
    )
)
