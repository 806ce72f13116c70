"""Every PQT family generates the same instances as before its module became a package (issue 14).

The digests were taken from the single-module `curricula/families/pqt.py`
before the split: instances (seed 0..2, index 0..19) at the default config
and, where the family has them, brain_coder's original cases. A digest that
moves means some (seed, index) instance changed.
"""

from __future__ import annotations

import hashlib
import pickle

import pytest

from curricula import family_class, make_task
from curricula.families import pqt

PINNED = {
    "add": "f913a84fbae7298f",
    "bool-logic": "ce035aa061010628",
    "cascade": "924cfd3bce0779d1",
    "copy-reverse": "2a69007470597304",
    "count-char": "10ad71f56a233831",
    "count-down": "238d012254a3025c",
    "dedup": "2c0c2d62782c1be4",
    "divide-2": "7c85b3a48f59d55e",
    "divmod": "2c006441a44d457e",
    "echo": "5b54ccebfc09fa6d",
    "echo-alternating": "b06af6ffde9e20f5",
    "echo-half": "92e72c7d8150a727",
    "echo-nth-seq": "c176b8c40877509f",
    "echo-second-seq": "0ab2ebf4ec5235aa",
    "echo-thrice": "d3bcebffa202762d",
    "echo-twice": "4bfe3120cde7d7ce",
    "fib": "557d5620b3ecdfe9",
    "find": "24713742c87c6cb7",
    "length": "8a75538d7939b423",
    "middle-char": "8b8d23661b754d6d",
    "multiply": "c072af9139019f35",
    "prefix": "c7b31c93e72cf86b",
    "print": "53e5955255150c1c",
    "print-hello": "0a68c7d9384ce271",
    "remove-char": "9c043a55af86755b",
    "remove-last": "a64a6ac92a766146",
    "remove-last-two": "ec9b1dd9876cfe9d",
    "reverse": "c891e076d524fb9f",
    "riffle": "ff8b8117b7e2db5f",
    "shift-left": "b3c7df355cfac36f",
    "shift-right": "8efbc702aebaa9e3",
    "sort3": "c194a84fb994de67",
    "substring": "200fdb35bf5c233e",
    "unriffle": "30b050cdd8af4b8d",
    "zero-cascade": "2e6a315a4ceaabfc",
}


def family_digest(name: str) -> str:
    cls = family_class(name)
    count = 20 if cls.size is None else cls.size
    digest = hashlib.sha256()
    configs = [{}] + ([{"original": True}] if cls.has_original else [])
    for config in configs:
        task = make_task(name, **config)
        for seed in range(3):
            for index in range(count):
                digest.update(task.instance(seed, index).fingerprint().encode())
    return digest.hexdigest()[:16]


def test_every_pqt_family_is_pinned():
    assert sorted(PINNED) == sorted(pqt.PQT_FAMILIES)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_instances_are_byte_identical_to_the_single_module(name):
    assert family_digest(name) == PINNED[name]


def test_sequence_table_builds_registered_picklable_families():
    assert len(pqt.SEQUENCE_TASKS) == 15  # reverse keeps its own class: its original cases have their own generator
    for task in pqt.SEQUENCE_TASKS:
        cls = family_class(task.name)
        assert cls is pqt.SEQUENCE_FAMILIES[task.class_name]
        assert cls.__name__ == task.class_name and cls.solve([5, 6, 7]) == task.solve([5, 6, 7])
        # by-name pickling (remote workers) finds the generated classes through the module
        assert pickle.loads(pickle.dumps(cls)) is cls
        config = cls.config_class()
        assert pickle.loads(pickle.dumps(config)) == config


def test_config_classes_are_bound_to_their_module_names():
    import importlib

    for name in pqt.PQT_FAMILIES:
        config_class = family_class(name).config_class
        module = importlib.import_module(config_class.__module__)
        assert getattr(module, config_class.__name__) is config_class, name


def test_config_helpers_use_no_frame_tricks():
    """Config classes are bound by an explicit `module=__name__`, not through globals() or the caller's frame."""
    from pathlib import Path

    import curricula

    root = Path(curricula.__file__).parent
    offenders = [
        f"{path.relative_to(root)}: {trick}"
        for path in root.rglob("*.py")
        for trick in ("sys._getframe", "globals()")
        if trick in path.read_text()
    ]
    assert offenders == []
