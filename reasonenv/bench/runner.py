"""The benchmark runner: ask a model every (instance, language, sample), run its programs, append one result line per attempt.

Results go to DIR/results.jsonl, one JSON object per (model, suite, family,
instance, language, regime, sample, attempt), each written with a single
append and flushed before the next. On start the file is read back: a torn
last line (the process was killed mid-write) is cut off, finished
conversations are skipped, and a feedback conversation that was cut short
resumes at its next attempt with the same messages. So rerunning the same
command after `kill -9` neither loses nor duplicates work. A line with an
`api_error` (the endpoint failed after every retry) does not count as an
attempt: a rerun asks again.

A broken endpoint is never scored as a model that solved nothing: the model
is checked once before the run (`Model.check`), a fatal answer during the
run (refused connection, 401, 403, 404) stops it at once, and so do
`max_consecutive_failures` failed requests in a row. The summary counts
api_error lines and unfinished conversations; the CLI exits non-zero when
any conversation is unfinished. One --out directory holds one run: its
run.json records the configuration, and a different model, suite, regime or
sampling setup is refused there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esolangs.validation import check_int_field, check_number_field
from reasonenv.bench import prompts
from reasonenv.bench.models import EndpointError, Model, ModelRequest, task_for
from reasonenv.bench.sandbox import SandboxLimits, cpu_seconds_for, remove_stale_sandboxes, run_python
from reasonenv.files import write_atomic

REGIMES = ("zero-shot", "few-shot", "feedback")
SUITES = ("paper", "pqt", "tiers", "primitives")
RESULTS_FILE = "results.jsonl"
RUN_FILE = "run.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class BenchConfig:
    """What to benchmark and how (the `reasonenv bench` options)."""

    model: str
    """Model name at the endpoint, or a built-in baseline: oracle, random."""
    suite: str
    """Task suite: paper, pqt, tiers (or primitives)."""
    languages: tuple[str, ...]
    """Languages to ask in; python is the control language."""
    out: Path
    """Directory for results.jsonl and run.json."""
    base_url: str | None = None
    """OpenAI-compatible endpoint root, e.g. http://127.0.0.1:8000/v1 (not needed for baselines)."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the API key (unset: no key)."""
    regime: str = "zero-shot"
    """zero-shot, few-shot (demonstrations from other families) or feedback (interpreter output after each failure)."""
    families: tuple[str, ...] | None = None
    """Only these families of the suite (default: all)."""
    shots: int = 3
    """Demonstrations in the few-shot regime."""
    attempts: int = 5
    """Attempts per conversation in the feedback regime (other regimes make one)."""
    samples: int = 1
    """Independent conversations per (instance, language)."""
    temperature: float = 0.0
    """Sampling temperature sent to the endpoint."""
    max_tokens: int = 2048
    """Completion tokens at most per answer."""
    concurrency: int = 16
    """Requests in flight at most."""
    limit: int | None = None
    """At most this many instances per family (default: all)."""
    timeout_s: float = 120.0
    """Per-request timeout."""
    max_retries: int = 6
    """Retries per request for 429, 5xx, timeouts and malformed answers."""
    max_consecutive_failures: int = 10
    """Stop the run after this many requests in a row failed after all their retries (the endpoint is down)."""
    progress: bool = True
    """Show a progress bar on stderr."""

    def validate(self) -> BenchConfig:
        if self.regime not in REGIMES:
            raise ValueError(f"BenchConfig.regime must be one of {list(REGIMES)}, got {self.regime!r}")
        if not self.languages:
            raise ValueError("BenchConfig.languages must name at least one language, got none")
        ranges: dict[str, tuple[Any, Any]] = {
            "shots": (0, 64),
            "attempts": (1, 100),
            "samples": (1, 10_000),
            "temperature": (0, 2),
            "max_tokens": (1, 1_000_000),
            "concurrency": (1, 4096),
            "timeout_s": (0.01, 3600),
            "max_retries": (0, 100),
            "max_consecutive_failures": (1, 1_000_000),
        }
        for name, (low, high) in ranges.items():
            check = check_number_field if name in ("temperature", "timeout_s") else check_int_field
            check(self, name, low, high)
        check_int_field(self, "limit", 1, optional=True)
        return self

    @property
    def max_attempts(self) -> int:
        return self.attempts if self.regime == "feedback" else 1

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["out"] = str(self.out)
        return data

    def identity(self) -> dict[str, Any]:
        """The settings that give results their meaning: one --out directory holds results of one identity."""
        identity = {name: getattr(self, name) for name in IDENTITY_FIELDS}
        identity["shots"] = self.shots if self.regime == "few-shot" else None
        identity["attempts"] = self.max_attempts
        return identity


IDENTITY_FIELDS = ("model", "suite", "regime", "shots", "attempts", "temperature", "max_tokens")
"""Results asked with other values of these are not comparable, so they may not share a directory.
Languages, families, --limit and --samples may change between reruns: they extend or narrow the same run."""


@dataclass
class Conversation:
    """One (instance, language, sample): its first messages and the attempts already recorded."""

    instance: Any
    language: str
    sample: int
    messages: list[dict[str, str]]
    shots: int
    tier: str | None
    done_lines: list[dict[str, Any]] = field(default_factory=list)

    def key(self, config: BenchConfig, phash: str) -> tuple:
        return conversation_key(
            config.model,
            config.suite,
            self.instance.family,
            self.instance.id,
            self.language,
            config.regime,
            self.sample,
            phash,
        )


def conversation_key(model, suite, family, instance, language, regime, sample, phash) -> tuple:
    return (model, suite, family, instance, language, regime, sample, phash)


def planned_id(family: str, instance: str, language: str, sample: int) -> tuple:
    """How run.json lists a planned conversation (the run's model, suite and regime are the same for all)."""
    return (family, instance, language, sample)


def line_key(line: dict[str, Any]) -> tuple:
    return conversation_key(
        line["model"],
        line["suite"],
        line["family"],
        line["instance"],
        line["language"],
        line["regime"],
        line["sample"],
        line["prompt_hash"],
    )


# ---------------------------------------------------------------- results file


def read_results(path: Path, *, repair: bool = False) -> list[dict[str, Any]]:
    """Every complete line of a results file; with repair, a torn last line is cut off the file."""
    if not path.exists():
        return []
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if repair and end < len(data):
        with open(path, "r+b") as f:
            f.truncate(end)
    lines = []
    for number, raw in enumerate(data[:end].split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            print(f"warning: {path}:{number}: skipping a corrupt line ({err})", file=sys.stderr)
            continue
        if not isinstance(line, dict) or not line.keys() >= REQUIRED_FIELDS:
            print(f"warning: {path}:{number}: skipping a line that is not a result record", file=sys.stderr)
            continue
        lines.append(line)
    return lines


REQUIRED_FIELDS = frozenset(
    {
        "model",
        "suite",
        "family",
        "instance",
        "language",
        "regime",
        "sample",
        "prompt_hash",
        "attempt",
        "passed",
        "total",
    }
)
"""Fields every result line has; a line without them (hand-edited, from another tool) is skipped with a warning."""


def check_out_dir(out: Path, flag: str = "--out") -> None:
    """Raise ValueError unless `out` is a directory or can be created as one (no file in the way)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{flag} {out} is a file, not a directory; give a directory for the results")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{flag} {out} cannot be created: {parent} is a file, not a directory")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ValueError(f"{flag} {out} cannot be created: {parent} is not writable")
            break


def read_run_file(out: Path) -> dict[str, Any] | None:
    """run.json of an existing run directory, or None when there is none."""
    path = Path(out) / RUN_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is unreadable ({err}); move it away or use another --out") from err
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(f"{path} is not a reasonenv bench run file; use another --out")
    return data


def check_same_run(config: BenchConfig, previous: dict[str, Any] | None) -> None:
    """Refuse to mix a run with another model, suite, regime or sampling setup in one directory."""
    if previous is None:
        return
    recorded = previous.get("identity")
    if not isinstance(recorded, dict):  # a run.json from before identities were recorded: its config says as much
        recorded = {
            k: v
            for k, v in previous["config"].items()
            if k in ("model", "suite", "regime", "temperature", "max_tokens")
        }
    current = json.loads(json.dumps(config.identity()))
    differences = [
        f"{name} {recorded.get(name)!r} -> {value!r}"
        for name, value in current.items()
        if name in recorded and recorded[name] != value
    ]
    if differences:
        raise ValueError(
            f"--out {config.out} already holds a run with other settings ({'; '.join(differences)}); "
            "results of different runs would mix: use another --out, or the recorded settings to resume"
        )


class ResultsWriter:
    """Appends JSON lines with one write() each on an O_APPEND descriptor (what is written survives a kill -9)."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def close(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)


# ---------------------------------------------------------------- planning


def check_scope(config: BenchConfig) -> None:
    """Raise ValueError for an unknown suite, family or language (cheap: no instance is generated)."""
    from curricula.suites import get_suite

    suite = get_suite(config.suite)
    unknown = sorted(set(config.families or ()) - set(suite.families()))
    if unknown:
        raise ValueError(f"--families {unknown} are not in suite {config.suite!r}; its families: {suite.families()}")
    unique_languages(config.languages)


def suite_instances(config: BenchConfig) -> list[Any]:
    from curricula.suites import get_suite

    check_scope(config)
    suite = get_suite(config.suite)
    wanted = set(config.families) if config.families else None
    counts: dict[str, int] = {}
    chosen = []
    for instance in suite.instances():
        if wanted is not None and instance.family not in wanted:
            continue
        counts[instance.family] = counts.get(instance.family, 0) + 1
        if config.limit is not None and counts[instance.family] > config.limit:
            continue
        chosen.append(instance)
    return chosen


def family_tier(name: str) -> str | None:
    from curricula.base import family_class

    try:
        return getattr(family_class(name), "tier", None)
    except ValueError:
        return None


def reference_program(instance: Any, language: str, cache: dict) -> str | None:
    key = (instance.fingerprint(), language)
    if key not in cache:
        try:
            task = task_for(instance)
            cache[key] = task.reference_solution(instance, language)
        except (NotImplementedError, ValueError, TypeError):
            cache[key] = None
    return cache[key]


def demonstrations(
    config: BenchConfig, instance: Any, language: str, pool: list[Any], cache: dict
) -> list[tuple[Any, str]]:
    """Up to `shots` (instance, reference program) pairs from OTHER families of the suite, same language, suite order.

    A demonstration whose program already solves the asked instance (two families can share an answer) is
    left out: the cell would measure copying, not transfer.
    """
    demos: list[tuple[Any, str]] = []
    seen = {instance.family}
    for candidate in pool:
        if len(demos) >= config.shots:
            break
        if candidate.family in seen:
            continue
        if candidate.language is not None and language not in (candidate.language, "python"):
            continue
        program = reference_program(candidate, language, cache)
        if program is None or solves(instance, program, language):
            continue
        seen.add(candidate.family)
        demos.append((candidate, program))
    return demos


def solves(instance: Any, program: str, language: str) -> bool:
    """Does `program` pass every hidden test of `instance`? (Esolangs only: Python would need the sandbox.)"""
    if language == "python":
        return False
    from curricula.verify import execute as run_esolang

    for case in instance.tests:  # one test at a time: most candidates fail the first, at the cost of one run
        (run,) = run_esolang(instance, program, language, tests=[case])
        if run.status != "ok" or run.output != case.output:
            return False
    return True


def unique_languages(names: Iterable[str]) -> list[prompts.LanguageInfo]:
    """The languages by canonical name, first mention kept (`bf,brainfuck` and `python,python` ask once)."""
    chosen: dict[str, prompts.LanguageInfo] = {}
    for name in names:
        info = prompts.language_info(name)
        chosen.setdefault(info.name, info)
    return list(chosen.values())


def plan(config: BenchConfig, model: Any) -> list[Conversation]:
    """Every conversation the run asks, in a fixed order."""
    languages = unique_languages(config.languages)
    instances = suite_instances(config)
    pool = suite_pool(config) if config.regime == "few-shot" else []
    cache: dict = {}
    tiers: dict[str, str | None] = {}
    conversations = []
    for instance in instances:
        if instance.family not in tiers:
            tiers[instance.family] = family_tier(instance.family)
        for info in languages:
            tied = instance.language
            if tied is not None and info.name not in (prompts.language_info(tied).name, "python"):
                continue
            if not model.available(instance, info.name):
                continue
            demos = demonstrations(config, instance, info.name, pool, cache) if config.regime == "few-shot" else []
            messages = prompts.build_messages(instance, info, demos)
            for sample in range(config.samples):
                conversations.append(
                    Conversation(instance, info.name, sample, messages, len(demos), tiers[instance.family])
                )
    return conversations


def suite_pool(config: BenchConfig) -> list[Any]:
    """The first instance of every family of the suite (the demonstration pool; not limited by --families)."""
    from curricula.suites import get_suite

    firsts: dict[tuple[str, str | None], Any] = {}
    for instance in get_suite(config.suite).instances():
        firsts.setdefault((instance.family, instance.language), instance)
    return list(firsts.values())


# ---------------------------------------------------------------- execution


async def execute(
    instance: Any, program: str, language: str, with_examples: bool
) -> tuple[list, list | None, str | None]:
    """(executions on the hidden tests, executions on the visible examples or None, sandbox guard or None)."""
    tests = list(instance.tests)
    examples = list(instance.examples) if with_examples else []
    if language == "python":
        limits = SandboxLimits(
            cpu_seconds=cpu_seconds_for(instance.max_steps), wall_seconds=2.0 * cpu_seconds_for(instance.max_steps) + 1
        )
        run = await run_python(program, [t.input for t in tests + examples], limits)
        executions = list(run.executions)
        guard = run.guard + (f" ({run.guard_note})" if run.guard_note else "")
        return executions[: len(tests)], (executions[len(tests) :] if with_examples else None), guard
    from curricula.verify import execute as run_esolang

    hidden = run_esolang(instance, program, language)
    shown = run_esolang(instance, program, language, tests=examples) if with_examples else None
    return hidden, shown, None


def passed_count(instance: Any, executions: Iterable[Any]) -> int:
    """Tests whose run ended ok with stdout equal to the expected bytes exactly."""
    from curricula.scoring import passes

    return sum(1 for case, e in zip(instance.tests, executions) if passes(e, case.output))


# ---------------------------------------------------------------- the run


@dataclass
class Progress:
    total: int
    done: int = 0
    solved: int = 0
    bar: Any = None

    def advance(self, solved: bool, in_flight: int) -> None:
        self.done += 1
        self.solved += int(solved)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"pass {self.solved / max(1, self.done):.1%} in-flight {in_flight}", refresh=False)


class BenchRunner:
    """Runs one BenchConfig against one model, resuming from the results already in config.out."""

    def __init__(self, config: BenchConfig, model: Any):
        self.config = config.validate()
        self.model = model
        self.phash = prompts.prompt_hash()

    async def run(self) -> dict[str, Any]:
        config = self.config
        check_out_dir(config.out)
        previous_run = read_run_file(config.out)
        check_same_run(config, previous_run)
        check_scope(config)  # bad arguments are reported before the endpoint is contacted
        try:
            await self.model.check()
        except EndpointError as err:
            raise EndpointError(f"the endpoint cannot be used: {err}") from err
        conversations = plan(config, self.model)
        # Only now, with the arguments checked and the endpoint answering, does the directory appear.
        config.out.mkdir(parents=True, exist_ok=True)
        if any(c.language == "python" for c in conversations):
            remove_stale_sandboxes()
        results_path = config.out / RESULTS_FILE
        previous = read_results(results_path, repair=True)
        by_key: dict[tuple, dict[int, dict[str, Any]]] = {}
        for line in previous:
            if line.get("api_error"):
                continue
            by_key.setdefault(line_key(line), {})[line["attempt"]] = line
        todo = []
        finished = solved_before = 0
        for conversation in conversations:
            lines = by_key.get(conversation.key(config, self.phash), {})
            conversation.done_lines = [lines[a] for a in sorted(lines)]
            if any(l["passed"] == l["total"] for l in lines.values()) or len(lines) >= config.max_attempts:
                finished += 1
                solved_before += any(l["passed"] == l["total"] for l in lines.values())
            else:
                todo.append(conversation)
        planned = {planned_id(c.instance.family, c.instance.id, c.language, c.sample) for c in conversations}
        if previous_run is not None:
            planned |= {tuple(item) for item in previous_run.get("planned") or () if isinstance(item, list)}
        write_atomic(
            config.out / RUN_FILE,
            json.dumps(
                {
                    "config": config.to_dict(),
                    "identity": config.identity(),
                    "prompt_hash": self.phash,
                    "prompt_version": prompts.PROMPT_VERSION,
                    "extraction_rule": prompts.EXTRACTION_RULE,
                    "conversations": len(planned),
                    "planned": sorted(list(item) for item in planned),
                },
                indent=1,
            )
            + "\n",
        )
        progress = Progress(total=len(conversations), done=finished, solved=solved_before)
        if config.progress:
            from tqdm import tqdm

            progress.bar = tqdm(
                total=len(conversations),
                initial=finished,
                desc=f"{config.model} {config.regime}",
                unit="conv",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        writer = ResultsWriter(results_path)
        started = time.monotonic()
        queue: asyncio.Queue = asyncio.Queue()
        for conversation in todo:
            queue.put_nowait(conversation)
        self.api_errors = 0
        self.consecutive_failures = 0
        self.stop_reason: str | None = None
        workers: list[asyncio.Task] = []

        async def worker() -> None:
            while self.stop_reason is None:
                try:
                    conversation = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                outcome = await self.converse(conversation, writer)
                if outcome is not None:
                    progress.advance(outcome, getattr(self.model, "in_flight", 0))
                if self.stop_reason is not None:
                    # the endpoint is unusable: conversations in flight are left for the rerun
                    for task in workers:
                        if task is not asyncio.current_task():
                            task.cancel()

        try:
            workers += [asyncio.create_task(worker()) for _ in range(min(len(todo), 2 * config.concurrency) or 1)]
            for result in await asyncio.gather(*workers, return_exceptions=True):
                if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                    raise result
        finally:
            writer.close()
            if progress.bar is not None:
                progress.bar.close()
        elapsed = time.monotonic() - started
        return {
            "conversations": len(conversations),
            "skipped": finished,
            "ran": len(todo),
            "solved": progress.solved,
            "finished": progress.done,
            "unfinished": len(conversations) - progress.done,
            "api_errors": self.api_errors,
            "stopped": self.stop_reason,
            "seconds": elapsed,
            "results": str(results_path),
        }

    def note_failure(self, response: Any) -> None:
        """Count a failed request; decide whether the run must stop (fatal error, or too many failures in a row)."""
        self.api_errors += 1
        self.consecutive_failures += 1
        if self.stop_reason is not None:
            return
        if getattr(response, "fatal", False):
            self.stop_reason = response.error
        elif self.consecutive_failures >= self.config.max_consecutive_failures:
            self.stop_reason = (
                f"{self.consecutive_failures} requests in a row failed after every retry (last: {response.error})"
            )

    async def converse(self, conversation: Conversation, writer: ResultsWriter) -> bool | None:
        """Attempts of one conversation from where it stopped.

        True if an attempt passed every test, False when the attempts ran out, None when the conversation is
        unfinished (the endpoint failed; a rerun continues it).
        """
        config = self.config
        instance = conversation.instance
        messages = list(conversation.messages)
        for line in conversation.done_lines:
            if line.get("feedback") is not None:
                messages += [
                    {"role": "assistant", "content": line["response"]},
                    {"role": "user", "content": line["feedback"]},
                ]
        api_failures = 0
        attempt = len(conversation.done_lines)
        while attempt < config.max_attempts:
            if self.stop_reason is not None:
                return None
            request = ModelRequest(
                messages=list(messages),
                instance=instance,
                language=conversation.language,
                sample=conversation.sample,
                attempt=attempt,
            )
            response = await self.model.respond(request)
            record = self.base_record(conversation, attempt)
            record.update(
                response=response.text,
                latency_s=round(response.latency_s, 4),
                usage={"prompt_tokens": response.prompt_tokens, "completion_tokens": response.completion_tokens},
                retries=response.retries,
                faults=response.faults,
                finish_reason=response.finish_reason,
            )
            if response.error is not None:
                record.update(
                    api_error=response.error,
                    program=None,
                    extraction="api_error",
                    statuses=[],
                    errors=[],
                    passed=0,
                    total=len(instance.tests),
                    solved=False,
                    guard=None,
                    feedback=None,
                )
                writer.write(record)
                self.note_failure(response)
                api_failures += 1
                if api_failures > 2 or self.stop_reason is not None:
                    return None  # the endpoint is failing: leave this conversation for a rerun
                continue
            self.consecutive_failures = 0
            program = prompts.extract_program(response.text, conversation.language)
            feedback_regime = config.regime == "feedback" and attempt + 1 < config.max_attempts
            if program is None:
                hidden: list = []
                shown, guard = None, None
            else:
                hidden, shown, guard = await execute(instance, program, conversation.language, feedback_regime)
            passed = passed_count(instance, hidden)
            solved = program is not None and passed == len(instance.tests)
            feedback = None
            if feedback_regime and not solved:
                feedback = prompts.render_feedback(instance, program, shown, hidden)
            record.update(
                api_error=None,
                program=program,
                extraction="ok" if program is not None else "no_code_block",
                statuses=[e.status for e in hidden],
                errors=_first_errors(hidden),
                outputs=[e.output.decode("latin-1")[:200] for e in hidden[:3]],
                passed=passed,
                total=len(instance.tests),
                solved=solved,
                guard=guard,
                feedback=feedback,
            )
            writer.write(record)
            if solved:
                return True
            if feedback is not None:
                messages += [{"role": "assistant", "content": response.text}, {"role": "user", "content": feedback}]
            attempt += 1
        return False

    def base_record(self, conversation: Conversation, attempt: int) -> dict[str, Any]:
        config = self.config
        instance = conversation.instance
        return {
            "schema": SCHEMA_VERSION,
            "model": config.model,
            "suite": config.suite,
            "family": instance.family,
            "tier": conversation.tier,
            "instance": instance.id,
            "instance_index": instance.index,
            "instance_language": instance.language,
            "language": conversation.language,
            "regime": config.regime,
            "sample": conversation.sample,
            "attempt": attempt,
            "max_attempts": config.max_attempts,
            "shots": conversation.shots,
            "prompt_hash": self.phash,
            "prompt_version": prompts.PROMPT_VERSION,
            "temperature": config.temperature,
            "max_tokens": config.max_tokens,
            "time": round(time.time(), 3),
        }


def _first_errors(executions: list[Any], limit: int = 3) -> list[str]:
    errors = []
    for execution in executions:
        if execution.error and execution.error not in errors:
            errors.append(execution.error[:300])
        if len(errors) >= limit:
            break
    return errors


async def run_bench(config: BenchConfig, model: Model) -> dict[str, Any]:
    """Run (or resume) the benchmark with `model` (see reasonenv.bench.models; the CLI builds it); returns a summary dict."""
    try:
        return await BenchRunner(config, model).run()
    finally:
        await model.aclose()
