"""The sample events under events/: one folder per function, every API sample on a template route, the files
what events/generate.py writes, and every sample answered by its function without a server error."""

from __future__ import annotations

import importlib.util
import io
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from billing_portal.exports import cdr
from localrun import functions, template
from localrun.template import ROOT

EVENTS = ROOT / "events"
FUNCTIONS = template.functions()
BY_DIRECTORY = {function.code_dir.name: logical_id for logical_id, function in FUNCTIONS.items()}


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("events_generate", EVENTS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = load_generator()


def read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def samples_of(directory: str) -> list[Path]:
    return sorted((EVENTS / directory).glob("*.json"))


API_SAMPLES = sorted(path for path in EVENTS.glob("*/*.json") if "httpMethod" in read(path))
INGEST_SAMPLES = samples_of(FUNCTIONS["IngestFunction"].code_dir.name)


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("directory", sorted(BY_DIRECTORY))
def test_every_function_has_a_sample(directory: str) -> None:
    assert samples_of(directory), f"events/{directory}/ has no sample event"


def test_every_sample_folder_is_a_function() -> None:
    folders = {
        path.name for path in EVENTS.iterdir() if path.is_dir() and not path.name.startswith(("_", "."))
    }
    assert folders == set(BY_DIRECTORY)


def test_every_route_has_a_sample() -> None:
    sampled = {(read(path)["httpMethod"], read(path)["resource"]) for path in API_SAMPLES}
    assert {(route.method, route.path) for route in template.routes()} <= sampled


@pytest.mark.parametrize("path", API_SAMPLES, ids=sample_id)
def test_api_samples_are_on_a_route_of_their_function(path: Path) -> None:
    event = read(path)
    function = BY_DIRECTORY[path.parent.name]
    routes = {(route.method, route.path): route for route in template.routes() if route.function == function}
    key = (event["httpMethod"], event["resource"])
    assert key in routes, f"{sample_id(path)}: {key} is not a route of {function}"
    assert event["requestContext"]["resourcePath"] == event["resource"]
    assert event["requestContext"]["httpMethod"] == event["httpMethod"]
    # The path is the resource with its parameters filled in.
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(event["resource"]))
    match = re.fullmatch(pattern, event["path"])
    assert match is not None
    assert (event["pathParameters"] or {}) == match.groupdict()
    claims = event["requestContext"].get("authorizer", {}).get("claims")
    if routes[key].public:
        assert claims is None
    else:
        assert claims == {"custom:account_id": GENERATOR.ACCOUNT_ID, "cognito:username": GENERATOR.USERNAME}


def test_ingest_samples_cover_every_kind_and_one_account() -> None:
    documents = [read(path) for path in INGEST_SAMPLES]
    assert [d["kind"] for d in documents] == [
        "account",
        "invoice",
        "payment",
        "credit",
        "refund",
        "pending_credit",
        "portal_user",
    ]
    assert {d["account_id"] for d in documents} == {GENERATOR.ACCOUNT_ID}


def test_the_samples_are_what_the_generator_writes() -> None:
    expected = GENERATOR.samples()
    on_disk = set(EVENTS.glob("*/*.json"))
    assert on_disk == set(expected), "run .venv/bin/python events/generate.py"
    for path, event in expected.items():
        assert path.read_text(encoding="utf-8") == GENERATOR.render(event), (
            f"{path} is stale: run .venv/bin/python events/generate.py"
        )


def test_the_sample_invoices_cdr_file_adds_up_to_its_usage_lines() -> None:
    invoice = read(EVENTS / "ingest" / "02_invoice.json")
    calls = GENERATOR.billed_calls()
    assert len(calls) == invoice["cdr_file"]["call_count"]
    for line in invoice["lines"]:
        if line["category"] == "usage":
            charged = sum(call.charge_cents for call in calls if call.category == line["description"])
            assert charged == int(line["amount"].replace(".", ""))


def test_every_sample_is_answered(aws: dict[str, str]) -> None:
    """The ingest samples in order post, then every API sample is answered without a server error."""
    invoice = read(EVENTS / "ingest" / "02_invoice.json")
    body = io.BytesIO()
    cdr.write_csv_gz(GENERATOR.billed_calls(), body)
    boto3.client("s3").put_object(
        Bucket=aws["CdrBucket"], Key=invoice["cdr_file"]["object_key"], Body=body.getvalue()
    )
    ingest = functions.handler("IngestFunction")
    for path in INGEST_SAMPLES:
        result = ingest(read(path), functions.LambdaContext("ingest", f"req-{path.stem}"))
        assert result["status"] in ("created", "posted"), (path.name, result)
    # The last ingest sample made the sample account's portal user, whom the API samples are signed in as.

    answers = {}
    for path in API_SAMPLES:
        logical_id = BY_DIRECTORY[path.parent.name]
        response = functions.handler(logical_id)(
            read(path), functions.LambdaContext(logical_id, "req-sample")
        )
        assert response["statusCode"] < 500, (sample_id(path), response["body"])
        body = response["body"]
        answers[sample_id(path)] = (response["statusCode"], json.loads(body) if body else None)

    status, dashboard = answers["dashboard/get_account"]
    assert status == 200
    assert dashboard["account_id"] == GENERATOR.ACCOUNT_ID
    status, page = answers["history/list_transactions"]
    assert status == 200
    assert {item["id"] for item in page["items"]} == {
        "INV-20261001",
        "PAY-20261005",
        "CR-20261010",
        "RF-20261015",
    }
    assert answers["me/get_me"][0] == 200
    assert answers["auth/login"][0] == 401  # no such user in the pool
    # The Manage Users samples, in file name order: the user is added, then deleted, and is not listed.
    assert answers["users/create_user"][0] == 201
    assert answers["users/delete_user"] == (204, None)
    status, listed = answers["users/list_users"]
    assert status == 200
    assert GENERATOR.NEW_USER not in {user["username"] for user in listed["items"]}
    assert answers["users/update_user"][0] == 404
