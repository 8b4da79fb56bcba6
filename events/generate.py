"""Sample events, one folder per function (`events/<function dir>/<case>.json`): what the billing engine sends
the ingest function, what the billing team sends the internal restore function, the API Gateway events
each route delivers, built with `localrun.events.api_event`, the EventBridge schedule's event that
starts an Auto Pay run, the SQS event that hands the export worker a large CDR export, the SNS events
that carry SES's bounces and complaints to the feedback function, and batches of the table's stream that
the notifier reads.
The API samples are signed in as the sample account's user, so fed after the ingest samples (in file name
order) they read real data. Regenerate with `.venv/bin/python events/generate.py`; the output is stable.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from billing_portal.exports import cdr
from billing_portal.exports.cdr import BilledCall
from billing_portal.ledger.dynamo import to_item
from billing_portal.payments.cards import Card
from billing_portal.payments.charging import payment_id_for
from billing_portal.payments.idempotency import HEADER as IDEMPOTENCY_HEADER
from billing_portal.payments.processor import (
    SIGNATURE_HEADER,
    Charge,
    ChargeStatus,
    callback_body,
    signature_header,
)
from billing_portal.payments.sandbox import TEST_EXPIRY, TEST_TOKENS
from billing_portal.shared.money import format_cents
from localrun.events import api_event
from localrun.queues import sqs_event
from tests import builders

EVENTS_DIR = Path(__file__).resolve().parent
ACCOUNT_ID = "acct-100200300"
USERNAME = "dana.tremblay@erable.example"
NEW_USER = "luc.bouchard@erable.example"  # the user the Manage Users samples add, edit and delete
INVOICE_ID = "INV-20261001"
STAGE = "v1"
REQUEST_TIME_EPOCH = 1793631845000  # 2026-11-02T15:04:05Z, fixed so that the samples never change
# The Auto Pay schedule's run on the morning after the sample invoice's due date (cron(0 11 * * ? *)).
AUTOPAY_RUN_TIME = "2026-11-02T11:00:00Z"
AWS_ACCOUNT = "123456789012"
REGION = "ca-central-1"
# The one-time payment the samples make (its id follows from the account and this key), and the pending
# payment the processor's sample callback settles.
IDEMPOTENCY_KEY = "5f0c6a52-3b8e-4c1d-9a07-2f4e8b6d1c39"
PAYMENT_ID = payment_id_for(ACCOUNT_ID, f"one-time\n{IDEMPOTENCY_KEY}")
PENDING_IDEMPOTENCY_KEY = "b7d2e915-60a4-4f3b-8c5e-9d1a0e7f2b64"
PENDING_PAYMENT_ID = payment_id_for(ACCOUNT_ID, f"one-time\n{PENDING_IDEMPOTENCY_KEY}")
PAYMENT_METHOD_ID = "pm_3c9a71e0d54b28f6a1e7"  # a saved method's id, as the portal names them
# Not the deployed secret (that one lives in Secrets Manager): the sample callback is signed with this one,
# so a function checking against the real secret refuses it, as it refuses any forgery.
SAMPLE_WEBHOOK_SECRET = b"whsec_sample_events_only"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36"
)

# The sample invoice's usage lines: (description, calls billed under it, total in cents).
USAGE = (
    ("Long distance, Canada and US", 342, 1847),
    ("International", 12, 623),
)


def _sample_invoice() -> dict[str, Any]:
    usage = [
        builders.line(description, "usage", calls, format_cents(cents)) for description, calls, cents in USAGE
    ]
    lines = [
        builders.line("Unlimited seats", "service", 4, "139.96"),
        builders.line("Phone numbers (DID)", "service", 2, "10.00"),
        *usage,
    ]
    cdr_file = builders.cdr_file(
        cdr.object_key(ACCOUNT_ID, INVOICE_ID),
        sum(calls for _, calls, _ in USAGE),
        format_cents(sum(cents for _, _, cents in USAGE)),
    )
    return builders.invoice(ACCOUNT_ID, INVOICE_ID, date(2026, 10, 1), lines, cdr=cdr_file)


def ingest_samples() -> dict[str, dict[str, Any]]:
    """The billing engine's documents, numbered in the order they are posted."""
    address = builders.address(
        line1="1250 boulevard René-Lévesque Ouest",
        line2="Bureau 2200",
        city="Montréal",
        province="QC",
        postal_code="H3B 4W8",
    )
    return {
        "01_account": builders.account(
            ACCOUNT_ID, billing_address=address, billing_contacts=["comptes@erable.example", USERNAME]
        ),
        "02_invoice": _sample_invoice(),
        "03_payment": builders.payment(
            ACCOUNT_ID,
            "PAY-20261005",
            date(2026, 10, 5),
            "250.00",
            reference="ch_3QxErAbLeTeLeCoM",
            card=("visa", "4242"),
        ),
        "04_credit": builders.credit(
            ACCOUNT_ID,
            "CR-20261010",
            date(2026, 10, 10),
            "15.00",
            reason="Service outage on 2026-10-08",
            reference="TICKET-58213",
        ),
        "05_refund": builders.refund(
            ACCOUNT_ID,
            "RF-20261015",
            date(2026, 10, 15),
            "30.00",
            reason="Part of the credit balance returned to the card",
            reference="re_3QxErAbLeTeLeCoM",
        ),
        "06_pending_credit": builders.pending_credit(
            ACCOUNT_ID,
            "CR-20261020",
            date(2026, 10, 20),
            "10.00",
            reason="Loyalty credit on the November invoice",
        ),
        "07_portal_user": builders.portal_user(ACCOUNT_ID, USERNAME, first_name="Dana", last_name="Tremblay"),
    }


def billed_calls() -> list[BilledCall]:
    """The sample invoice's billed CDR file: each usage line's total spread over its calls to the cent, each
    call as long as its charge pays for at its rate."""
    calls: list[BilledCall] = []
    for line, count, total in USAGE:
        share, extra = divmod(total, count)
        domestic = line.startswith("Long distance")
        cents_per_minute = 2 if domestic else 9
        for number in range(count):
            n = len(calls)
            charge = share + (1 if number < extra else 0)
            calls.append(
                BilledCall(
                    call_id=f"C{n + 1:07d}",
                    start_utc=f"2026-09-{1 + n % 30:02d}T{13 + n % 8:02d}:{n % 60:02d}:07Z",
                    duration_seconds=charge * 60 // cents_per_minute,
                    calling_number="+15145550100",
                    called_number="+16135550123" if domestic else "+33142685300",
                    direction="outbound",
                    destination="Ottawa, ON" if domestic else "France",
                    line="+15145550100",
                    category=line,
                    rate_per_minute=f"0.{cents_per_minute:02d}00",
                    charge_cents=charge,
                )
            )
    return calls


def _api(
    method: str,
    resource: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: str = "",
    body: dict[str, Any] | None = None,
    raw_body: str | None = None,
    extra_headers: dict[str, str] | None = None,
    user_agent: str = BROWSER,
    signed_in: bool = True,
) -> dict[str, Any]:
    """`raw_body`: a body sent as the exact text it is (a signed one), instead of `body` as JSON."""
    text = json.dumps(body) if body is not None else raw_body
    headers = {"Accept": "application/json", "Host": "a1b2c3d4e5.execute-api.ca-central-1.amazonaws.com"}
    if signed_in:
        headers["Authorization"] = "Bearer <id_token>"
    if text is not None:
        headers["Content-Type"] = "application/json"
    headers.update(extra_headers or {})
    headers["User-Agent"] = user_agent
    event = api_event(
        method,
        resource,
        path,
        path_parameters=path_parameters,
        query=query,
        headers=headers,
        body=text,
        claims={"custom:account_id": ACCOUNT_ID, "cognito:username": USERNAME} if signed_in else None,
        stage=STAGE,
        source_ip="203.0.113.24",
    )
    # Fixed, so that regenerating the samples changes nothing.
    event["requestContext"]["requestId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{method} {path}?{query}"))
    event["requestContext"]["requestTimeEpoch"] = REQUEST_TIME_EPOCH
    return event


def api_samples() -> dict[str, dict[str, dict[str, Any]]]:
    """Function directory -> case -> the API Gateway event."""
    return {**_sign_in_samples(), **_account_samples(), **_document_samples(), **_payment_samples()}


def _sign_in_samples() -> dict[str, dict[str, dict[str, Any]]]:
    """Sign-in, password reset and Manage Users."""
    return {"auth": _auth_samples(), "password_reset": _password_reset_samples(), "users": _users_samples()}


def _auth_samples() -> dict[str, dict[str, Any]]:
    return {
        "login": _api(
            "POST",
            "/auth/login",
            "/auth/login",
            body={"username": USERNAME, "password": "Portal-Demo-2026-Pass"},
            signed_in=False,
        ),
        "new_password": _api(
            "POST",
            "/auth/new-password",
            "/auth/new-password",
            body={"username": NEW_USER, "session": "<session>", "new_password": "Maple-Leaf-2026-Snow"},
            signed_in=False,
        ),
        "refresh": _api(
            "POST",
            "/auth/refresh",
            "/auth/refresh",
            body={"refresh_token": "<refresh_token>"},
            signed_in=False,
        ),
        "logout": _api(
            "POST",
            "/auth/logout",
            "/auth/logout",
            body={"refresh_token": "<refresh_token>"},
            signed_in=False,
        ),
    }


def _password_reset_samples() -> dict[str, dict[str, Any]]:
    return {
        "forgot_password": _api(
            "POST",
            "/auth/forgot-password",
            "/auth/forgot-password",
            body={"username": USERNAME},
            signed_in=False,
        ),
        "reset_password": _api(
            "POST",
            "/auth/reset-password",
            "/auth/reset-password",
            body={"username": USERNAME, "code": "123456", "new_password": "Maple-Leaf-2026-Snow"},
            signed_in=False,
        ),
    }


def _users_samples() -> dict[str, dict[str, Any]]:
    return {
        "list_users": _api("GET", "/users", "/users"),
        "create_user": _api(
            "POST",
            "/users",
            "/users",
            body={
                "username": NEW_USER,
                "first_name": "Luc",
                "last_name": "Bouchard",
                "time_zone": "America/Montreal",
                "notifications_enabled": True,
            },
        ),
        "update_user": _api(
            "PATCH",
            "/users/{username}",
            f"/users/{NEW_USER}",
            path_parameters={"username": NEW_USER},
            body={"time_zone": "America/Toronto", "notifications_enabled": False},
        ),
        "delete_user": _api(
            "DELETE",
            "/users/{username}",
            f"/users/{NEW_USER}",
            path_parameters={"username": NEW_USER},
        ),
    }


def _account_samples() -> dict[str, dict[str, dict[str, Any]]]:
    """The dashboard, the profile, the history, a transaction's details and the signed-in user."""
    return {
        "dashboard": {"get_account": _api("GET", "/account", "/account")},
        "update_profile": {
            "patch_profile": _api(
                "PATCH",
                "/account/profile",
                "/account/profile",
                body={
                    "time_zone": "America/Toronto",
                    "billing_contacts": ["comptes@erable.example", USERNAME],
                },
            )
        },
        "history": {
            "list_transactions": _api("GET", "/transactions", "/transactions", query="page_size=10"),
            "filter_by_type_and_dates": _api(
                "GET",
                "/transactions",
                "/transactions",
                query="type=payment,credit&from=2026-10-01&to=2026-10-31",
            ),
        },
        "transaction_details": {
            "get_invoice": _api(
                "GET", "/transactions/{id}", f"/transactions/{INVOICE_ID}", path_parameters={"id": INVOICE_ID}
            ),
            "get_payment": _api(
                "GET",
                "/transactions/{id}",
                "/transactions/PAY-20261005",
                path_parameters={"id": "PAY-20261005"},
            ),
        },
        "me": {"get_me": _api("GET", "/me", "/me")},
    }


def _document_samples() -> dict[str, dict[str, dict[str, Any]]]:
    """CDR exports and invoice PDFs."""
    return {
        "cdr_exports": {
            "export_as_csv": _api(
                "POST",
                "/invoices/{id}/cdr-exports",
                f"/invoices/{INVOICE_ID}/cdr-exports",
                path_parameters={"id": INVOICE_ID},
                body={"format": "csv"},
            ),
            "get_export": _api(
                "GET",
                "/cdr-exports/{id}",
                f"/cdr-exports/{SAMPLE_EXPORT_ID}",
                path_parameters={"id": SAMPLE_EXPORT_ID},
            ),
        },
        "invoice_pdf": {
            "get_invoice_pdf": _api(
                "GET", "/invoices/{id}/pdf", f"/invoices/{INVOICE_ID}/pdf", path_parameters={"id": INVOICE_ID}
            ),
        },
    }


def _payment_samples() -> dict[str, dict[str, dict[str, Any]]]:
    """Saved cards, payments and the processor's callback."""
    return {
        "payment_methods": {
            "list_methods": _api("GET", "/payment-methods", "/payment-methods"),
            "add_method": _api("POST", "/payment-methods", "/payment-methods", body={"token": "tok_visa"}),
            "delete_method": _api(
                "DELETE",
                "/payment-methods/{id}",
                f"/payment-methods/{PAYMENT_METHOD_ID}",
                path_parameters={"id": PAYMENT_METHOD_ID},
            ),
            "autopay_on": _api(
                "PUT",
                "/autopay",
                "/autopay",
                body={"enabled": True, "payment_method_id": PAYMENT_METHOD_ID},
            ),
        },
        "payments": {
            "create_payment": _api(
                "POST",
                "/payments",
                "/payments",
                body={"amount": "100.00", "new_payment_method": {"token": "tok_visa"}},
                extra_headers={IDEMPOTENCY_HEADER: IDEMPOTENCY_KEY},
            ),
            # The payment create_payment makes (its id follows from the account and the key).
            "get_payment": _api(
                "GET", "/payments/{id}", f"/payments/{PAYMENT_ID}", path_parameters={"id": PAYMENT_ID}
            ),
        },
        "processor_webhook": {"payment_settled": processor_callback()},
    }


def processor_callback() -> dict[str, Any]:
    """The processor's callback settling a pending card payment, as approved. Public route: no token, the
    signature stands for the caller. Signed with SAMPLE_WEBHOOK_SECRET at REQUEST_TIME_EPOCH, so replayed
    later it is refused (stale, and signed with a secret no deployment has): that is the sample's point as
    much as its shape. To settle a real pending payment locally, use `POST /_local/processor/settle`."""
    created = REQUEST_TIME_EPOCH // 1000
    # Paid with the sandbox's pending test card; the charge named as the sandbox names it (the charge's
    # idempotency key, hashed).
    brand, last4, _ = TEST_TOKENS["tok_pending"]
    charge_key = f"{ACCOUNT_ID}/{PENDING_PAYMENT_ID}".encode()
    charge = Charge(
        charge_id="ch_" + hashlib.sha256(charge_key).hexdigest()[:24],
        status=ChargeStatus.APPROVED,
        amount_cents=10000,
        card=Card(brand, last4, *TEST_EXPIRY),
    )
    event_id = "evt_" + uuid.uuid5(uuid.NAMESPACE_URL, f"callback {charge.charge_id}").hex
    body = callback_body(
        event_id, charge, {"account_id": ACCOUNT_ID, "payment_id": PENDING_PAYMENT_ID}, created
    )
    return _api(
        "POST",
        "/webhooks/processor",
        "/webhooks/processor",
        raw_body=body.decode(),
        extra_headers={SIGNATURE_HEADER: signature_header(SAMPLE_WEBHOOK_SECRET, created, body)},
        user_agent="CardProcessor-Webhooks/1.0",
        signed_in=False,
    )


def autopay_samples() -> dict[str, dict[str, Any]]:
    """The EventBridge schedule's event; the run acts for its `time`."""
    rule = f"arn:aws:events:{REGION}:{AWS_ACCOUNT}:rule/billing-portal-AutopayFunctionDaily-1Q2W3E4R5T6Y"
    return {
        "daily_run": {
            "version": "0",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"autopay {AUTOPAY_RUN_TIME}")),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": AWS_ACCOUNT,
            "time": AUTOPAY_RUN_TIME,
            "region": REGION,
            "resources": [rule],
            "detail": {},
        }
    }


SAMPLE_EXPORT_ID = "exp_" + "5a" * 10  # an export's id, as the portal names them


def export_worker_samples() -> dict[str, dict[str, Any]]:
    """The SQS event that hands the worker a large export (a pending export of the sample account), as
    Lambda's event source mapping delivers it: built by the local stack's stand-in of that mapping."""
    queue = f"arn:aws:sqs:{REGION}:{AWS_ACCOUNT}:billing-portal-CdrExportQueue-8H7G6F5E4D3C"
    body = json.dumps({"account_id": ACCOUNT_ID, "export_id": SAMPLE_EXPORT_ID})
    received = {
        "MessageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"export {SAMPLE_EXPORT_ID}")),
        "ReceiptHandle": "AQEBsample-receipt-handle",
        "Body": body,
        "MD5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "Attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(REQUEST_TIME_EPOCH),
            "SenderId": "AROAEXAMPLE:billing-portal-CdrExportsFunction",
            "ApproximateFirstReceiveTimestamp": str(REQUEST_TIME_EPOCH + 20),
        },
    }
    return {"make_export": sqs_event([received], queue, REGION)}


def restore_user_samples() -> dict[str, dict[str, Any]]:
    """What the billing team sends the internal restore function (no API route reaches it)."""
    return {"restore_user": {"account_id": ACCOUNT_ID, "username": NEW_USER}}


SENDER_EMAIL = "billing@example.com"  # the local stack's SenderEmail
FEEDBACK_TOPIC = f"arn:aws:sns:{REGION}:{AWS_ACCOUNT}:billing-portal-EmailFeedbackTopic-2W3E4R5T6Y7U"


def _ses_event(
    event_type: str, details: dict[str, Any], to: str, subject: str, sent_at: str
) -> dict[str, Any]:
    """An SES event as the configuration set's event destination publishes it (SES's message id fixed)."""
    email_key = uuid.uuid5(uuid.NAMESPACE_URL, f"ses {to} {sent_at}")
    email_id = f"0101019a{email_key.hex[:8]}-{email_key}-000000"
    return {
        "eventType": event_type,
        event_type.lower(): details,
        "mail": {
            "timestamp": sent_at,
            "source": f"Billing Portal <{SENDER_EMAIL}>",
            "sourceArn": f"arn:aws:ses:{REGION}:{AWS_ACCOUNT}:identity/{SENDER_EMAIL}",
            "sendingAccountId": AWS_ACCOUNT,
            "messageId": email_id,
            "destination": [to],
            "headersTruncated": False,
            "commonHeaders": {"from": [f"Billing Portal <{SENDER_EMAIL}>"], "to": [to], "subject": subject},
            "tags": {"ses:configuration-set": ["billing-portal-EmailConfigurationSet"]},
        },
    }


def _sns_event(message: dict[str, Any], published_at: str) -> dict[str, Any]:
    """The event Lambda delivers to a function subscribed to the feedback topic: one message a record."""
    message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sns {published_at}"))
    subscription = f"{FEEDBACK_TOPIC}:{uuid.uuid5(uuid.NAMESPACE_URL, 'EmailFeedbackFunction subscription')}"
    sns_host = f"https://sns.{REGION}.amazonaws.com"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": FEEDBACK_TOPIC,
                    "Subject": None,
                    "Message": json.dumps(message),
                    "Timestamp": published_at,
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLEsignature==",
                    "SigningCertUrl": f"{sns_host}/SimpleNotificationService-EXAMPLE.pem",
                    "UnsubscribeUrl": f"{sns_host}/?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def email_feedback_samples() -> dict[str, dict[str, Any]]:
    """SES's bounce and complaint events about billing emails, delivered through the feedback topic: a
    permanent bounce and a complaint (their addresses are suppressed) and a transient bounce (not)."""
    subject = "Payment received: Érable Télécom Inc."
    sent_at = "2026-11-02T15:04:07.120Z"
    permanent = {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": f"Luc Bouchard <{NEW_USER}>",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "timestamp": "2026-11-02T15:04:09.482Z",
        "feedbackId": "0101019a3f2e1d0c-5b6a7988-8f7e-4d6c-b5a4-93827160f5e4-000000",
        "reportingMTA": "dsn; a8-30.smtp-out.amazonses.com",
    }
    transient = {
        "bounceType": "Transient",
        "bounceSubType": "MailboxFull",
        "bouncedRecipients": [
            {
                "emailAddress": USERNAME,
                "action": "failed",
                "status": "4.2.2",
                "diagnosticCode": "smtp; 452 4.2.2 mailbox full",
            }
        ],
        "timestamp": "2026-11-02T15:04:10.007Z",
        "feedbackId": "0101019a3f2e1d0c-7c8b9a01-2d3e-4f50-a617-28394a5b6c7d-000000",
        "reportingMTA": "dsn; a8-31.smtp-out.amazonses.com",
    }
    complaint = {
        "complainedRecipients": [{"emailAddress": NEW_USER}],
        "timestamp": "2026-11-03T13:22:51.000Z",
        "feedbackId": "0101019a41c8b7a6-1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6-000000",
        "userAgent": "Yahoo!-Mail-Feedback/2.0",
        "complaintFeedbackType": "abuse",
        "arrivalDate": "2026-11-03T13:22:48.000Z",
    }
    return {
        "permanent_bounce": _sns_event(
            _ses_event("Bounce", permanent, NEW_USER, subject, sent_at), "2026-11-02T15:04:09.611Z"
        ),
        "transient_bounce": _sns_event(
            _ses_event("Bounce", transient, USERNAME, subject, sent_at), "2026-11-02T15:04:10.152Z"
        ),
        "complaint": _sns_event(
            _ses_event("Complaint", complaint, NEW_USER, subject, sent_at), "2026-11-03T13:22:51.340Z"
        ),
    }


PORTAL_STREAM = (
    f"arn:aws:dynamodb:{REGION}:{AWS_ACCOUNT}:table/billing-portal-PortalTable/stream/2026-11-01T00:00:00.000"
)


def _stream_record(
    keys: dict[str, str], new: dict[str, Any], old: dict[str, Any], sequence: int, at_epoch: int
) -> dict[str, Any]:
    """An item's change as Lambda delivers it from the table's stream (NEW_AND_OLD_IMAGES)."""
    return {
        "eventID": hashlib.sha256(f"{keys}{sequence}".encode()).hexdigest()[:32],
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": at_epoch,
            "Keys": to_item(keys),
            "NewImage": to_item({**keys, **new}),
            "OldImage": to_item({**keys, **old}),
            "SequenceNumber": str(sequence),
            "SizeBytes": len(json.dumps([keys, new, old])),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": PORTAL_STREAM,
    }


def notifier_samples() -> dict[str, dict[str, Any]]:
    """Batches of the table's stream, as the notifier's event source mapping delivers them: the sample
    payment turning approved (its confirmation), and the sample new user marked invited ("user added")."""
    at = REQUEST_TIME_EPOCH // 1000
    keys = {"PK": f"ACCOUNT#{ACCOUNT_ID}", "SK": f"PAYMENT#{PAYMENT_ID}"}
    brand, last4, _ = TEST_TOKENS["tok_visa"]
    exp_month, exp_year = TEST_EXPIRY
    processing = {
        "id": PAYMENT_ID,
        "account_id": ACCOUNT_ID,
        "amount_cents": 10000,
        "status": "processing",
        "created_at": "2026-11-02T15:04:05.000+00:00",
        "card": {"brand": brand, "last4": last4, "exp_month": exp_month, "exp_year": exp_year},
        "charge_id": "ch_sample_approved",
    }
    approved = {**processing, "status": "approved", "settled_at": "2026-11-02T15:04:06.000+00:00"}
    user_keys = {"PK": f"ACCOUNT#{ACCOUNT_ID}", "SK": f"USER#{NEW_USER}"}
    user = {
        "account_id": ACCOUNT_ID,
        "username": NEW_USER,
        "first_name": "Luc",
        "last_name": "Bouchard",
        "time_zone": "America/Montreal",
        "notifications_enabled": True,
        "created_at": "2026-11-02T15:04:05.000+00:00",
    }
    invited = {**user, "invited_at": "2026-11-02T15:04:06.000+00:00"}
    return {
        "payment_approved": {"Records": [_stream_record(keys, approved, processing, 4100000000001, at)]},
        "user_added": {"Records": [_stream_record(user_keys, invited, user, 4100000000002, at + 1)]},
    }


def samples() -> dict[Path, dict[str, Any]]:
    """Every sample by its file."""
    found = {EVENTS_DIR / "ingest" / f"{case}.json": event for case, event in ingest_samples().items()}
    for case, event in restore_user_samples().items():
        found[EVENTS_DIR / "restore_user" / f"{case}.json"] = event
    for case, event in autopay_samples().items():
        found[EVENTS_DIR / "autopay" / f"{case}.json"] = event
    for case, event in export_worker_samples().items():
        found[EVENTS_DIR / "cdr_export_worker" / f"{case}.json"] = event
    for case, event in email_feedback_samples().items():
        found[EVENTS_DIR / "email_feedback" / f"{case}.json"] = event
    for case, event in notifier_samples().items():
        found[EVENTS_DIR / "notifier" / f"{case}.json"] = event
    for directory, cases in api_samples().items():
        found.update({EVENTS_DIR / directory / f"{case}.json": event for case, event in cases.items()})
    return found


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for path, event in samples().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(render(event), encoding="utf-8")
        print(path.relative_to(EVENTS_DIR.parent))


if __name__ == "__main__":
    main()
