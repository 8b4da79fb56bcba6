"""Shared fixtures: fake AWS credentials for every test, and moto with the template's resources."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.update(
    AWS_DEFAULT_REGION="ca-central-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    POWERTOOLS_SERVICE_NAME="billing-portal",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """moto in-process with every resource of infra/template.yaml created, and each function's
    environment variables set (the same names have the same values in every function).
    Yields the physical ids."""
    from moto import mock_aws

    from billing_portal import aws as aws_clients
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
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _reset_function_settings()
            aws_clients.reset()


def _reset_function_settings() -> None:
    """Function modules cache their settings at first use; a new moto world has new resource names."""
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("functions_") and hasattr(module, "settings"):
            module.settings.cache_clear()
