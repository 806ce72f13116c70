"""Register every reasonenv id with Gymnasium under lazy "module:Class" entry points (called when `reasonenv` is imported).

Ids:
- `reasonenv/<Lang>-<Task>-v0`, token level: the `pqt` families in BF and Ook
  (their suite's interpreter conventions are Brainfuck's), the `primitives`
  families in BF, Ook, Befunge93 and Whitespace (the cross-language
  skills), and the `paper` families in the language the paper asked them
  in (`reasonenv/BF-PaperPrint-v0`, `reasonenv/Befunge93-PaperFactorial-v0`).
  The `tiers` families (LLM benchmark tiers) are asked through the generic
  ids below, e.g. `gym.make("reasonenv/Synthesis-v0", task="gcd", mode="text")`.
- `reasonenv/Synthesis-v0`: language=, task=, difficulty=, mode= token|text|feedback.
- `reasonenv/SynthesisText-v0`, `reasonenv/SynthesisFeedback-v0`: the text modes by id.
- `reasonenv/Curriculum-v0`: curriculum= a shipped name or a YAML path.

No id sets `max_episode_steps`: every episode's horizon ends with a
verification the env must run itself (a TimeLimit wrapper would cut it off).

The per-task ids come from a shipped table (token_envs.json) so that
registering them loads no task suite; a test checks it against
`token_env_table()`, and `python -m reasonenv.envs.registration --write`
regenerates it after a suite changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

NAMESPACE = "reasonenv"
VERSION = 0
LANGUAGE_IDS = {"bf": "BF", "ook": "Ook", "befunge93": "Befunge93", "whitespace": "Whitespace"}
SUITE_LANGUAGES = {
    "pqt": ("bf", "ook"),  # Ook! is Brainfuck spelled in word pairs: the same conventions apply
    "primitives": ("bf", "ook", "befunge93", "whitespace"),
    "paper": (),  # each paper family is tied to its own language
}
LANGUAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    # Whitespace spells every command in 2-4 of its three characters and numbers in binary.
    "whitespace": {"max_program_length": 256},
}
TOKEN_ENTRY = "reasonenv.envs.synthesis:SynthesisEnv"
GENERIC_ENTRY = "reasonenv.envs.generic:make_synthesis_env"
TEXT_ENTRY = "reasonenv.envs.text:TextSynthesisEnv"
FEEDBACK_ENTRY = "reasonenv.envs.feedback:FeedbackSynthesisEnv"
CURRICULUM_ENTRY = "reasonenv.envs.curriculum:CurriculumEnv"


def camel_case(name: str) -> str:
    """'count-char' -> 'CountChar', 'sort3' -> 'Sort3'."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part)


def task_id(family: str, language: str | None = None) -> str:
    """The Task part of an id: the CamelCased family name; paper families drop their language ('paper-bf-print' -> 'PaperPrint')."""
    if family.startswith("paper-"):
        rest = family[len("paper-") :]
        for prefix in ("befunge-", "bf-"):
            if rest.startswith(prefix):
                rest = rest[len(prefix) :]
                break
        return "Paper" + camel_case(rest)
    return camel_case(family)


def env_id(language: str, family: str) -> str:
    return f"{NAMESPACE}/{LANGUAGE_IDS[language]}-{task_id(family)}-v{VERSION}"


def token_env_table() -> dict[str, dict[str, Any]]:
    """id -> kwargs of every per-task token env, from the registered suites."""
    from curricula.base import family_class
    from curricula.suites import get_suite, suite_names

    available = set(suite_names())
    table: dict[str, dict[str, Any]] = {}
    for suite_name, languages in SUITE_LANGUAGES.items():
        if suite_name not in available:
            continue
        seen = set()
        for entry in get_suite(suite_name).entries:
            if entry.family in seen:
                continue
            seen.add(entry.family)
            tied = entry.language or getattr(family_class(entry.family), "language", None)
            for language in (tied,) if tied else languages:
                if language not in LANGUAGE_IDS:
                    continue
                kwargs: dict[str, Any] = {"language": language, "task": entry.family}
                if entry.config:
                    kwargs["task_config"] = dict(entry.config)
                kwargs.update(LANGUAGE_DEFAULTS.get(language, {}))
                identifier = env_id(language, entry.family)
                if identifier in table:
                    raise ValueError(
                        f"env id {identifier} would be registered twice (families {table[identifier]['task']!r} and {entry.family!r})"
                    )
                table[identifier] = kwargs
    return table


TOKEN_ENV_TABLE_FILE = Path(__file__).with_name("token_envs.json")


def shipped_token_env_table() -> dict[str, dict[str, Any]]:
    """id -> kwargs of every per-task token env, as shipped in token_envs.json (no suite is loaded)."""
    return json.loads(TOKEN_ENV_TABLE_FILE.read_text(encoding="utf-8"))


def write_token_env_table() -> Path:
    """Regenerate token_envs.json from the registered suites (run after a suite gains or loses a family)."""
    text = json.dumps(token_env_table(), indent=1, sort_keys=True) + "\n"
    from reasonenv.files import write_atomic

    return write_atomic(TOKEN_ENV_TABLE_FILE, text)


def register_envs() -> list[str]:
    """Register every id (idempotent) and return them."""
    import gymnasium as gym

    ids: list[str] = []

    def add(identifier: str, entry_point: str, kwargs: dict[str, Any] | None = None) -> None:
        if identifier not in gym.registry:
            gym.register(id=identifier, entry_point=entry_point, kwargs=kwargs or {}, max_episode_steps=None)
        ids.append(identifier)

    for identifier, kwargs in shipped_token_env_table().items():
        add(identifier, TOKEN_ENTRY, kwargs)
    add(f"{NAMESPACE}/Synthesis-v{VERSION}", GENERIC_ENTRY)
    add(f"{NAMESPACE}/SynthesisText-v{VERSION}", TEXT_ENTRY)
    add(f"{NAMESPACE}/SynthesisFeedback-v{VERSION}", FEEDBACK_ENTRY)
    add(f"{NAMESPACE}/Curriculum-v{VERSION}", CURRICULUM_ENTRY)
    return ids


def registered_ids() -> list[str]:
    """Every reasonenv id in Gymnasium's registry, sorted."""
    import gymnasium as gym

    return sorted(i for i in gym.registry if i.startswith(f"{NAMESPACE}/"))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m reasonenv.envs.registration --write   (regenerates token_envs.json from the suites)")
    print(f"wrote {write_token_env_table()}")
