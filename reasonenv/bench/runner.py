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
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from reasonenv.bench import prompts
from reasonenv.bench.models import Model, ModelRequest, task_for
from reasonenv.bench.sandbox import SandboxLimits, cpu_seconds_for, run_python

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
    progress: bool = True
    """Show a progress bar on stderr."""

    def validate(self) -> "BenchConfig":
        if self.regime not in REGIMES:
            raise ValueError(f"BenchConfig.regime must be one of {list(REGIMES)}, got {self.regime!r}")
        if not self.languages:
            raise ValueError("BenchConfig.languages must name at least one language, got none")
        ranges = {"shots": (0, 64), "attempts": (1, 100), "samples": (1, 10_000), "temperature": (0, 2),
                  "max_tokens": (1, 1_000_000), "concurrency": (1, 4096), "timeout_s": (0.01, 3600), "max_retries": (0, 100)}
        for name, (low, high) in ranges.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"BenchConfig.{name} must be in [{low}, {high}], got {value!r}")
        if self.limit is not None and (isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1):
            raise ValueError(f"BenchConfig.limit must be an int >= 1 or None, got {self.limit!r}")
        return self

    @property
    def max_attempts(self) -> int:
        return self.attempts if self.regime == "feedback" else 1

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["out"] = str(self.out)
        return data


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
        return conversation_key(config.model, config.suite, self.instance.family, self.instance.id, self.language,
                                config.regime, self.sample, phash)


def conversation_key(model, suite, family, instance, language, regime, sample, phash) -> tuple:
    return (model, suite, family, instance, language, regime, sample, phash)


def line_key(line: dict[str, Any]) -> tuple:
    return conversation_key(line["model"], line["suite"], line["family"], line["instance"], line["language"],
                            line["regime"], line["sample"], line["prompt_hash"])


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
    for raw in data[:end].splitlines():
        if not raw.strip():
            continue
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            print(f"warning: skipping an unreadable line in {path}", file=sys.stderr)
    return lines


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


def suite_instances(config: BenchConfig) -> list[Any]:
    from curricula.suites import get_suite

    suite = get_suite(config.suite)
    wanted = set(config.families) if config.families else None
    if wanted:
        unknown = sorted(wanted - set(suite.families()))
        if unknown:
            raise ValueError(f"--families {unknown} are not in suite {config.suite!r}; its families: {suite.families()}")
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


def demonstrations(config: BenchConfig, instance: Any, language: str, pool: list[Any], cache: dict) -> list[tuple[Any, str]]:
    """Up to `shots` (instance, reference program) pairs from OTHER families of the suite, same language, suite order."""
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
        if program is None:
            continue
        seen.add(candidate.family)
        demos.append((candidate, program))
    return demos


def plan(config: BenchConfig, model: Any) -> list[Conversation]:
    """Every conversation the run asks, in a fixed order."""
    languages = [prompts.language_info(name) for name in config.languages]
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
                conversations.append(Conversation(instance, info.name, sample, messages, len(demos), tiers[instance.family]))
    return conversations


def suite_pool(config: BenchConfig) -> list[Any]:
    """The first instance of every family of the suite (the demonstration pool; not limited by --families)."""
    from curricula.suites import get_suite

    firsts: dict[tuple[str, str | None], Any] = {}
    for instance in get_suite(config.suite).instances():
        firsts.setdefault((instance.family, instance.language), instance)
    return list(firsts.values())


# ---------------------------------------------------------------- execution


async def execute(instance: Any, program: str, language: str, with_examples: bool) -> tuple[list, list | None, str | None]:
    """(executions on the hidden tests, executions on the visible examples or None, sandbox guard or None)."""
    tests = list(instance.tests)
    examples = list(instance.examples) if with_examples else []
    if language == "python":
        limits = SandboxLimits(cpu_seconds=cpu_seconds_for(instance.max_steps), wall_seconds=2.0 * cpu_seconds_for(instance.max_steps) + 1)
        run = await run_python(program, [t.input for t in tests + examples], limits)
        executions = list(run.executions)
        guard = run.guard + (f" ({run.guard_note})" if run.guard_note else "")
        return executions[: len(tests)], (executions[len(tests):] if with_examples else None), guard
    from curricula.verify import execute as run_esolang

    hidden = run_esolang(instance, program, language)
    shown = run_esolang(instance, program, language, tests=examples) if with_examples else None
    return hidden, shown, None


def passed_count(instance: Any, executions: Iterable[Any]) -> int:
    """Tests whose run ended ok with stdout equal to the expected bytes exactly."""
    return sum(1 for case, e in zip(instance.tests, executions) if e.status == "ok" and e.output == case.output)


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


class Runner:
    """Runs one BenchConfig against one model, resuming from the results already in config.out."""

    def __init__(self, config: BenchConfig, model: Any):
        self.config = config.validate()
        self.model = model
        self.phash = prompts.prompt_hash()

    async def run(self) -> dict[str, Any]:
        config = self.config
        config.out.mkdir(parents=True, exist_ok=True)
        results_path = config.out / RESULTS_FILE
        previous = read_results(results_path, repair=True)
        by_key: dict[tuple, dict[int, dict[str, Any]]] = {}
        for line in previous:
            if line.get("api_error"):
                continue
            by_key.setdefault(line_key(line), {})[line["attempt"]] = line
        conversations = plan(config, self.model)
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
        (config.out / RUN_FILE).write_text(json.dumps({
            "config": config.to_dict(), "prompt_hash": self.phash, "prompt_version": prompts.PROMPT_VERSION,
            "extraction_rule": prompts.EXTRACTION_RULE, "conversations": len(conversations),
        }, indent=2) + "\n")
        progress = Progress(total=len(conversations), done=finished, solved=solved_before)
        if config.progress:
            from tqdm import tqdm

            progress.bar = tqdm(total=len(conversations), initial=finished, desc=f"{config.model} {config.regime}",
                                unit="conv", file=sys.stderr, dynamic_ncols=True)
        writer = ResultsWriter(results_path)
        started = time.monotonic()
        queue: asyncio.Queue = asyncio.Queue()
        for conversation in todo:
            queue.put_nowait(conversation)

        async def worker() -> None:
            while True:
                try:
                    conversation = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                solved = await self.converse(conversation, writer)
                progress.advance(solved, getattr(self.model, "in_flight", 0))

        try:
            workers = [asyncio.create_task(worker()) for _ in range(min(len(todo), 2 * config.concurrency) or 1)]
            await asyncio.gather(*workers)
        finally:
            writer.close()
            if progress.bar is not None:
                progress.bar.close()
        elapsed = time.monotonic() - started
        return {"conversations": len(conversations), "skipped": finished, "ran": len(todo),
                "solved": progress.solved, "seconds": elapsed, "results": str(results_path)}

    async def converse(self, conversation: Conversation, writer: ResultsWriter) -> bool:
        """Attempts of one conversation from where it stopped; True if an attempt passed every test."""
        config = self.config
        instance = conversation.instance
        messages = list(conversation.messages)
        for line in conversation.done_lines:
            if line.get("feedback") is not None:
                messages += [{"role": "assistant", "content": line["response"]}, {"role": "user", "content": line["feedback"]}]
        api_failures = 0
        attempt = len(conversation.done_lines)
        while attempt < config.max_attempts:
            request = ModelRequest(messages=list(messages), instance=instance, language=conversation.language,
                                   sample=conversation.sample, attempt=attempt)
            response = await self.model.respond(request)
            record = self.base_record(conversation, attempt)
            record.update(response=response.text, latency_s=round(response.latency_s, 4),
                          usage={"prompt_tokens": response.prompt_tokens, "completion_tokens": response.completion_tokens},
                          retries=response.retries, faults=response.faults, finish_reason=response.finish_reason)
            if response.error is not None:
                record.update(api_error=response.error, program=None, extraction="api_error", statuses=[],
                              errors=[], passed=0, total=len(instance.tests), solved=False, guard=None, feedback=None)
                writer.write(record)
                api_failures += 1
                if api_failures > 2:
                    return False  # the endpoint is failing: leave this conversation for a rerun
                continue
            program = prompts.extract_program(response.text, conversation.language)
            feedback_regime = config.regime == "feedback" and attempt + 1 < config.max_attempts
            if program is None:
                hidden, shown, guard = [], None, None
            else:
                hidden, shown, guard = await execute(instance, program, conversation.language, feedback_regime)
            passed = passed_count(instance, hidden)
            solved = program is not None and passed == len(instance.tests)
            feedback = None
            if feedback_regime and not solved:
                feedback = prompts.render_feedback(instance, program, shown)
            record.update(
                api_error=None, program=program, extraction="ok" if program is not None else "no_code_block",
                statuses=[e.status for e in hidden], errors=_first_errors(hidden),
                outputs=[e.output.decode("latin-1")[:200] for e in hidden[:3]],
                passed=passed, total=len(instance.tests), solved=solved, guard=guard, feedback=feedback,
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
            "schema": SCHEMA_VERSION, "model": config.model, "suite": config.suite, "family": instance.family,
            "tier": conversation.tier, "instance": instance.id, "instance_index": instance.index,
            "instance_language": instance.language, "language": conversation.language, "regime": config.regime,
            "sample": conversation.sample, "attempt": attempt, "max_attempts": config.max_attempts,
            "shots": conversation.shots, "prompt_hash": self.phash, "prompt_version": prompts.PROMPT_VERSION,
            "temperature": config.temperature, "max_tokens": config.max_tokens, "time": round(time.time(), 3),
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
        return await Runner(config, model).run()
    finally:
        await model.aclose()
