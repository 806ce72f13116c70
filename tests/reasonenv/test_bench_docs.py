"""The prompt must not hand out answers: no program shown in a language doc, nor a few-shot demonstration, solves a family.

Every code span and code block of each language's doc (the text the benchmark puts in every prompt, so
`esolangs/docs/*.md` as rendered, Whitespace's S/T/L notation read as the extraction rule reads it) is run
on the instances of each `paper`, `pqt` and `tiers` family that can be asked in that language; none may
pass every hidden test of those instances. The same holds for the few-shot demonstrations the runner
shows with each family (esolangs; Python demonstrations would need the sandbox and are not checked here).
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from curricula.verify import execute
from reasonenv.bench import prompts
from reasonenv.bench.runner import BenchConfig, demonstrations, suite_pool

LANGUAGES = ("bf", "befunge93", "whitespace", "ook", "bf-dialect-7")
SUITES = ("paper", "pqt", "tiers")
INSTANCES_PER_FAMILY = 10

_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)^ {0,3}\1[ \t]*$", re.M | re.S)
_INDENTED = re.compile(r"((?:^(?: {4}|\t)[^\n]*(?:\n|$))+)", re.M)
_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def doc_programs(language: str) -> list[str]:
    """Every code span and code block of the language's prompt doc, as programs of that language."""
    doc = prompts.language_info(language).doc
    found = {m.group(2) for m in _FENCED.finditer(doc)}
    found |= {
        "\n".join(line[4:] if line.startswith("    ") else line[1:] for line in m.group(1).splitlines())
        for m in _INDENTED.finditer(doc)
    }
    found |= {m.group(2).strip() if len(m.group(1)) == 2 else m.group(2) for m in _SPAN.finditer(doc)}
    if language == "whitespace":
        found |= {prompts.from_transliteration(p) for p in found if any(c in p for c in "STL")}
    return sorted(found)


@cache
def families(suite: str) -> dict[str, list]:
    from curricula.suites import get_suite

    grouped: dict[str, list] = {}
    for instance in get_suite(suite).instances():
        grouped.setdefault(instance.family, []).append(instance)
    return {family: instances[:INSTANCES_PER_FAMILY] for family, instances in grouped.items()}


def askable(instance, language: str) -> bool:
    return instance.language is None or prompts.language_info(instance.language).name == language


def solves_every_instance(instances: list, program: str, language: str) -> bool:
    """Stops at the first failing test, so most programs cost one run."""
    for instance in instances:
        for case in instance.tests:
            (run,) = execute(instance, program, language, tests=[case])
            if run.status != "ok" or run.output != case.output:
                return False
    return True


def test_doc_programs_are_found_in_spans_and_blocks():
    bf = doc_programs("bf")
    assert "[-]" in bf and "++++++++[>++++++++<-]>+." in bf
    assert '"!dlroW ,olleH">:#,_@' in doc_programs("befunge93")
    assert any(p.count("\n") >= 2 and set(p) <= set(" \t\n") for p in doc_programs("whitespace"))


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_program_shown_in_a_language_doc_solves_a_family(suite, language):
    leaks = []
    programs = doc_programs(language)
    for family, instances in families(suite).items():
        if not askable(instances[0], language):
            continue
        leaks += [(family, program) for program in programs if solves_every_instance(instances, program, language)]
    assert not leaks, f"the {language} doc shows the answer of: {leaks}"


@pytest.mark.parametrize("suite", SUITES)
def test_no_few_shot_demonstration_solves_the_family_it_is_shown_with(suite, tmp_path):
    config = BenchConfig(model="oracle", suite=suite, languages=LANGUAGES, out=tmp_path, regime="few-shot", shots=3)
    pool = suite_pool(config)
    cache: dict = {}
    leaks = []
    shown = 0
    for family, instances in families(suite).items():
        for language in LANGUAGES:
            if not askable(instances[0], language):
                continue
            for demo, program in demonstrations(config, instances[0], language, pool, cache):
                shown += 1
                if solves_every_instance(instances, program, language):
                    leaks.append((family, language, demo.family))
    assert shown > 0
    assert not leaks, f"(asked family, language, demonstrated family) whose demo solves the asked family: {leaks}"
