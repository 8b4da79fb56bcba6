"""Shared fixtures: fake AWS credentials for every test, and moto with the template's resources."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator

import pytest

# Proof of IAM: the AWS calls the functions make in this session, checked against the template's policies
# (pytester runs that check in a session of its own, to see it fail one).
pytest_plugins = ["iam.proof", "pytester"]

os.environ.update(
    AWS_DEFAULT_REGION="ca-central-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    POWERTOOLS_SERVICE_NAME="billing-portal",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_NAMESPACE="BillingPortal",
    # What every API function's HTTP edge reads (the `aws` fixture sets the template's local value).
    WEB_ORIGIN="http://127.0.0.1:3000",
    # Who the portal speaks for: the template's defaults, which the `aws` fixture sets again.
    PROVIDER_NAME_EN="net2phone Canada",
    PROVIDER_NAME_FR="net2phone Canada",
    PORTAL_NAME_EN="Billing Portal",
    PORTAL_NAME_FR="Portail de facturation",
    BILLING_EMAIL="billing@net2phone.ca",
    BILLING_PHONE_EN="1-877-498-3772 (option 4)",
    BILLING_PHONE_FR="1-877-498-3772 (option 4)",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The compiled message catalogues, as the build makes them, from the .po files as they are now."""
    from localrun.catalogues import compile_catalogues

    compile_catalogues()


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """moto in-process with every resource of infra/template.yaml created, and each function's
    environment variables set (the same names have the same values in every function).
    Yields the physical ids."""
    from moto import mock_aws

    from billing_portal.shared import aws as aws_clients
    from localrun import resources

    aws_clients.reset()
    with mock_aws():
        physical = resources.create_all()
        saved = dict(os.environ)
        for environment in resources.function_environments(physical).values():
            os.environ.update(environment)
        _reset_function_settings()
        try:
            yield physical
            stored = card_numbers_in(_all_items(physical))
            assert not stored, f"card numbers stored in a table: {stored}"
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _reset_function_settings()
            aws_clients.reset()


# Every card number the tests type into the sandbox processor's card form. The API refuses them and the
# processor turns them into tokens: none may ever be stored, whatever a test did.
TEST_CARD_NUMBERS = ("4242424242424242", "4000000000000002", "4000000000000077", "5555555555554444")


def card_numbers_in(text: str) -> list[str]:
    """The test card numbers found in the text, written with or without spaces or dashes."""
    digits = re.sub(r"[ -]", "", text)
    return [number for number in TEST_CARD_NUMBERS if number in digits]


@pytest.fixture(scope="session")
def find_card_numbers() -> Callable[[str], list[str]]:
    """`card_numbers_in`, for the tests that search what the stack stored, sent or logged."""
    return card_numbers_in


def _all_items(physical: dict[str, str]) -> str:
    """Every item of every table of the template, as JSON text."""
    import boto3

    from localrun import template

    dynamodb = boto3.client("dynamodb", region_name="ca-central-1")
    items = []
    for logical_id, resource in template.resources().items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            for page in dynamodb.get_paginator("scan").paginate(TableName=physical[logical_id]):
                items.extend(page["Items"])
    # Binary attributes as their bytes' text, so that a card number stored as bytes is found too.
    return json.dumps(
        items, default=lambda value: value.decode("latin-1") if isinstance(value, bytes) else str(value)
    )


def _reset_function_settings() -> None:
    """Function modules cache their settings at first use; a new moto world has new resource names."""
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("functions_") and hasattr(module, "settings"):
            module.settings.cache_clear()
