"""Lambda's SQS event source mapping, for the local stack: a thread for each queue a function consumes
(an `SQS` event in the template) long-polls it, hands the messages to the function in the event Lambda
would deliver, deletes those the function did not report as failed (`batchItemFailures`), and leaves the
failed ones to come back after their visibility timeout, then to go to the dead-letter queue as the
queue's redrive policy says. Stopped with the stack."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from billing_portal.shared import aws
from localrun import functions, template

logger = logging.getLogger("localrun.queues")

Invoke = Callable[[str, Any], Any]
WAIT_SECONDS = 1  # each receive's long poll: also how long stopping may wait for a poller
MAX_BATCH = 10  # the most messages one ReceiveMessage returns
STOP_TIMEOUT_SECONDS = 10.0


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One message, as ReceiveMessage returns it, as a record of Lambda's SQS event."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def sqs_event(messages: Iterable[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda delivers to a function fed by an SQS queue."""
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def failed_ids(answer: Any, batch: list[str]) -> set[str]:
    """The messages a function's answer reports as failed. As Lambda reads it: an answer that is not a
    partial batch response means success, and one that names a message not in the batch (or none at all)
    fails the whole batch."""
    if not isinstance(answer, dict) or "batchItemFailures" not in answer:
        return set()
    failures = answer["batchItemFailures"]
    if not isinstance(failures, list):
        return set(batch)
    named = {failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures}
    if not named <= set(batch):
        return set(batch)
    return {str(name) for name in named}


class QueuePollers:
    def __init__(
        self,
        physical: Mapping[str, str],
        invoke: Invoke,
        region: str,
        sources: list[template.QueueSource] | None = None,
    ) -> None:
        """`physical`: the resources' physical ids, a queue's ARN under `<logical id>.Arn`."""
        self.physical = physical
        self.invoke = invoke
        self.region = region
        self.sources = template.queue_sources() if sources is None else sources
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for source in self.sources:
            functions.handler(source.function)  # a function that cannot load fails the start, not a poll
            thread = threading.Thread(
                target=self._poll, args=(source,), name=f"sqs-{source.queue}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop polling; a batch being handled is given until `timeout` to finish."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def describe(self) -> list[str]:
        return [f"{source.function} <- {source.queue}" for source in self.sources]

    def poll_once(self, source: template.QueueSource, wait_seconds: int = WAIT_SECONDS) -> int:
        """Receive one batch and hand it to the function; answers how many messages it received."""
        url, arn = self.physical[source.queue], self.physical[f"{source.queue}.Arn"]
        sqs = aws.client("sqs")
        received: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(source.batch_size, MAX_BATCH)),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        ids = [message["MessageId"] for message in received]
        try:
            answer = self.invoke(source.function, sqs_event(received, arn, self.region))
        except Exception:
            logger.exception(
                "%s failed on a batch of %s; it comes back after the visibility timeout",
                source.function,
                source.queue,
            )
            return len(received)
        failed = failed_ids(answer, ids)
        done = [message for message in received if message["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done)
                ],
            )
        if failed:
            logger.warning("%s reported %d of %d messages failed", source.function, len(failed), len(ids))
        return len(received)

    def _poll(self, source: template.QueueSource) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once(source)
            except Exception:
                if self._stopping.is_set():
                    return  # the local AWS is going away with the stack
                logger.exception("polling %s failed; trying again", source.queue)
                self._stopping.wait(1)
