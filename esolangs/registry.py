"""Name -> Language lookup: canonical names, aliases, the bf-dialect-<seed> family, option variants, suggestions.

An option variant names a language with some semantic options changed:
`<language>+<option>=<value>[+...]`, e.g. `bf+eof=unchanged` or
`bf-dialect-7+eof=minus_one+cell_modulus=16`. It is the base language
configured with those options (`Language.configure`), under the variant's
name, so token envs and verifiers that look a language up by name run it
with those semantics and its knowledge entries say so where an effect id can.

The built-in languages are named by `"module:attr"` strings (as Gymnasium's
`register(entry_point="pkg.mod:Class")` does) and imported on first lookup,
so this module imports no language module and no language module imports
it: the registry sits above the languages, never beside them.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Callable
from typing import Any

from esolangs.base import Language

BUILTIN_LANGUAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bf", "esolangs.brainfuck:Brainfuck", ("brainfuck",)),
    ("befunge93", "esolangs.befunge:Befunge93", ("befunge",)),
    ("ook", "esolangs.dialects:Ook", ()),
    ("whitespace", "esolangs.whitespace:Whitespace", ("ws",)),
)
"""(canonical name, "module:attr" of its Language class, aliases) of every language that ships with esolangs."""
BUILTIN_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (r"bf-dialect-(\d{1,64})", "bf-dialect-<seed>", "esolangs.dialects:dialect_of"),
)
"""(regex, display form, "module:attr" of its factory taking the match) of every built-in parametric family."""

_FACTORIES: dict[str, Callable[[], Language]] = {}
_ALIASES: dict[str, str] = {}
_PATTERNS: list[tuple[re.Pattern[str], str, Callable[[re.Match[str]], Language]]] = []
_CACHE: dict[str, Language] = {}


def _split(entry_point: str) -> tuple[str, str]:
    module_name, colon, attr = entry_point.partition(":")
    if not colon or not module_name or not attr or ":" in attr:
        raise ValueError(f"entry point {entry_point!r} is not 'module:attr' (e.g. 'esolangs.brainfuck:Brainfuck')")
    return module_name, attr


def load_entry_point(entry_point: str) -> Any:
    """The object a `"module:attr"` string names, imported now; ValueError naming the string when it is malformed."""
    module_name, attr = _split(entry_point)
    return getattr(importlib.import_module(module_name), attr)


def _lazy(entry_point: str) -> Callable[..., Any]:
    """A factory that imports `entry_point` on its first call (the string is checked now, the import later)."""
    _split(entry_point)

    def factory(*args: Any) -> Any:
        return load_entry_point(entry_point)(*args)

    return factory


def register(name: str, factory: Callable[[], Language] | str, aliases: tuple[str, ...] = ()) -> None:
    """Register a language by canonical name: a factory, or a `"module:attr"` string imported on first use.

    Duplicate names or aliases raise ValueError.
    """
    if isinstance(factory, str):
        factory = _lazy(factory)
    for key in (name, *aliases):
        key = key.lower()
        if key in _FACTORIES or key in _ALIASES:
            raise ValueError(f"language name {key!r} is already registered")
    _FACTORIES[name.lower()] = factory
    for alias in aliases:
        _ALIASES[alias.lower()] = name.lower()


def register_pattern(regex: str, display: str, factory: Callable[[re.Match[str]], Language] | str) -> None:
    """Register a parametric family such as `bf-dialect-<seed>` (display is the form shown to users).

    `factory` takes the regex match; a `"module:attr"` string names one, imported on first use.
    """
    if isinstance(factory, str):
        factory = _lazy(factory)
    _PATTERNS.append((re.compile(regex, re.IGNORECASE), display, factory))


def names() -> list[str]:
    """Canonical names of the concrete languages, sorted."""
    _ensure_loaded()
    return sorted(_FACTORIES)


def families() -> list[str]:
    """Display forms of parametric families, e.g. 'bf-dialect-<seed>'."""
    _ensure_loaded()
    return [display for _, display, _ in _PATTERNS]


VARIANT_DISPLAY = "<language>+<option>=<value>"


def _option_value(text: str) -> int | str:
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _variant(key: str) -> Language:
    """`base+option=value+...` -> the base language configured with those options, named canonically."""
    base_name, *settings = key.split("+")
    options: dict[str, int | str] = {}
    for setting in settings:
        option, equals, value = setting.partition("=")
        if not equals or not option or not value:
            raise ValueError(f"language variant {key!r}: {setting!r} is not <option>=<value> (e.g. bf+eof=unchanged)")
        options[option] = _option_value(value)
    base = get(base_name)
    try:
        language = base.configure(**options)
    except (TypeError, ValueError) as error:
        raise ValueError(f"language variant {key!r}: {error}") from None
    canonical = "+".join([base.name, *(f"{option}={value}" for option, value in options.items())])
    language.name = canonical  # type: ignore[misc]  # per instance, like bf-dialect-<seed>'s name
    return language


def get(name: str) -> Language:
    """The Language called `name` (case-insensitive; aliases and bf-dialect-<seed> accepted)."""
    if not isinstance(name, str):
        raise TypeError(f"language name must be a str, got {type(name).__name__}")
    _ensure_loaded()
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _CACHE:
        return _CACHE[key]
    if key in _FACTORIES:
        language = _FACTORIES[key]()
    elif "+" in key:
        language = _variant(key)
    else:
        for regex, _, factory in _PATTERNS:
            match = regex.fullmatch(key)
            if match:
                language = factory(match)
                break
        else:
            known = sorted(_FACTORIES) + sorted(_ALIASES)
            close = difflib.get_close_matches(key, known + families(), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(
                f"unknown language {name!r}.{hint} Known: {', '.join(names())}, and {', '.join(families())}"
                f" (and option variants {VARIANT_DISPLAY}, e.g. bf+eof=unchanged)."
            )
    _CACHE[key] = language
    return language


_LOADED = False


def _ensure_loaded() -> None:
    """Register the built-in languages by entry point on first use (nothing is imported until a lookup needs it)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for name, entry_point, aliases in BUILTIN_LANGUAGES:
        register(name, entry_point, aliases)
    for regex, display, entry_point in BUILTIN_PATTERNS:
        register_pattern(regex, display, entry_point)
