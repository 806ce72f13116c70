"""Turn results.jsonl files into a markdown report (pass rates with Wilson 95% intervals, transfer gaps) and PNG charts.

A conversation (model, suite, family, instance, language, regime, sample)
counts as solved when any of its attempts passed every hidden test. Rows are
tiers when every family has one (the `tiers` suite), families otherwise.
The transfer gap for esolang L is the Python pass rate minus L's, both over
the instances asked in L (so the paper suite compares BF tasks with BF
tasks), with a Newcombe 95% interval. Lines with an api_error are not
attempts and are left out; a repeated key keeps its last line; a corrupt
line is skipped with a warning naming its file and line. Only finished
conversations (solved, or out of attempts) are scored: a directory whose
run.json plans more conversations than have finished gives a report marked
partial, with planned against finished.
matplotlib (Agg backend) is imported only when charts are drawn.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reasonenv.bench.runner import (
    RESULTS_FILE,
    check_out_dir,
    line_key,
    read_results,
    read_run_file,
)
from reasonenv.files import atomic_file, write_atomic

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(s1: int, n1: int, s2: int, n2: int) -> tuple[float, float]:
    """95% interval for p1 - p2 (Newcombe's hybrid score method from two Wilson intervals)."""
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson(s1, n1)
    l2, u2 = wilson(s2, n2)
    low = p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


@dataclass(frozen=True)
class Outcome:
    """One conversation's result."""

    model: str
    regime: str
    suite: str
    family: str
    tier: str | None
    instance: str
    language: str
    sample: int
    solved: bool
    attempts: int
    extraction_failures: int
    latency_s: float
    completion_tokens: int
    finished: bool = True
    """Solved, or every attempt used; an unfinished conversation (cut short by endpoint failures) is not scored."""


@dataclass(frozen=True)
class Completeness:
    """Planned against finished conversations of one result directory."""

    directory: Path
    planned: int | None
    finished: int

    @property
    def partial(self) -> bool:
        return self.planned is not None and self.finished < self.planned


def outcomes(lines: Iterable[dict[str, Any]]) -> list[Outcome]:
    latest: dict[tuple, dict[int, dict[str, Any]]] = defaultdict(dict)
    for line in lines:
        if line.get("api_error"):
            continue
        latest[line_key(line)][line["attempt"]] = line
    result = []
    for attempts in latest.values():
        ordered = [attempts[a] for a in sorted(attempts)]
        first = ordered[0]
        result.append(
            Outcome(
                model=first["model"],
                regime=first["regime"],
                suite=first["suite"],
                family=first["family"],
                tier=first.get("tier"),
                instance=first["instance"],
                language=first["language"],
                sample=first["sample"],
                solved=(solved := any(l["passed"] == l["total"] and l.get("program") is not None for l in ordered)),
                finished=solved or len(ordered) >= int(first.get("max_attempts") or 1),
                attempts=len(ordered),
                extraction_failures=sum(l.get("program") is None for l in ordered),
                latency_s=sum(l.get("latency_s") or 0.0 for l in ordered),
                completion_tokens=sum((l.get("usage") or {}).get("completion_tokens") or 0 for l in ordered),
            )
        )
    return result


def load(dirs: Iterable[Path]) -> list[Outcome]:
    return load_with_completeness(dirs)[0]


def load_with_completeness(dirs: Iterable[Path]) -> tuple[list[Outcome], list[Completeness]]:
    """Every conversation of the directories, and for each directory its planned and finished counts."""
    everything: list[Outcome] = []
    counts = []
    for directory in dirs:
        directory = Path(directory)
        path = directory / RESULTS_FILE
        if directory.exists() and not directory.is_dir():
            raise ValueError(f"{directory} is a file, not a result directory")
        if not path.exists():
            raise ValueError(f"no {RESULTS_FILE} in {directory}: run `reasonenv bench --out {directory}` first")
        found = outcomes(read_results(path))
        everything += found
        counts.append(completeness(directory, found))
    return everything, counts


def completeness(directory: Path, found: list[Outcome]) -> Completeness:
    """Planned (from run.json) against finished conversations; planned is None without a run.json."""
    run = read_run_file(directory)
    if run is None:
        return Completeness(directory, None, sum(o.finished for o in found))
    identity = run.get("identity") or run["config"]
    mine = [
        o
        for o in found
        if (o.model, o.suite, o.regime) == (identity.get("model"), identity.get("suite"), identity.get("regime"))
    ]
    planned = run.get("planned")
    if isinstance(planned, list):
        done = {(o.family, o.instance, o.language, o.sample) for o in mine if o.finished}
        wanted = {tuple(item) for item in planned if isinstance(item, list)}
        return Completeness(directory, len(wanted), len(wanted & done))
    return Completeness(directory, int(run.get("conversations") or 0), sum(o.finished for o in mine))


def _cell(solved: int, n: int) -> str:
    if n == 0:
        return "–"
    low, high = wilson(solved, n)
    return f"{solved / n:.1%} [{low:.1%}, {high:.1%}] ({solved}/{n})"


def _language_order(languages: Iterable[str]) -> list[str]:
    unique = sorted(set(languages))
    return (["python"] if "python" in unique else []) + [l for l in unique if l != "python"]


def markdown(results: list[Outcome], counts: Iterable[Completeness] = ()) -> str:
    results = [o for o in results if o.finished]
    if not results:
        raise ValueError("no finished results to report")
    parts = ["# reasonenv bench report", ""]
    partial = [c for c in counts if c.partial]
    if partial:
        parts.append(
            f"**Partial report**: {', '.join(_completeness_text(c) for c in partial)}. "
            "Unfinished conversations are not scored; rerun the same `reasonenv bench` command to finish."
        )
        parts.append("")
    runs: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    for o in results:
        runs[(o.model, o.regime, o.suite)].append(o)
    for (model, regime, suite), group in sorted(runs.items()):
        languages = _language_order(o.language for o in group)
        by_tier = all(o.tier for o in group)
        row_name = "tier" if by_tier else "family"
        rows = (
            sorted({str(o.tier) for o in group}, key=_tier_sort_key) if by_tier else sorted({o.family for o in group})
        )
        parts += [
            f"## {model} · {suite} · {regime}",
            "",
            "Pass rate (any attempt passes every hidden test), 95% Wilson interval, (solved/asked).",
            "",
        ]
        parts.append(f"| {row_name} | " + " | ".join(languages) + " |")
        parts.append("|---|" + "---|" * len(languages))
        for row in rows + ["**all**"]:
            cells = []
            for language in languages:
                chosen = [
                    o
                    for o in group
                    if o.language == language and (row == "**all**" or (o.tier if by_tier else o.family) == row)
                ]
                cells.append(_cell(sum(o.solved for o in chosen), len(chosen)))
            parts.append(f"| {row} | " + " | ".join(cells) + " |")
        parts.append("")
        esolangs = [l for l in languages if l != "python"]
        if "python" in languages and esolangs:
            parts += [
                "Transfer gap: Python pass rate minus the esolang's, over the instances asked in that esolang "
                "(percentage points, 95% Newcombe interval).",
                "",
                "| language | python | esolang | gap |",
                "|---|---|---|---|",
            ]
            python = {(o.instance, o.sample): o.solved for o in group if o.language == "python"}
            for language in esolangs:
                asked = [o for o in group if o.language == language]
                paired = [python[(o.instance, o.sample)] for o in asked if (o.instance, o.sample) in python]
                s2, n2 = sum(o.solved for o in asked), len(asked)
                s1, n1 = sum(paired), len(paired)
                if n1 == 0 or n2 == 0:
                    parts.append(f"| {language} | – | {_cell(s2, n2)} | – |")
                    continue
                low, high = newcombe(s1, n1, s2, n2)
                gap = s1 / n1 - s2 / n2
                parts.append(
                    f"| {language} | {s1 / n1:.1%} ({s1}/{n1}) | {s2 / n2:.1%} ({s2}/{n2}) | "
                    f"{100 * gap:+.1f} pp [{100 * low:+.1f}, {100 * high:+.1f}] |"
                )
            parts.append("")
        attempts = sum(o.attempts for o in group)
        no_block = sum(o.extraction_failures for o in group)
        latency = sum(o.latency_s for o in group) / max(1, attempts)
        tokens = sum(o.completion_tokens for o in group) / max(1, attempts)
        parts += [
            f"{len(group)} conversations, {attempts} attempts; {no_block} answers without a fenced code block; "
            f"mean latency {latency:.2f} s and {tokens:.0f} completion tokens per attempt.",
            "",
        ]
    return "\n".join(parts)


def _completeness_text(count: Completeness) -> str:
    return f"{count.finished} of {count.planned} planned conversations finished in {count.directory}"


def _tier_sort_key(tier: str) -> tuple[int, str]:
    order = ("easy", "medium", "hard", "extra-hard")
    return (order.index(tier) if tier in order else len(order), tier)


def draw_charts(results: list[Outcome], out: Path) -> dict[str, Path]:
    """bars.png (pass rate per language, one bar per model and regime, Wilson error bars) and heatmap.png."""
    results = [o for o in results if o.finished]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    languages = _language_order(o.language for o in results)
    runs = sorted({(o.model, o.regime) for o in results})
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(languages) + 2), 4.5))
    width = 0.8 / max(1, len(runs))
    for k, (model, regime) in enumerate(runs):
        rates, lows, highs = [], [], []
        for language in languages:
            chosen = [o for o in results if (o.model, o.regime, o.language) == (model, regime, language)]
            s, n = sum(o.solved for o in chosen), len(chosen)
            rate = s / n if n else 0.0
            low, high = wilson(s, n) if n else (0.0, 0.0)
            rates.append(100 * rate)
            lows.append(max(0.0, 100 * (rate - low)))  # rounding can put the bound a hair past the rate
            highs.append(max(0.0, 100 * (high - rate)))
        x = np.arange(len(languages)) + (k - (len(runs) - 1) / 2) * width
        ax.bar(x, rates, width, yerr=[lows, highs], capsize=3, label=f"{model} · {regime}")
    ax.set_xticks(np.arange(len(languages)), languages)
    ax.set_ylabel("pass rate (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Pass rate per language (95% Wilson intervals)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(4, len(runs)))
    fig.tight_layout()
    bars = out / "bars.png"
    _save_atomically(fig, bars)
    plt.close(fig)

    shown = runs[:6]
    families = sorted({o.family for o in results})
    fig, axes = plt.subplots(
        1, len(shown), figsize=(max(5, 1.1 * len(languages) + 3) * len(shown), 0.45 * len(families) + 2), squeeze=False
    )
    for ax, (model, regime) in zip(axes[0], shown):
        grid = np.full((len(families), len(languages)), np.nan)
        for i, family in enumerate(families):
            for j, language in enumerate(languages):
                chosen = [
                    o for o in results if (o.model, o.regime, o.family, o.language) == (model, regime, family, language)
                ]
                if chosen:
                    grid[i, j] = 100 * sum(o.solved for o in chosen) / len(chosen)
        image = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(languages)), languages, rotation=30, ha="right")
        ax.set_yticks(range(len(families)), families)
        for i in range(len(families)):
            for j in range(len(languages)):
                if not np.isnan(grid[i, j]):
                    ax.text(
                        j,
                        i,
                        f"{grid[i, j]:.0f}",
                        ha="center",
                        va="center",
                        color="white" if grid[i, j] < 60 else "black",
                        fontsize=8,
                    )
        ax.set_title(f"{model} · {regime}")
        fig.colorbar(image, ax=ax, label="pass rate (%)")
    fig.tight_layout()
    heatmap = out / "heatmap.png"
    _save_atomically(fig, heatmap)
    plt.close(fig)
    return {"bars": bars, "heatmap": heatmap}


def _save_atomically(fig: Any, path: Path) -> None:
    """Save a figure to `path` whole or not at all (reasonenv.files.atomic_file)."""
    with atomic_file(path, "wb") as handle:
        fig.savefig(handle, dpi=110, format="png")


def write_report(dirs: Iterable[Path], out: Path | None = None, charts: bool = True) -> dict[str, Path]:
    """Write report.md (and the charts) for the pooled results of `dirs`; returns the paths written.

    A directory with unfinished conversations gives a report marked partial, and a warning on stderr.
    """
    import sys

    dirs = [Path(d) for d in dirs]
    out = Path(out) if out is not None else dirs[0]
    results, counts = load_with_completeness(dirs)
    check_out_dir(out)
    for count in counts:
        if count.partial:
            print(f"warning: partial results: {_completeness_text(count)}", file=sys.stderr)
    text = markdown(results, counts) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.md"
    write_atomic(path, text)
    written = {"markdown": path}
    if charts:
        written.update(draw_charts(results, out))
    return written
