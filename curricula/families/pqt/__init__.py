"""The Priority Queue Training (brain_coder) Brainfuck task set: its families, the `pqt` and `pqt-original` suites.

Modules: `common` (conventions, config helper, family base), `sequences`
(the one-list KnownCode tasks as a data table), `structured` (KnownCode
tasks on structured input), `tasks` (tasks with their own generators),
`arithmetic`, `programs` (hand-built Brainfuck solutions). Importing the
package registers every family and both suites.

Source: tensorflow/models research/brain_coder, `single_task/code_tasks.py`
(tasks, `make_task` table of the paper's settings) and `common/bf.py` (the
interpreter). Every instance runs under that interpreter's conventions
(`run_options`): cells wrap at the task's base B, '<' at cell 0 stays at 0,
',' at end of input reads 0, unmatched brackets do nothing, and a run
fails when its step counter reaches 5000.

I/O are lists of integers written as bytes. Each family keeps its task's
own end-of-sequence convention (many append a 0 to the expected output).

Two ways to get cases:
- default: cases are drawn per instance from SeedSequence([seed, index])
  (through a `random.Random` seeded by one draw from it: see
  `common.python_random`). Where brain_coder's sequence generators draw values
  in 0..B-1, a 0 inside the input would act as an early terminator for the
  known solutions and make the plain-English task ambiguous, so drawn
  sequences here use 1..max_value; the published and known programs pass
  either way (except dedup's, which can run out of steps: see structured.Dedup).
- `original=True` (suite `pqt-original`): brain_coder's exact fixed cases,
  reproduced from its code: Python 2's `random.Random(6849275409234)`
  (brain_coder is Python 2 code: `bf.py` calls `iterator.next()`), numpy's
  legacy RandomState where it uses one, and, for the tasks defined by a
  known program, that program's output under these conventions. multiply
  and divmod are left out: their cells wrap at 512 and values up to 511
  cannot be written as bytes (here they use B = 256).
"""

from __future__ import annotations

from curricula.families.pqt import arithmetic, sequences, structured, tasks  # each registers its families
from curricula.families.pqt.common import (
    BRAIN_CODER_SEED,
    PQT_CLASSES,
    PQT_MAX_STEPS,
    PQTConfig,
    PQTFamily,
    Py2Random,
    pqt_config,
    pqt_family,
    run_options,
)
from curricula.families.pqt.sequences import SEQUENCE_FAMILIES, SEQUENCE_TASKS, SequenceTask
from curricula.families.pqt.tasks import Reverse
from curricula.suites import Suite, SuiteEntry, register_suite

# ---------------------------------------------------------------- suites

PQT_FAMILIES: tuple[str, ...] = (
    "reverse",
    "remove-char",
    "count-char",
    "add",
    "bool-logic",
    "print-hello",
    "echo-twice",
    "echo-thrice",
    "copy-reverse",
    "zero-cascade",
    "cascade",
    "shift-left",
    "shift-right",
    "riffle",
    "unriffle",
    "middle-char",
    "remove-last",
    "remove-last-two",
    "echo-alternating",
    "echo-half",
    "length",
    "echo-second-seq",
    "echo-nth-seq",
    "substring",
    "divide-2",
    "dedup",
    "print",
    "echo",
    "prefix",
    "find",
    "sort3",
    "multiply",
    "divmod",
    "fib",
    "count-down",
)
"""The PQT families in the order of the task list (brain_coder's paper table, then its extra tasks)."""
if set(PQT_FAMILIES) != set(PQT_CLASSES):  # not `assert`: python -O would drop the check
    raise RuntimeError(f"PQT_FAMILIES and the pqt classes differ: {sorted(set(PQT_FAMILIES) ^ set(PQT_CLASSES))}")

register_suite(
    Suite(
        name="pqt",
        version="1",
        summary="Priority Queue Training's Brainfuck tasks under brain_coder's conventions, cases drawn per instance.",
        entries=tuple(SuiteEntry(family=name, count=1) for name in PQT_FAMILIES),
    )
)

register_suite(
    Suite(
        name="pqt-original",
        version="1",
        summary="brain_coder's exact fixed test cases (multiply and divmod excluded: base 512 does not fit bytes).",
        entries=tuple(
            SuiteEntry(family=name, count=1, config={"original": True})
            for name in PQT_FAMILIES
            if PQT_CLASSES[name].has_original
        ),
    )
)

__all__ = [
    "BRAIN_CODER_SEED",
    "PQT_CLASSES",
    "PQT_FAMILIES",
    "PQT_MAX_STEPS",
    "PQTConfig",
    "PQTFamily",
    "Py2Random",
    "SEQUENCE_FAMILIES",
    "SEQUENCE_TASKS",
    "SequenceTask",
    "Reverse",
    "arithmetic",
    "pqt_config",
    "pqt_family",
    "run_options",
    "sequences",
    "structured",
    "tasks",
]
