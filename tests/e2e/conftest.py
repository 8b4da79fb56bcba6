"""The local stack (`python -m localrun`, what `make run` starts) as a subprocess for the whole test session,
and a small HTTP client to drive it the way the web client does."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "Portal-Demo-2026-Pass"
DEMO_USER = "demo@example.com"
OTHER_USER = "other@example.com"
FRENCH_USER = "lea.bouchard@example.com"  # a user of other@example.com's account, who reads French
STARTUP_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw) if self.raw else None


class Api:
    """Requests to the local stack; an error status is an answer to look at, not an exception."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        # The local stack's http://127.0.0.1 URL, never another scheme or host.
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=sent)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers, error.read())

    def get(self, path: str, *, token: str | None = None) -> Answer:
        return self.request("GET", path, token=token)

    def post(self, path: str, json_body: Any, *, token: str | None = None) -> Answer:
        return self.request("POST", path, json_body=json_body, token=token)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
        answer = self.post("/auth/login", {"username": username, "password": password})
        assert answer.status == 200, answer.raw
        tokens: dict[str, Any] = answer.body
        return tokens


# Fuzzing sends requests that change other@example.com's account, which other tests read: it goes last.
RUNS_LAST = "test_fuzzing.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name == RUNS_LAST)  # stable: every other order is kept


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the local stack exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.25)
    process.kill()
    process.wait()
    pytest.fail(
        f"the local stack did not answer /health within {STARTUP_TIMEOUT_SECONDS} s:\n"
        + log.read_text(errors="replace")[-20_000:]
    )


@pytest.fixture(scope="session")
def local_stack_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the local stack's console output (its functions' logs included) is written."""
    return tmp_path_factory.mktemp("localrun") / "localrun.log"


@pytest.fixture(scope="session")
def local_stack(local_stack_log: Path) -> Iterator[str]:
    """The base URL of a running local stack with its demo data. Stopped with SIGINT (Ctrl-C) at the end,
    which must end it cleanly: exit code 0 and no traceback."""
    port = _free_port()
    log = local_stack_log
    # The functions' Powertools settings come from the template, as deployed, not from this test session.
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("POWERTOOLS_")}
    environment = {**inherited, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as output:
        # The output goes to a file: a pipe nobody reads would fill up and stall the stack.
        process = subprocess.Popen(
            [sys.executable, "-m", "localrun"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log)
        yield base_url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail(f"the local stack did not stop within {STOP_TIMEOUT_SECONDS} s of Ctrl-C")
            output_text = log.read_text(errors="replace")
            shutdown = output_text.rpartition("Stopping.")[2]
            assert process.returncode == 0, output_text[-20_000:]
            assert "KeyboardInterrupt" not in output_text, output_text[-20_000:]
            assert "Traceback" not in shutdown, shutdown


@pytest.fixture(scope="session")
def api(local_stack: str) -> Api:
    return Api(local_stack)


# Tokens last 15 minutes, as deployed: a module signs in afresh rather than keep the session's first tokens.
@pytest.fixture(scope="module")
def demo_tokens(api: Api) -> dict[str, Any]:
    """demo@example.com's tokens from POST /auth/login."""
    return api.login(DEMO_USER)


@pytest.fixture(scope="module")
def demo_token(demo_tokens: dict[str, Any]) -> str:
    """demo@example.com's id token, for `Authorization: Bearer`."""
    token: str = demo_tokens["id_token"]
    return token


@pytest.fixture(scope="module")
def other_token(api: Api) -> str:
    """other@example.com's id token (another account)."""
    token: str = api.login(OTHER_USER)["id_token"]
    return token


@pytest.fixture(scope="module")
def french_token(api: Api) -> str:
    """lea.bouchard@example.com's id token: the Québec account, in French."""
    token: str = api.login(FRENCH_USER)["id_token"]
    return token
