"""Proof of IAM: every AWS call a function makes in the test session is one its policies in
infra/template.yaml grant, and the grants no test used are listed.

moto checks no IAM policy, so a missing grant would show only on a real account, as an AccessDenied. This
pytest plugin (loaded by tests/conftest.py) closes that gap:

1. At the start of the session it makes a fresh directory for the records and names it in
   `LOCALRUN_AWS_CALLS_DIR`. The test process records into it (localrun/aws_calls.py: every call a
   function's invocation makes, with its resource, as IAM sees it), and so does the local stack that the
   end-to-end suite starts, since its environment is inherited from this one.
2. At the end of the session (`pytest_sessionfinish`: after every test and every session fixture, so the
   local stack has stopped and written all it will), each recorded call is checked against the grants of
   its function (tests/iam/policies.py). A call no grant allows fails the run: the exit status becomes
   "tests failed", the terminal summary lists each such call, and pytest's closing line counts them. A
   hook rather than a test ordered last: it sees every call whatever tests were selected and in whatever
   order they ran, including the calls the stack's notifier and queue workers make after the last
   request, and no other plugin's ordering can put a test after it.
3. The grants no recorded call used are written to `build/iam/unused-grants.txt` and printed at the end of
   the run: the candidates to cut from the template. They are meaningful only when the integration and the
   end-to-end suites both ran (`make test`); a partial run prints the file's path only. The event source
   mappings' own rights (reading a queue or the table's stream, sending to a dead-letter queue) are not
   in `Policies:`: SAM adds them from `Events:`, and Lambda, not the function's code, uses them.

Tests that need IAM enforced while they run (a call the template does not grant answered AccessDenied, as
on AWS) use the `template_iam` fixture.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from localrun import aws_calls, template

from .policies import Grant, UnreadablePolicy, all_grants, allowed

# Under the ignored build/ folder; a test of this plugin sends its own run's files elsewhere.
REPORT = Path(os.environ.get("IAM_REPORT_DIR", template.ROOT / "build" / "iam")) / "unused-grants.txt"
CALLS = REPORT.with_name("calls.txt")  # every distinct call recorded, by function: what the grants must cover
SUITES = ("integration", "e2e")
MOST_LINES = 60  # refused calls printed; the rest are counted
REFUSED = "calls not granted by IAM"  # counted in pytest's closing line beside "passed" and "failed"


@dataclass
class Verdict:
    refused: list[aws_calls.Call] = field(default_factory=list)
    unused: list[Grant] = field(default_factory=list)
    problem: str | None = None  # the check could not run
    calls: int = 0


_RECORDS = pytest.StashKey[Path]()
_VERDICT = pytest.StashKey[Verdict]()
_SUITES_RUN = pytest.StashKey[set[str]]()


def pytest_configure(config: pytest.Config) -> None:
    directory = Path(tempfile.mkdtemp(prefix="aws-calls-"))
    config.stash[_RECORDS] = directory
    os.environ[aws_calls.RECORD_DIRECTORY_VARIABLE] = str(directory)
    aws_calls.install_from_environment()


def pytest_collection_finish(session: pytest.Session) -> None:
    tests = template.ROOT / "tests"
    session.config.stash[_SUITES_RUN] = {
        suite for suite in SUITES for item in session.items if item.path.is_relative_to(tests / suite)
    }


def judge(calls: set[aws_calls.Call], grants: dict[str, list[Grant]]) -> Verdict:
    verdict = Verdict(calls=len(calls))
    verdict.refused = sorted(call for call in calls if not allowed(call, grants.get(call.function, [])))
    by_function: dict[str, list[aws_calls.Call]] = defaultdict(list)
    for call in calls:
        by_function[call.function].append(call)
    verdict.unused = [
        grant
        for function, granted in sorted(grants.items())
        for grant in granted
        if grant.effect == "Allow" and not any(grant.allows(call) for call in by_function[function])
    ]
    return verdict


def unused_report(verdict: Verdict, suites: set[str]) -> str:
    lines = [
        "Grants in infra/template.yaml that no function call used in this test run "
        f"({', '.join(sorted(suites)) or 'no'} suite(s) ran, {verdict.calls} distinct calls recorded).",
        "A grant kept for a path the tests do not take says so in a comment beside it.",
        "",
    ]
    by_policy: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for grant in verdict.unused:
        by_policy[(grant.function, grant.policy, grant.resource)].append(grant.action)
    function = None
    for (name, policy, resource), actions in sorted(by_policy.items()):
        if name != function:
            lines.append(name)
            function = name
        lines.append(f"  {policy}: {', '.join(sorted(actions))} on {resource}")
    if not verdict.unused:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    directory = session.config.stash.get(_RECORDS, None)
    if directory is None:
        return
    calls = aws_calls.read(directory)
    shutil.rmtree(directory, ignore_errors=True)
    if not calls:
        return
    try:
        verdict = judge(calls, all_grants())
    except UnreadablePolicy as error:
        verdict = Verdict(problem=str(error), calls=len(calls))
    session.config.stash[_VERDICT] = verdict
    listing = "".join(f"{call.function} {call.action} {call.resource}\n" for call in sorted(calls))
    _write(CALLS, listing)
    if verdict.problem is None:
        _write(REPORT, unused_report(verdict, session.config.stash.get(_SUITES_RUN, set())))
    if verdict.refused or verdict.problem:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and verdict.refused:
        reporter.stats.setdefault(REFUSED, []).extend(verdict.refused)


def _write(path: Path, text: str) -> None:
    """Write the file whole, even with another test session writing it at the same time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = path.with_suffix(f".{os.getpid()}.tmp")
    written.write_text(text, encoding="utf-8")
    written.replace(path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    verdict = config.stash.get(_VERDICT, None)
    if verdict is None:
        return
    write = terminalreporter.write_line
    if verdict.problem:
        terminalreporter.write_sep("=", "IAM: the template's policies could not be checked", red=True)
        write(verdict.problem)
        return
    if verdict.refused:
        terminalreporter.write_sep(
            "=", f"IAM: {len(verdict.refused)} calls the template's policies do not grant", red=True
        )
        for call in verdict.refused[:MOST_LINES]:
            write(f"{call.function}: {call.action} on {call.resource}")
        if len(verdict.refused) > MOST_LINES:
            write(f"... and {len(verdict.refused) - MOST_LINES} more")
        write(
            "Grant each in the function's Policies: in infra/template.yaml (AWS would answer AccessDenied)."
        )
    suites = config.stash.get(_SUITES_RUN, set())
    if set(SUITES) <= suites:
        terminalreporter.write_sep("-", f"IAM: {len(verdict.unused)} grants no call used ({REPORT})")
        write(REPORT.read_text(encoding="utf-8").rstrip("\n"))
    else:
        write(f"IAM: the grants this partial run did not use are in {REPORT}")


@pytest.fixture
def template_iam() -> Iterator[None]:
    """While it is active, a function's call that its policies do not grant fails with AccessDenied, as it
    would on AWS."""
    grants = all_grants()

    def refuse(call: aws_calls.Call) -> str | None:
        if allowed(call, grants.get(call.function, [])):
            return None
        return f"{call.function} is not authorized to perform {call.action} on {call.resource}"

    aws_calls.RECORD.guard = refuse
    try:
        yield
    finally:
        aws_calls.RECORD.guard = None
