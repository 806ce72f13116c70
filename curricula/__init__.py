"""curricula: what to learn — task families, instances, scoring, reference solutions and curricula."""

from __future__ import annotations

from curricula.base import (
    FAMILY_ID_CAPACITY,
    Instance,
    TaskConfig,
    TaskFamily,
    TestCase,
    family_class,
    family_ids,
    family_names,
    instance_rng,
    make_task,
    reference_solution,
    register_family,
)

__all__ = [
    "FAMILY_ID_CAPACITY",
    "Instance",
    "TaskConfig",
    "TaskFamily",
    "TestCase",
    "family_class",
    "family_ids",
    "family_names",
    "instance_rng",
    "make_task",
    "reference_solution",
    "register_family",
]
