"""Held-out content: a fixed, documented part of every family's content space that training never samples.

Seeds alone do not hold anything out: `emit-char` at level 2 has only seven
possible targets, so a fresh seed almost always repeats one seen in
training. The split is therefore made on an instance's *content*:

- **Content key.** The sorted set of distinct (input, output) pairs of the
  instance's visible examples and hidden tests, hashed with sha256
  (`content_key`). Seeds, indices, descriptions, the family name and the
  config are not part of it, so the same target or the same tests fall on
  the same side whatever family or level asks for them (emit-char "5" and
  emit-string "5" are one content). The observation's spec (target string,
  value, count, ...) is derived from the same tests, so it is covered too.
- **Content space of a (family, config).** Measured on a fixed sample:
  every index of a family with a fixed size (at most 256), else the
  instances (seed `SPACE_SEED`, index 0..255). Deterministic, cached.
- **Rule.**
  - *hash*: when the sample shows more than `SMALL_SPACE` distinct
    contents, a content is held out when the first 8 bytes of its key, as
    a fraction of 2**64, are below `HELDOUT_FRACTION` (0.2): about 20% of
    every large space (target strings, random input lists, ...).
  - *rank*: when the sample shows 2..`SMALL_SPACE` distinct contents (e.g.
    emit-char with 7 values, paper Befunge factorial with 15), the
    max(1, round(0.2 * D)) contents with the smallest keys are held out,
    skipping any whose addition would make held-out content more than half
    of the sample's draws. So a small space still holds out at least one
    content and training still gets at least half of the draws. A content
    outside the sample (rare in a small space) follows the hash rule.
  - *none*: a space with a single content (emit-char level 0, pqt
    print-hello, paper Befunge fibonacci, ...), or one where the hash rule
    leaves a side of the sample empty, holds nothing out: all of it is
    training content. `content_report` says so, and evaluation falls back
    to training content for it and flags the row.

Known limit: the split is per (family, config). A content that is the
whole space of a tiny level (the byte 1 of emit-char level 0) is training
content there even where a larger level of the same family holds it out;
`content_report` lists such levels, and evaluation flags them.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from curricula.base import Instance, TaskFamily, config_of, make_task

HELDOUT_FRACTION = 0.2
"""Share of each content space held out from training."""
SPACE_SAMPLE = 256
"""Instances drawn to measure a (family, config)'s content space."""
SPACE_SEED = 7_919_000
"""Generation seed of the measuring sample (fixed: the split never changes with training seeds)."""
SMALL_SPACE = 32
"""Spaces with at most this many distinct contents in the sample use the rank rule."""
CONTENT_SPLITS = ("all", "train", "heldout")
"""Values of the token envs' `content_split` option."""
_KEY_SALT = b"reasonenv/heldout-content/1\0"


def content_key(instance: Instance) -> str:
    """sha256 hex digest of the instance's distinct (input, output) pairs, examples and hidden tests together."""
    pairs = sorted({(case.input, case.output) for case in instance.examples + instance.tests})
    # length-prefixed fields, so no two different sets of pairs give the same bytes
    blob = b"".join(b"%d:%s%d:%s" % (len(given), given, len(expected), expected) for given, expected in pairs)
    return hashlib.sha256(_KEY_SALT + blob).hexdigest()


def _hash_heldout(key: str) -> bool:
    return int(key[:16], 16) < HELDOUT_FRACTION * 2**64


@dataclass(frozen=True)
class ContentSpace:
    """The measured content space of one (family, config) and the rule that splits it."""

    family: str
    config: dict[str, Any]
    sampled: int
    """Instances generated to measure the space."""
    distinct: int
    """Distinct contents among them."""
    rule: str
    """hash, rank or none (see the module docstring)."""
    heldout_seen: int
    """Distinct held-out contents in the sample."""
    ranked: frozenset[str] = frozenset()
    """Keys held out by the rank rule."""
    sample_keys: frozenset[str] = frozenset()

    def holds_out(self, key: str) -> bool:
        """Whether a content of this space is held out."""
        if self.rule == "none":
            return False
        if self.rule == "rank" and key in self.sample_keys:
            return key in self.ranked
        return _hash_heldout(key)

    @property
    def has_heldout(self) -> bool:
        return self.rule != "none"

    @property
    def note(self) -> str:
        if self.rule == "none":
            if self.distinct <= 1:
                return f"one possible content ({self.distinct} distinct in {self.sampled} instances): nothing held out"
            return f"{self.distinct} distinct contents, none of them in the hash rule's held-out share: nothing held out"
        rule = "rank rule (small space)" if self.rule == "rank" else f"hash rule ({HELDOUT_FRACTION:.0%})"
        return f"{self.heldout_seen} of {self.distinct} distinct contents held out, {rule}"


def _rank_heldout(keys: list[str], drawn: list[str]) -> frozenset[str]:
    """The rank rule: smallest keys first, max(1, round(0.2 * D)) of them, skipping any that would make
    held-out content more than half of the draws (so training never waits long for its content)."""
    target = max(1, round(HELDOUT_FRACTION * len(keys)))
    share = {key: drawn.count(key) / len(drawn) for key in keys}
    chosen: list[str] = []
    mass = 0.0
    for key in keys:
        if len(chosen) == target:
            break
        if mass + share[key] <= 0.5:
            chosen.append(key)
            mass += share[key]
    return frozenset(chosen)


def _config_json(config: Mapping[str, Any]) -> str:
    return json.dumps(dict(config), sort_keys=True, default=str)


def content_space(task: TaskFamily) -> ContentSpace:
    """The content space of a family object (its config included), measured once per process."""
    return _measure(task.name, _config_json(task.config.to_dict()))


@functools.lru_cache(maxsize=4096)
def _measure(family: str, config_json: str) -> ContentSpace:
    fields = json.loads(config_json)
    task = make_task(family, **fields)
    size = type(task).size
    if size is not None:
        instances = [task.instance(0, index) for index in range(min(size, SPACE_SAMPLE))]
    else:
        instances = [task.instance(SPACE_SEED, index) for index in range(SPACE_SAMPLE)]
    keys = sorted({content_key(instance) for instance in instances})
    base = dict(family=family, config=fields, sampled=len(instances), distinct=len(keys), sample_keys=frozenset(keys))
    if len(keys) <= 1:
        return ContentSpace(rule="none", heldout_seen=0, **base)
    if len(keys) <= SMALL_SPACE:
        ranked = _rank_heldout(keys, [content_key(instance) for instance in instances])
        return ContentSpace(rule="rank", heldout_seen=len(ranked), ranked=ranked, **base)
    held = sum(_hash_heldout(key) for key in keys)
    if held == 0 or held == len(keys):
        return ContentSpace(rule="none", heldout_seen=0, **base)
    return ContentSpace(rule="hash", heldout_seen=held, **base)


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
