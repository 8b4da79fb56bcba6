"""Cold start: the cost of importing each function's module in a fresh interpreter, against the floor that
every function pays anyway (`import boto3` and one client), measured in the same run.

The machine is noisy, so the runs are interleaved (floor, each function, floor, ...) and minima compared:
noise only ever adds time, and so does a first run that writes byte-code caches, so no warm-up is needed."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import INFO, Report
from localrun import template

ROUNDS_VARIABLE = "BENCH_ROUNDS"
DEFAULT_ROUNDS = 15
# Unless BENCH_ROUNDS says otherwise, a machine slow enough that the default rounds would take longer than
# this stops early (after at least MIN_ROUNDS), so `make bench` stays about a minute.
DEFAULT_SECONDS = 50.0
MIN_ROUNDS = 3
IMPORT_TIME_RUNS = 3  # the contributors table takes each module's minimum over these runs
BUDGET = 1.25  # a function's import may cost at most this many times the floor
TOP_CONTRIBUTORS = 10
REGION = "ca-central-1"

# Everything the harness needs is imported before the clock starts, so both kinds of run time only the
# statements under test. Lambda imports the handler's file from its task root; loading it by path under
# the name `app` does the same.
_HARNESS = """\
import importlib.util
import sys
import time

started, started_cpu = time.perf_counter(), time.process_time()
{body}
print(time.perf_counter() - started, time.process_time() - started_cpu)
"""
_FLOOR_BODY = """\
import boto3

boto3.client("dynamodb")
"""
_FUNCTION_BODY = """\
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
"""
FLOOR_SCRIPT = _HARNESS.format(body=_FLOOR_BODY)
FUNCTION_SCRIPT = _HARNESS.format(body=_FUNCTION_BODY)
FLOOR_NAME = 'floor: import boto3 + boto3.client("dynamodb")'

_IMPORT_TIME_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


@dataclass
class Subject:
    """One kind of interpreter run, and the seconds each run took."""

    name: str
    script: str
    args: list[str]
    cwd: Path
    env: dict[str, str]
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # less disturbed by other work on the machine
    failure: str | None = None

    def command(self, *options: str) -> list[str]:
        # -E -s: no PYTHON* variables and no user site, so only the virtualenv decides what is importable.
        return [sys.executable, "-E", "-s", *options, "-c", self.script, *self.args]

    def run_once(self) -> None:
        if self.failure is not None:
            return
        done = subprocess.run(  # nosec B603 # this interpreter importing one of the project's modules
            self.command(), cwd=self.cwd, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            last_lines = done.stderr.strip().splitlines()[-3:]
            self.failure = " | ".join(last_lines) or f"exit code {done.returncode}"
            return
        wall, cpu = done.stdout.strip().splitlines()[-1].split()
        self.seconds.append(float(wall))
        self.cpu_seconds.append(float(cpu))

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best_cpu(self) -> float:
        return min(self.cpu_seconds)


class _Placeholders(dict[str, str]):
    """Resource names for `!Ref`s: importing a module must not depend on what the names are."""

    def __missing__(self, logical_id: str) -> str:
        return f"billing-portal-{logical_id.lower()}"

    def get(self, logical_id: str, default: object = None) -> str:
        # `!Sub` resolves names with get(): a placeholder for every one (pseudo parameters too).
        return self[logical_id]


def _base_environment() -> dict[str, str]:
    """What every run sees: a region and fake credentials (as in Lambda, from the environment), and no
    AWS config files, which Lambda does not have either."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # moto's fake credentials
        **dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "testing"),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    }


def subjects(neutral_dir: Path) -> tuple[Subject, list[Subject]]:
    """The floor and one subject per function of the template."""
    base = _base_environment()
    floor = Subject(FLOOR_NAME, FLOOR_SCRIPT, [], neutral_dir, dict(base))
    functions = []
    for logical_id, function in template.functions().items():
        env = {
            **base,
            **template.function_environment(function, _Placeholders()),
            "AWS_LAMBDA_FUNCTION_NAME": logical_id,
            "LAMBDA_TASK_ROOT": str(function.code_dir),
        }
        functions.append(
            Subject(logical_id, FUNCTION_SCRIPT, [str(function.module_file)], function.code_dir, env)
        )
    return floor, functions


def rounds() -> tuple[int, float | None]:
    """How many rounds, and the time after which no new round starts (None: run them all)."""
    raw = os.environ.get(ROUNDS_VARIABLE, "")
    if not raw:
        return DEFAULT_ROUNDS, DEFAULT_SECONDS
    value = int(raw)
    if value < 1:
        raise ValueError(f"{ROUNDS_VARIABLE} must be 1 or more")
    return value, None


def run_rounds(everyone: list[Subject], count: int, seconds: float | None) -> int:
    """Interleaved rounds, each starting one place further along the list so that no subject always runs
    right after the same neighbour. Answers the number of rounds run."""
    started = time.perf_counter()
    for done in range(count):
        if seconds is not None and done >= MIN_ROUNDS and time.perf_counter() - started > seconds:
            return done
        shift = done % len(everyone)
        for subject in everyone[shift:] + everyone[:shift]:
            subject.run_once()
    return count


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


@dataclass(frozen=True)
class ImportCost:
    module: str
    self_us: int


def import_costs(subject: Subject, runs: int = 1) -> list[ImportCost]:
    """Runs under `-X importtime`: each module imported, with its own (self) time, the least of the runs."""
    least: dict[str, int] = {}
    for _ in range(runs):
        done = subprocess.run(  # nosec B603 # this interpreter importing one of the project's modules
            subject.command("-X", "importtime"),
            cwd=subject.cwd,
            env=subject.env,
            capture_output=True,
            text=True,
            check=True,
        )
        for text in done.stderr.splitlines():
            matched = _IMPORT_TIME_LINE.match(text)
            if matched:
                self_us, _, _, module = matched.groups()
                least[module] = min(int(self_us), least.get(module, int(self_us)))
    return [ImportCost(module, self_us) for module, self_us in least.items()]


def _group(module: str) -> str:
    """Third-party packages as a whole; the portal's own modules one by one (each is trimmed on its own)."""
    top = module.split(".", 1)[0]
    if top == "billing_portal":
        return ".".join(module.split(".", 2)[:2])
    return top


def print_contributors(report: Report, slowest: Subject, floor: Subject) -> None:
    costs = import_costs(slowest, IMPORT_TIME_RUNS)
    in_floor = {cost.module for cost in import_costs(floor)}
    total: dict[str, int] = defaultdict(int)
    beyond: dict[str, int] = defaultdict(int)
    modules: dict[str, int] = defaultdict(int)
    for cost in costs:
        group = _group(cost.module)
        total[group] += cost.self_us
        modules[group] += 1
        if cost.module not in in_floor:
            beyond[group] += cost.self_us
    ranked = sorted(total, key=lambda g: (beyond[g], total[g]), reverse=True)[:TOP_CONTRIBUTORS]
    report.line()
    report.line(
        f"Top {TOP_CONTRIBUTORS} import-time contributors of the slowest, {slowest.name} "
        f"(least of {IMPORT_TIME_RUNS} runs under -X importtime, which inflates times; 'beyond floor' = "
        "modules the floor does not import):"
    )
    report.table(
        ["package or module", "modules", "self ms", "beyond floor ms"],
        [[g, str(modules[g]), f"{total[g] / 1000:.1f}", f"{beyond[g] / 1000:.1f}"] for g in ranked],
        right=(1, 2, 3),
    )
    all_us = sum(total.values())
    beyond_us = sum(beyond.values())
    report.line(
        f"All imports {all_us / 1000:.0f} ms, of which {beyond_us / 1000:.0f} ms in modules the floor "
        f"does not import."
    )


def run(report: Report) -> None:
    count, seconds = rounds()
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as neutral:
        floor, functions = subjects(Path(neutral))
        ran = run_rounds([floor, *functions], count, seconds)
        cut_short = (
            f" (of {count}: the machine is slow, the rounds stopped after {seconds:.0f} s)"
            if ran < count and seconds is not None
            else ""
        )
        report.line(
            f"Importing each function's module in a fresh interpreter vs the floor: {ran} interleaved "
            f"rounds{cut_short} ({ROUNDS_VARIABLE} to set); minima compared, "
            "medians for reference."
        )
        if floor.failure is not None:
            report.line(f"The floor could not be measured: {floor.failure}")
            for subject in functions:
                report.error(f"cold start {subject.name}")
            return

        budget = floor.best * BUDGET
        rows = [
            [FLOOR_NAME, _ms(floor.best), _ms(floor.median), "1.00", "", _ms(floor.best_cpu), "1.00", INFO]
        ]
        for subject in functions:
            name = f"cold start {subject.name}"
            if subject.failure is not None:
                rows.append([subject.name, "-", "-", "-", _ms(budget), "-", "-", report.error(name)])
                continue
            rows.append(
                [
                    subject.name,
                    _ms(subject.best),
                    _ms(subject.median),
                    f"{subject.best / floor.best:.2f}",
                    _ms(budget),
                    _ms(subject.best_cpu),
                    f"{subject.best_cpu / floor.best_cpu:.2f}",
                    report.target(name, subject.best <= budget),
                ]
            )
        report.table(
            [
                "import",
                "min ms",
                "median ms",
                "x floor",
                f"budget ms ({BUDGET}x)",
                "cpu min ms",
                "x floor (cpu)",
                "status",
            ],
            rows,
            right=(1, 2, 3, 4, 5, 6),
        )
        report.line(
            "The status compares wall-clock minima; the CPU-time columns (time.process_time) are for "
            "reference, as other work on the machine disturbs them less."
        )
        for subject in functions:
            if subject.failure is not None:
                report.line(f"{subject.name} failed to import: {subject.failure}")

        measured = [s for s in functions if s.failure is None]
        if measured:
            print_contributors(report, max(measured, key=lambda s: s.best), floor)
