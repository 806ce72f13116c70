"""The registry and `esolangs.run` contract: names, suggestions, misuse raising, and every language's basics."""

from __future__ import annotations

import re

import pytest

import esolangs
from esolangs.base import Execution

GARBAGE = bytes(range(256)) * 3 + b"[[[]]]>>><<<\x00\xff" + "Ook! Ook? \u2603 \t\n".encode()


def all_language_names() -> list[str]:
    return esolangs.names() + ["bf-dialect-0", "bf-dialect-31337"]


def test_statuses_are_the_six_of_the_design():
    assert set(esolangs.STATUSES) == {
        "ok",
        "syntax_error",
        "step_limit",
        "output_limit",
        "memory_limit",
        "runtime_error",
    }
    assert len(esolangs.STATUSES) == 6


def test_names_are_sorted_canonical_and_include_the_brainfuck_family():
    names = esolangs.names()
    assert names == sorted(names) and len(set(names)) == len(names)
    assert {"bf", "ook"} <= set(names)
    assert "brainfuck" not in names  # an alias, not a name
    assert esolangs.get("brainfuck") is esolangs.get("bf") is esolangs.get(" BF ")
    assert "bf-dialect-<seed>" in esolangs.families()


@pytest.mark.parametrize(
    "typo, suggestion", [("brainfck", "brainfuck"), ("ok", "ook"), ("bf-dialect", "bf-dialect-<seed>")]
)
def test_unknown_names_raise_value_error_with_suggestions(typo, suggestion):
    with pytest.raises(ValueError) as info:
        esolangs.get(typo)
    message = str(info.value)
    assert repr(typo) in message and repr(suggestion) in message and "bf" in message


def test_misuse_raises_type_or_value_error():
    with pytest.raises(TypeError):
        esolangs.get(3)
    with pytest.raises(ValueError, match="max_steps"):
        esolangs.run("bf", "+", max_steps=-1)
    with pytest.raises(ValueError, match="max_output"):
        esolangs.run("bf", "+", max_output=-5)
    with pytest.raises(TypeError, match="max_steps"):
        esolangs.run("bf", "+", max_steps="10")
    with pytest.raises(TypeError, match="max_steps"):
        esolangs.run("bf", "+", max_steps=True)
    with pytest.raises(TypeError, match="max_steps"):
        esolangs.run("bf", "+", max_steps=1.5)
    with pytest.raises(ValueError, match="engine"):
        esolangs.run("bf", "+", engine="turbo")
    with pytest.raises(TypeError, match="seed"):
        esolangs.run("bf", "+", seed=0.5)
    with pytest.raises(TypeError, match="seed"):
        esolangs.run("bf", "+", seed=True)
    with pytest.raises(ValueError, match="max_memory"):
        esolangs.Limits(max_memory=-1)  # checked once, when built
    with pytest.raises(TypeError, match="limits must be an esolangs.Limits"):
        esolangs.get("bf").run("+", limits={"max_steps": 10})
    with pytest.raises(TypeError, match="source"):
        esolangs.run("bf", 42)
    with pytest.raises(TypeError, match="stdin"):
        esolangs.run("bf", "+", 7)
    with pytest.raises(TypeError, match="tape"):
        esolangs.run("bf", "+", tape=10)
    with pytest.raises(ValueError, match="eof"):
        esolangs.run("bf", "+", eof="never")
    with pytest.raises(TypeError):
        esolangs.run("ook", "", cell_width=16)


def test_source_bytes_and_str_mean_the_same_program():
    for name in ("bf", "ook"):
        source, stdin, expected = esolangs.get(name).sample
        assert esolangs.run(name, source.encode("latin-1"), stdin) == esolangs.run(name, source, stdin)
    assert esolangs.run("bf", ",.", "A").output == b"A"  # str stdin is UTF-8


@pytest.mark.parametrize("name", all_language_names())
def test_every_language_meets_the_basic_contract(name):
    language = esolangs.get(name)
    assert isinstance(language.doc, str) and len(language.doc) > 200
    alphabet = language.alphabet
    assert len(alphabet) == len(set(alphabet)) > 0 and all(isinstance(t, str) and t for t in alphabet)
    assert language.validate("") == []
    if language.sample is not None:
        source, stdin, expected = language.sample
        for engine in ("reference", "fast"):
            result = language.run(source, stdin, engine=engine)
            assert result.status == "ok" and result.output == expected, (name, engine, result)
    for engine in ("reference", "fast"):
        for source in (GARBAGE, GARBAGE.decode("latin-1"), ""):
            result = language.run(
                source, b"\x00\x01", limits=esolangs.Limits(max_steps=5000, max_output=50), engine=engine
            )
            assert isinstance(result, Execution) and result.status in esolangs.STATUSES
            assert 0 <= result.steps <= 5000 and len(result.output) <= 50
            assert (result.error is None) == (result.status == "ok")


def test_built_in_languages_are_named_by_entry_point_and_match_their_classes():
    """The registry names each built-in by a "module:attr" string; the name and aliases there are the class's own."""
    from esolangs.registry import BUILTIN_LANGUAGES, BUILTIN_PATTERNS, load_entry_point

    for name, entry_point, aliases in BUILTIN_LANGUAGES:
        cls = load_entry_point(entry_point)
        assert (cls.name, tuple(cls.aliases)) == (name, aliases), entry_point
        for alias in (name, *aliases):
            assert type(esolangs.get(alias)) is cls
    for regex, display, entry_point in BUILTIN_PATTERNS:
        assert callable(load_entry_point(entry_point)), entry_point
        assert display in esolangs.families() and not re.fullmatch(regex, display), display
    assert esolangs.get("bf-dialect-3").name == "bf-dialect-3"


def test_malformed_entry_points_are_refused_naming_the_string():
    from esolangs.registry import register

    for bad in ("esolangs.brainfuck", ":Brainfuck", "esolangs.brainfuck:", "a:b:c"):
        with pytest.raises(ValueError, match="is not 'module:attr'"):
            register("probe-language", bad)
    assert "probe-language" not in esolangs.names()


def test_importing_esolangs_imports_no_language_module():
    import subprocess
    import sys

    code = (
        "import sys, esolangs; mods = [m for m in ('esolangs.brainfuck', 'esolangs.befunge', 'esolangs.dialects',"
        " 'esolangs.whitespace') if m in sys.modules]; print(mods)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
