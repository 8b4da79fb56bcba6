"""The customer portal's budgets: JavaScript and CSS of the first load (<= 60 KB gzipped in all), API calls
of the Account Dashboard (<= 3), and Lighthouse on the sign-in page and the signed-in dashboard
(performance >= 0.95, accessibility 1.0, best practices >= 0.95).

The portal is served by the local stack (`python -m localrun` on a free port, demo data in place), as
`make run` serves it; the browser is Debian's Chromium."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import subprocess  # nosec B404 - the local stack and Lighthouse, this repository's own programs
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from bench.report import INFO, Report

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FIRST_LOAD_KB = 60
DASHBOARD_CALLS = 3
LIGHTHOUSE = {"performance": 0.95, "accessibility": 1.0, "best-practices": 0.95}
DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "Portal-Demo-2026-Pass"  # noqa: S105 - the documented demo sign-in  # nosec B105
# What the portal asks of its own host that is not the API: its files and its configuration.
NOT_API = re.compile(
    r"^/(assets/.*|config\.json|favicon\.ico|index\.html)?$|^/(sign-in|activity|pay|profile|manage-users)"
)


def first_load_files() -> list[Path]:
    """The scripts and stylesheets index.html loads (module script, preloads, stylesheets)."""
    html = (DIST / "index.html").read_text(encoding="utf-8")
    found = re.findall(r'(?:src|href)="/?(assets/[^"]+\.(?:js|css))"', html)
    return [DIST / name for name in dict.fromkeys(found)]


def gzipped_kb(path: Path) -> float:
    return len(gzip.compress(path.read_bytes(), compresslevel=9)) / 1024


@contextmanager
def local_stack() -> Iterator[str]:
    """`python -m localrun` on a free port, with its demo data, until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # nosec B603 - this interpreter running the local stack
            [sys.executable, "-m", "localrun"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port)},
            stdout=log,
            stderr=log,
        )
        try:
            yield _when_healthy(f"http://127.0.0.1:{port}", process, log)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _when_healthy(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> str:
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:  # noqa: S310  # nosec B310
                if answer.status == 200:
                    return base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(
                f"the local stack did not start: {log.read()[-2000:].decode(errors='replace')}"
            )
        time.sleep(0.5)


def dashboard_api_calls(base: str) -> list[str]:
    """The API requests the Account Dashboard makes when it is opened, signed in (a reload of "/")."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(base_url=base)
        page.goto("/sign-in")
        page.locator("input[autocomplete=username]").fill(DEMO_USER)
        page.locator("input[type=password]").fill(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/")
        page.wait_for_load_state("networkidle")
        calls: list[str] = []
        page.on("request", lambda request: calls.append(f"{request.method} {request.url.removeprefix(base)}"))
        page.reload(wait_until="networkidle")
        browser.close()
    return [call for call in calls if not NOT_API.match(call.split(" ", 1)[1].split("?", 1)[0])]


def lighthouse_scores(base: str) -> dict[str, dict[str, float | None]]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Lighthouse runs on Node: install Node 20")
    completed = subprocess.run(  # nosec B603 - the web client's own Lighthouse script
        [node, "bench/lighthouse.mjs", base, DEMO_USER, DEMO_PASSWORD],
        cwd=ROOT / "web",
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    scores: dict[str, dict[str, float | None]] = json.loads(completed.stdout.strip().splitlines()[-1])
    return scores


def run(report: Report) -> None:
    if not (DIST / "index.html").is_file():
        raise RuntimeError("web/dist is missing: `make bench` builds the portal first (make web)")
    files = first_load_files()
    sizes = [(path.name, gzipped_kb(path)) for path in files]
    total = sum(size for _name, size in sizes)
    report.table(
        ["first load", "gzipped", "status"],
        [
            *((name, f"{size:.1f} KB", INFO) for name, size in sizes),
            (
                "total",
                f"{total:.1f} KB",
                report.target("first load <= 60 KB gzipped", total <= FIRST_LOAD_KB),
            ),
        ],
        right=(1,),
    )
    with local_stack() as base:
        calls = dashboard_api_calls(base)
        within = len(calls) <= DASHBOARD_CALLS
        report.line()
        report.table(
            ["dashboard", "API calls", "status"],
            [
                (
                    "Account Dashboard (reload)",
                    str(len(calls)),
                    report.target("dashboard <= 3 API calls", within),
                )
            ],
            right=(1,),
        )
        report.line("  " + ", ".join(calls))
        scores = lighthouse_scores(base)
    rows = []
    for page, categories in scores.items():
        for category, floor in LIGHTHOUSE.items():
            score = categories.get(category)
            within = score is not None and score >= floor
            status = report.target(f"Lighthouse {page} {category} >= {floor}", within)
            rows.append((page, category, "n/a" if score is None else f"{score:.2f}", f">= {floor}", status))
    report.line()
    report.table(["Lighthouse", "category", "score", "target", "status"], rows, right=(2,))
