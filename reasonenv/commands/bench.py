"""Benchmark a model on esolang transfer: ask it each task in Python and in esoteric languages, run its programs, record every attempt.

Example (a local OpenAI-compatible server):

    reasonenv bench --model smollm2 --base-url http://127.0.0.1:8000/v1 --suite paper \\
        --families paper-bf-print --languages python,bf --regime feedback --attempts 3 --limit 10 --out runs/smol

`--model oracle` (reference solutions) and `--model random` need no endpoint.
`--model checkpoint:PATH` benchmarks a trained RL agent (a run or checkpoint
directory, its greedy policy writing each program token by token in the
token env; `reasonenv.bench.policy_model`) in the same harness and report.
Results are appended to OUT/results.jsonl; rerunning the same command resumes.
Summarize with `reasonenv report OUT`.

The endpoint is checked before the run; a refused connection, a rejected key
(401/403) or an unknown route or model (404) stops the run at once, as do
--max-consecutive-failures failed requests in a row. Exit status: 0 when
every conversation finished, 1 when the run stopped or left conversations
unfinished (rerun the same command to resume), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path


def _csv(text: str) -> tuple[str, ...]:
    items = tuple(x.strip() for x in text.split(",") if x.strip())
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        required=True,
        help="model name at the endpoint, a baseline (oracle, random), or checkpoint:PATH (a trained agent)",
    )
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint root, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    from curricula.suites import suite_names

    parser.add_argument("--suite", required=True, help=f"task suite: {', '.join(suite_names())}")
    parser.add_argument("--families", type=_csv, help="comma-separated families of the suite (default: all)")
    parser.add_argument(
        "--languages",
        type=_csv,
        default=("python", "bf"),
        help="comma-separated languages, e.g. python,bf,befunge93,whitespace,ook,bf-dialect-7",
    )
    parser.add_argument(
        "--regime",
        default="zero-shot",
        choices=["zero-shot", "few-shot", "feedback"],
        help="one answer, answers after --shots demonstrations, or --attempts tries with interpreter feedback",
    )
    parser.add_argument("--shots", type=int, default=3, help="demonstrations in the few-shot regime")
    parser.add_argument("--attempts", type=int, default=5, help="attempts per conversation in the feedback regime")
    parser.add_argument("--samples", type=int, default=1, help="independent conversations per (instance, language)")
    parser.add_argument("--temperature", type=float, default=0.0, help="sampling temperature")
    parser.add_argument("--max-tokens", type=int, default=2048, help="completion tokens per answer at most")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight at most")
    parser.add_argument("--limit", type=int, help="at most N instances per family")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request timeout in seconds")
    parser.add_argument("--max-retries", type=int, default=6, help="retries per request on 429, 5xx, timeouts")
    parser.add_argument(
        "--max-consecutive-failures",
        type=int,
        default=10,
        help="stop the run after this many requests in a row failed after every retry",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--out", required=True, type=Path, help="results directory")


CHECKPOINT_PREFIX = "checkpoint:"


def build_model(config):
    """The model a BenchConfig names: a built-in baseline, or the OpenAI-compatible client (agents.llm, imported here only)."""
    from reasonenv.bench.models import BASELINES, make_baseline

    if config.model.startswith(CHECKPOINT_PREFIX):
        from reasonenv.bench.policy_model import PolicyModel
        from reasonenv.commands.evaluate import load

        policy, env_options = load(config.model[len(CHECKPOINT_PREFIX) :])
        return PolicyModel(policy, name=config.model, env_options=env_options)
    if config.model in BASELINES:
        return make_baseline(config.model)
    from agents.llm import make_model

    if config.api_key_env and config.api_key_env not in os.environ:
        print(
            f"reasonenv bench: warning: --api-key-env {config.api_key_env} is not set in the environment; "
            "sending no API key",
            file=sys.stderr,
        )
    api_key = os.environ.get(config.api_key_env, "") if config.api_key_env else ""
    return make_model(
        config.model,
        config.base_url,
        api_key=api_key or "unused",
        concurrency=config.concurrency,
        timeout_s=config.timeout_s,
        max_retries=config.max_retries,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
    )


def main(args: argparse.Namespace) -> int:
    from reasonenv.bench.models import EndpointError
    from reasonenv.bench.runner import BenchConfig, run_bench

    try:
        config = BenchConfig(
            model=args.model,
            suite=args.suite,
            languages=args.languages,
            out=args.out,
            base_url=args.base_url,
            api_key_env=args.api_key_env,
            regime=args.regime,
            families=args.families,
            shots=args.shots,
            attempts=args.attempts,
            samples=args.samples,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            concurrency=args.concurrency,
            limit=args.limit,
            timeout_s=args.timeout,
            max_retries=args.max_retries,
            max_consecutive_failures=args.max_consecutive_failures,
            progress=not args.no_progress,
        ).validate()
        if (
            config.model not in ("oracle", "random")
            and not config.model.startswith(CHECKPOINT_PREFIX)
            and not config.base_url
        ):
            raise ValueError(
                f"--model {config.model!r} needs --base-url; only oracle and random run without an endpoint"
            )
        summary = asyncio.run(run_bench(config, build_model(config)))
    except ValueError as err:
        print(f"reasonenv bench: error: {err}", file=sys.stderr)
        return 2
    except EndpointError as err:
        print(f"reasonenv bench: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"reasonenv bench: error: {_os_error(err)}", file=sys.stderr)
        return 1
    print(json.dumps(summary))
    if summary["stopped"]:
        print(f"reasonenv bench: error: stopped early: {summary['stopped']}", file=sys.stderr)
    if summary["unfinished"] or summary["stopped"]:
        print(
            f"reasonenv bench: {summary['unfinished']} of {summary['conversations']} conversations unfinished "
            f"({summary['api_errors']} api_error lines); fix the endpoint and rerun the same command to resume",
            file=sys.stderr,
        )
        return 1
    return 0


def _os_error(err: OSError) -> str:
    """One line for a failed file operation: what failed on which path."""
    where = f" ({err.filename})" if err.filename else ""
    return f"{err.strerror or err}{where}"
