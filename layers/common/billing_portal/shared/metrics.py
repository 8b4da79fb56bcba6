"""Business metrics (Powertools, CloudWatch embedded metric format): payments approved, pending and declined,
CDR exports made and failed, billing emails sent, suppressed and refused. The namespace comes from
POWERTOOLS_METRICS_NAMESPACE (the template's Globals); the service dimension from POWERTOOLS_SERVICE_NAME."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics()
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


def count(name: str, value: int = 1) -> None:
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def publishes_metrics(handler: HandlerT) -> HandlerT:
    """Like Powertools' `log_metrics`, but an invocation that counted nothing (a read, a refusal) publishes
    nothing and warns of nothing."""

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        try:
            return handler(event, context)
        finally:
            if metrics.metric_set:
                metrics.flush_metrics()

    return run  # type: ignore[return-value]
