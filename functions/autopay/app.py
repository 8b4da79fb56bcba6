"""The Auto Pay schedule (EventBridge): charges each unpaid invoice of every Auto Pay account on its due
date, once per invoice however often it runs. The run acts for the event's scheduled time."""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools import Logger

from billing_portal.shared.metrics import count, publishes_metrics
from billing_portal.shared.settings import FunctionSettings, settings_loader
from billing_portal.wiring import build_autopay_run


class Settings(FunctionSettings):
    """The table and the card processor: the users hear of the run's outcomes from the notifier."""

    table_name: str
    card_processor: Literal["sandbox"]  # the card processor adapter (the template's CardProcessor)


settings = settings_loader(Settings)
logger = Logger()


def scheduled_time(event: dict[str, Any]) -> datetime:
    """EventBridge's `time` of the scheduled event; now when the event has none."""
    stamp = event.get("time") if isinstance(event, dict) else None
    if isinstance(stamp, str):
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


@logger.inject_lambda_context
@publishes_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    at = scheduled_time(event)
    run = build_autopay_run(settings(), clock=lambda: at).run_autopay()
    count("PaymentsApproved", run.approved)
    count("PaymentsPending", run.pending)
    count("PaymentsDeclined", run.declined + run.card_expired)
    report = asdict(run)
    if report["failed_accounts"]:
        logger.error("auto pay could not finish some accounts; the next run tries them again", extra=report)
    else:
        logger.info("auto pay run", extra=report)
    return {"time": at.isoformat(), **report}
