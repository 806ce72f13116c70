"""Held-out content: a fixed, documented part of every family's content space that training never samples.

Seeds alone do not hold anything out: `emit-char` at level 2 has only seven
possible targets, so a fresh seed almost always repeats one seen in
training. The split is therefore made on an instance's *content*:

- **Content key.** The sorted set of distinct (input, output) pairs of the
  instance's visible examples and hidden tests, hashed with sha256
  (`content_key`). Seeds, indices, descriptions, the family name and the
  config are not part of it, so the same target or the same tests fall on
  the same side whatever level asks for them (and, under the hash rule,
  whatever family). The observation's spec (target string,
  value, count, ...) is derived from the same tests, so it is covered too.
- **Content space of a (family, config).** Measured on a fixed sample:
  every index of a family with a fixed size (at most 256), else the
  instances (seed `SPACE_SEED`, index 0..255). Deterministic, cached.
- **Rule.** A content has one status wherever it appears in its family,
  whatever the level (so nothing trained at one level is "held out" at
  another):
  - *family table* for small spaces. The family's difficulty levels are
    measured in order (0, 1, ...). The one content of a single-content level
    is training content. A level with 2..`SMALL_SPACE` distinct contents
    keeps the status its contents got at lower levels and decides its new
    ones in key order: held out while fewer than max(1, round(0.2 * D)) of
    its contents are held out and held-out content stays at most half of
    its draws, else training content. So emit-char's byte 1 (all of level
    0) is training content at every level, level 1 holds out one of the
    bytes 2 and 3, and level 3 (15 values) three of its values.
  - *pinned values* for emit-char over the bytes 1..31 (issue 21's T1:
    count to a byte named in the spec, tested on bytes between trained
    ones). Its held-out bytes are not decided in key order but drawn once
    by a seeded RNG (`EMIT_CHAR_SEED`; the environment variable
    `REASONENV_EMIT_CHAR_SEED` replaces it for a fresh split) among the *interior* bytes 2..30, so
    1 and 31, the ends of the range, are always trained on: per level of
    emit-char up to 31 (maxima 3, 7, 15, 31), as many of the level's new
    bytes as the family table's count rule holds out (above), drawn among
    them. `emit_char_heldout()` is the set {2, 11, 13, 21, 22, 25} (with
    seed 21); `family_table` pins it before the levels are measured, and
    every other family's table is decided as before.
  - *hash rule* for every other content (large spaces, configs off the
    family's levels): held out when the first 8 bytes of its key, as a
    fraction of 2**64, are below `HELDOUT_FRACTION` (0.2), about 20% of
    every large space (target strings, random input lists, ...).
  - *none*: a (family, config) with a single content (emit-char level 0,
    pqt print-hello, paper Befunge fibonacci, ...), or whose contents all
    fall on one side, holds nothing out: all of it is training content.
    `content_report` says so, and evaluation falls back to training
    content for it and flags the row.

Known limit: the table is per family (emit-char and emit-string decide
their own small spaces), and a config override with a single content
trains on it even if the family table holds it out at some level.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from curricula.base import Instance, TaskFamily, config_of, family_class, make_task

HELDOUT_FRACTION = 0.2
"""Share of each content space held out from training."""
SPACE_SAMPLE = 256
"""Instances drawn to measure a (family, config)'s content space."""
SPACE_SEED = 7_919_000
"""Generation seed of the measuring sample (fixed: the split never changes with training seeds)."""
SMALL_SPACE = 32
"""Levels with at most this many distinct contents in their sample are decided by the family table."""
CONTENT_SPLITS = ("all", "train", "heldout")
"""Values of the token envs' `content_split` option."""
_KEY_SALT = b"reasonenv/heldout-content/1\0"


EMIT_CHAR_SEED = 21
"""Seed of the draw of emit-char's held-out interior bytes (`emit_char_heldout`); fixed: the split never changes."""
EMIT_CHAR_SEED_VARIABLE = "REASONENV_EMIT_CHAR_SEED"
"""Environment variable that replaces EMIT_CHAR_SEED for a whole process (and the Ray workers it starts): a fresh
split for checking a design that was tuned while looking at the fixed one's failures. Read once, at first use."""
EMIT_CHAR_TOP = 31
"""emit-char's bytes 1..EMIT_CHAR_TOP hold out a seeded set of interior bytes (never 1, never EMIT_CHAR_TOP)."""


def content_key(instance: Instance) -> str:
    """sha256 hex digest of the instance's distinct (input, output) pairs, examples and hidden tests together."""
    return _pairs_key({(case.input, case.output) for case in instance.examples + instance.tests})


def _pairs_key(distinct_pairs: set[tuple[bytes, bytes]]) -> str:
    pairs = sorted(distinct_pairs)
    # length-prefixed fields, so no two different sets of pairs give the same bytes
    blob = b"".join(b"%d:%s%d:%s" % (len(given), given, len(expected), expected) for given, expected in pairs)
    return hashlib.sha256(_KEY_SALT + blob).hexdigest()


def _hash_heldout(key: str) -> bool:
    return int(key[:16], 16) < HELDOUT_FRACTION * 2**64


@dataclass(frozen=True)
class ContentSpace:
    """The measured content space of one (family, config) and how it splits."""

    family: str
    config: dict[str, Any]
    sampled: int
    """Instances generated to measure the space."""
    distinct: int
    """Distinct contents among them."""
    rule: str
    """split (the family table, then the hash rule) or none (nothing held out; see the module docstring)."""
    heldout_seen: int
    """Distinct held-out contents in the sample."""
    sample_keys: frozenset[str] = frozenset()
    table_heldout: frozenset[str] = frozenset()
    """Contents the family table holds out."""
    table_decided: frozenset[str] = frozenset()
    """Contents the family table decides (held out or not); the others follow the hash rule."""

    def holds_out(self, key: str) -> bool:
        """Whether a content of this space is held out."""
        if self.rule == "none":
            return False
        if key in self.table_decided:
            return key in self.table_heldout
        return _hash_heldout(key)

    @property
    def has_heldout(self) -> bool:
        return self.rule != "none"

    @property
    def note(self) -> str:
        if self.rule == "none":
            if self.distinct <= 1:
                return f"one possible content ({self.distinct} distinct in {self.sampled} instances): nothing held out"
            side = "held out" if self.heldout_seen else "training content"
            return f"all {self.distinct} distinct contents are {side} by the family's split: nothing held out here"
        return f"{self.heldout_seen} of {self.distinct} distinct contents held out"


def _config_json(config: Mapping[str, Any]) -> str:
    return json.dumps(dict(config), sort_keys=True, default=str)


def _sample(task: TaskFamily, stop_above: int | None = None) -> list[str]:
    """Content keys of the measuring sample of a family object (see the module docstring); with `stop_above`,
    cut short once more than that many distinct contents are seen (the space is large: only that matters)."""
    size = type(task).size
    seed, count = (0, min(size, SPACE_SAMPLE)) if size is not None else (SPACE_SEED, SPACE_SAMPLE)
    keys: list[str] = []
    seen: set[str] = set()
    for index in range(count):
        key = content_key(task.instance(seed, index))
        keys.append(key)
        seen.add(key)
        if stop_above is not None and len(seen) > stop_above:
            break
    return keys


def _held_count(distinct: int) -> int:
    """How many of a small level's `distinct` contents the family table holds out (lower levels' included)."""
    return max(1, round(HELDOUT_FRACTION * distinct))


@functools.cache
def emit_char_seed() -> int:
    """EMIT_CHAR_SEED, or the value of the EMIT_CHAR_SEED_VARIABLE environment variable (read once per process)."""
    value = os.environ.get(EMIT_CHAR_SEED_VARIABLE, "").strip()
    if not value:
        return EMIT_CHAR_SEED
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"{EMIT_CHAR_SEED_VARIABLE}={value!r} is not an integer seed (unset it for the fixed split)"
        ) from None


@functools.cache
def emit_char_heldout() -> frozenset[int]:
    """The bytes of 1..EMIT_CHAR_TOP that emit-char holds out: a seeded draw among the interior bytes (module docstring).

    Level by level (the emit-char levels whose largest byte is at most
    EMIT_CHAR_TOP), the level's new bytes other than 1 and EMIT_CHAR_TOP are
    the candidates, and as many of them are drawn as it takes to hold out
    `_held_count` of the level's bytes: the count the family table gives
    every small level, so each level holds out the share it did before.
    """
    maxima = [top for top in family_class("emit-char").config_class.difficulty["max_value"] if top <= EMIT_CHAR_TOP]
    rng = np.random.default_rng(np.random.SeedSequence([emit_char_seed()]))
    held: list[int] = []
    below = 1
    for top in maxima:
        candidates = [b for b in range(below + 1, top + 1) if b not in (1, EMIT_CHAR_TOP)]
        below = top
        if top == 1:
            continue  # a single content: training content (module docstring)
        want = _held_count(top) - len(held)
        if want > 0:
            held += sorted(int(b) for b in rng.choice(candidates, size=want, replace=False))
    return frozenset(held)


def _pinned(family: str) -> dict[str, bool]:
    """Contents whose status a family fixes before its levels are measured: emit-char's bytes 1..EMIT_CHAR_TOP."""
    if family != "emit-char":
        return {}
    held = emit_char_heldout()
    # an emit-char instance of byte b has the one distinct pair (no input, the byte b), whatever its config
    return {_pairs_key({(b"", bytes([b]))}): b in held for b in range(1, EMIT_CHAR_TOP + 1)}


@functools.cache
def family_table(family: str) -> dict[str, bool]:
    """Held-out status of every content of the family's small levels, decided level by level (module docstring)."""
    levels = family_class(family).config_class.num_levels()
    decided: dict[str, bool] = _pinned(family)
    for level in range(levels):
        drawn = _sample(make_task(family, level=level), stop_above=SMALL_SPACE)
        keys = sorted(set(drawn))
        if len(keys) == 1:
            decided.setdefault(keys[0], False)
        if not 2 <= len(keys) <= SMALL_SPACE:
            continue
        share = {key: drawn.count(key) / len(drawn) for key in keys}
        held = [key for key in keys if decided.get(key)]
        mass = sum(share[key] for key in held)
        target = _held_count(len(keys))
        for key in keys:
            if key in decided:
                continue
            hold = len(held) < target and mass + share[key] <= 0.5
            decided[key] = hold
            if hold:
                held.append(key)
                mass += share[key]
    return decided


def content_space(task: TaskFamily) -> ContentSpace:
    """The content space of a family object (its config included), measured once per process."""
    return _measure(task.name, _config_json(task.config.to_dict()))


@functools.lru_cache(maxsize=4096)
def _measure(family: str, config_json: str) -> ContentSpace:
    fields = json.loads(config_json)
    drawn = _sample(make_task(family, **fields))
    keys = frozenset(drawn)
    table = family_table(family)
    base = dict(
        family=family,
        config=fields,
        sampled=len(drawn),
        distinct=len(keys),
        sample_keys=keys,
        table_heldout=frozenset(key for key, held in table.items() if held),
        table_decided=frozenset(table),
    )
    if len(keys) <= 1:
        return ContentSpace(rule="none", heldout_seen=0, **base)
    held = sum(table[key] if key in table else _hash_heldout(key) for key in keys)
    if held == 0 or held == len(keys):
        return ContentSpace(rule="none", heldout_seen=held, **base)
    return ContentSpace(rule="split", heldout_seen=held, **base)


def is_heldout(instance: Instance) -> bool:
    """Whether the instance's content is held out from training (deterministic; see the module docstring)."""
    space = _measure(instance.family, _config_json(dataclasses.asdict(config_of(instance))))
    return space.holds_out(content_key(instance))


def check_split(split: str) -> str:
    """`split` if it is a content split name, else a ValueError naming the allowed ones."""
    if split not in CONTENT_SPLITS:
        raise ValueError(f"content_split must be one of {list(CONTENT_SPLITS)}, got {split!r}")
    return split


def in_split(instance: Instance, split: str) -> bool:
    """Whether the instance belongs to a content split: all, train (not held out) or heldout."""
    if check_split(split) == "all":
        return True
    return is_heldout(instance) == (split == "heldout")


def content_report(family: str, level: int | None = None, config: Mapping[str, Any] | None = None) -> ContentSpace:
    """The content space of (family, level, config overrides): how much is held out, and a note when nothing can be."""
    task = make_task(family, level=level, **dict(config or {}))
    return content_space(task)
