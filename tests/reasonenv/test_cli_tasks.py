"""`reasonenv tasks` and `reasonenv export`: listings, JSON lines with solutions that pass, clear errors."""

from __future__ import annotations

import json

import pytest

from curricula.base import Instance, TestCase
from curricula.suites import get_suite, suite_names
from curricula.verify import execute
from reasonenv.cli import main


def test_tasks_lists_every_suite_family_and_curriculum(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("paper", "pqt", "tiers", "primitives"):
        assert name in out
    for family in ("reverse", "emit-char", "paper-bf-print"):
        assert family in out
    assert "bf-basics" in out


def test_tasks_json_and_suite_filter(capsys):
    assert main(["tasks", "--suite", "pqt", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in data["suites"]] == ["pqt"]
    assert {r["suite"] for r in data["families"]} == {"pqt"}
    assert all(r["summary"] for r in data["families"])


def test_tasks_unknown_suite_is_a_one_line_error(capsys):
    assert main(["tasks", "--suite", "pqtt"]) == 2
    err = capsys.readouterr().err
    assert "pqt" in err and err.count("\n") == 1


def _instance(record: dict) -> Instance:
    def cases(items):
        return tuple(TestCase(c["input"].encode("latin-1"), c["output"].encode("latin-1")) for c in items)

    return Instance(
        family=record["family"],
        description=record["description"],
        io_format=record["io_format"],
        examples=cases(record["examples"]),
        tests=cases(record["tests"]),
        config=record["config"],
        seed=record["seed"],
        index=record["index"],
        suite=record["suite"],
        language=record["language"],
        run_options=record["run_options"],
        max_steps=record["max_steps"],
        scoring=record["scoring"],
    )


def test_export_writes_one_json_object_per_instance_with_working_solutions(tmp_path, capsys):
    out = tmp_path / "pqt.jsonl"
    assert (
        main(
            [
                "export",
                "--suite",
                "pqt",
                "--language",
                "bf",
                "--families",
                "reverse,add",
                "--solutions",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    lines = out.read_text().splitlines()
    suite = get_suite("pqt")
    expected = sum(e.count for e in suite.entries if e.family in ("reverse", "add"))
    assert len(lines) == expected > 0
    for line in lines:
        record = json.loads(line)
        assert {"description", "examples", "tests", "family", "seed", "index", "suite"} <= set(record)
        inst = _instance(record)  # the exported text alone is enough to re-run the tests
        runs = execute(inst, record["solution"], "bf")
        assert all(r.ok for r in runs)
        assert [r.output for r in runs] == [t.output for t in inst.tests]
    assert "wrote" in capsys.readouterr().err


def test_export_paper_skips_instances_tied_to_another_language(tmp_path):
    out = tmp_path / "paper.jsonl"
    assert main(["export", "--suite", "paper", "--language", "befunge93", "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records and {r["language"] for r in records} == {"befunge93"}
    assert all(r["family"].startswith("paper-befunge") for r in records)


def test_export_errors(tmp_path, capsys):
    assert main(["export", "--suite", "nope", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "unknown suite" in capsys.readouterr().err
    assert main(["export", "--suite", "pqt", "--families", "revers", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "revers" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["paper", "pqt", "tiers", "primitives"])
def test_suites_are_registered_and_versioned(name):
    assert name in suite_names()
    suite = get_suite(name)
    assert suite.version and suite.entries and suite.summary
