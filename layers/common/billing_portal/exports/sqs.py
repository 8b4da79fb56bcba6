"""SQS adapter of the queue that hands large CDR exports to the export worker."""

from __future__ import annotations

import json

from billing_portal.shared import aws


class SqsExportQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, account_id: str, export_id: str) -> None:
        body = json.dumps({"account_id": account_id, "export_id": export_id})
        aws.client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)
