"""Demo data of the local stack: two Canadian businesses with 30 months of billing history, their portal
users, and the billed call records behind every invoice.

Everything is generated from fixed seeds and dated relative to `today`, so the demo always shows the last
30 months, and the same `today` gives byte-identical data. The documents go through the real ingest
function, in date order (the ledger refuses back-dated postings), each invoice's CDR file in the CDR
bucket first. Loading again changes nothing: ingest skips ids it has posted, users that exist are kept.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from billing_portal.exports import cdr
from billing_portal.exports.cdr import BilledCall
from billing_portal.i18n import Language
from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.ports import Address, PortalUser
from billing_portal.ledger.taxes import compute_taxes
from billing_portal.payments.dynamo import DynamoPayments
from billing_portal.payments.ports import SavedMethod
from billing_portal.payments.processor import BillingDetails
from billing_portal.payments.sandbox import SandboxProcessor
from billing_portal.shared import aws
from billing_portal.shared.clock import utc_today
from billing_portal.shared.money import format_cents
from billing_portal.users.dynamo import DynamoUserRecords
from localrun import demo_moto, functions
from tests import builders

PASSWORD = "Portal-Demo-2026-Pass"  # noqa: S105 - the documented demo sign-in  # nosec B105
MONTHS = 30

# Usage categories: each is an invoice usage line of the same description.
LONG_DISTANCE = "Long distance — Canada/US"
INTERNATIONAL = "International"
TOLL_FREE = "Toll-free inbound"
INCLUDED = "Local and inbound calls (included)"
USAGE_CATEGORIES = (LONG_DISTANCE, INTERNATIONAL, TOLL_FREE, INCLUDED)

_FREE = Decimal("0.0000")
_LONG_DISTANCE_RATE = Decimal("0.0250")
_TOLL_FREE_RATE = Decimal("0.0350")


class DemoDataRejected(RuntimeError):
    """The ingest function refused a demo document: the demo and the posting rules disagree."""


# -- what the demo is made of ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where a call goes (or, inbound, where it comes from): numbers `prefix` + `digits` random digits,
    all in ranges set aside for fiction (NANP 555-01xx, Ofcom's 020 7946 0xxx, ARCEP's 01 99 00 xx xx)
    or clearly made up."""

    label: str
    prefix: str
    digits: int
    category: str
    rate: Decimal

    def number(self, rng: Random) -> str:
        return f"{self.prefix}{rng.randrange(10**self.digits):0{self.digits}d}"


def _nanp(label: str, area_code: int, category: str, rate: Decimal) -> Destination:
    return Destination(label, f"+1{area_code}55501", 2, category, rate)


def _long_distance(label: str, area_code: int) -> Destination:
    return _nanp(label, area_code, LONG_DISTANCE, _LONG_DISTANCE_RATE)


FRANCE = Destination("France", "+3319900", 4, INTERNATIONAL, Decimal("0.0290"))
UNITED_KINGDOM = Destination("United Kingdom", "+442079460", 3, INTERNATIONAL, Decimal("0.0220"))
MEXICO_MOBILE = Destination("Mexico — mobile", "+5255555001", 2, INTERNATIONAL, Decimal("0.1450"))
INDIA_MOBILE = Destination("India — mobile", "+919876501", 3, INTERNATIONAL, Decimal("0.0390"))
PHILIPPINES_MOBILE = Destination("Philippines — mobile", "+6391755501", 2, INTERNATIONAL, Decimal("0.1900"))

_TORONTO = (("Toronto, ON", 416), ("Toronto, ON", 647), ("Toronto, ON", 437))
_MONTREAL = (("Montréal, QC", 514), ("Montréal, QC", 438))
_ELSEWHERE = (
    ("Ottawa, ON", 613),
    ("Québec, QC", 418),
    ("Vancouver, BC", 604),
    ("Calgary, AB", 403),
    ("Halifax, NS", 902),
    ("Winnipeg, MB", 204),
    ("New York, NY", 212),
    ("Chicago, IL", 312),
    ("Boston, MA", 617),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    time_zone: str
    notifications_enabled: bool
    joined: int  # days after the account's first invoice (negative: before it)
    language: Language = "en"


@dataclass(frozen=True)
class ServiceLine:
    description: str
    quantity: int
    unit_cents: int


@dataclass(frozen=True)
class Profile:
    """One demo business: who it is, how it calls, what it buys and how it pays."""

    seed: str
    account_id: str
    account_number: str
    name: str
    billing_address: dict[str, str]
    time_zone: str
    billing_contacts: tuple[str, ...]
    users: tuple[DemoUser, ...]
    main_number: str
    dids: tuple[str, ...]
    toll_free: str | None
    local: tuple[Destination, ...]
    long_distance: tuple[Destination, ...]
    international: tuple[tuple[Destination, int], ...]  # with weights
    callers: tuple[Destination, ...]  # where inbound calls come from
    call_mix: tuple[tuple[str, int], ...]  # call kind, weight
    calls_per_month: tuple[int, int]
    seats: Callable[[int], int]  # by months back from the newest invoice
    services: Callable[[int, int], list[ServiceLine]]  # (months back, seats) -> service lines
    card: tuple[str, str]  # brand, last four digits
    bank_upload_months: frozenset[int] = frozenset()
    partial_payment_months: frozenset[int] = frozenset()
    overpayment_month: int | None = None
    overpayment_cents: int = 0
    credit_month: int | None = None
    credit: tuple[int, str, str] | None = None  # cents, reason, reference
    big_invoice_month: int | None = None
    big_invoice_calls: tuple[int, int] = (0, 0)
    pending_credit: tuple[int, str] | None = None  # cents, reason
    saved_card: str | None = None  # the sandbox test token of the card saved for the portal's payments
    autopay: bool = False  # Auto Pay on with that card


def _toronto_seats(months_back: int) -> int:
    return 18 + (MONTHS - 1 - months_back) // 5


def _toronto_services(months_back: int, seats: int) -> list[ServiceLine]:
    lines = [
        ServiceLine("Cloud PBX seats", seats, 2995),
        ServiceLine("Additional DIDs", 5, 250),
        ServiceLine("Toll-free number", 1, 1500),
    ]
    if months_back <= 17:  # added the recording add-on a year and a half ago
        lines.append(ServiceLine("Call recording add-on", 8, 600))
    lines.append(ServiceLine("9-1-1 service fee", seats, 75))
    return lines


def _montreal_seats(months_back: int) -> int:
    return 6 if months_back > 10 else 7


def _montreal_services(months_back: int, seats: int) -> list[ServiceLine]:
    return [
        ServiceLine("Cloud PBX seats", seats, 3295),
        ServiceLine("Additional DIDs", 2, 250),
        ServiceLine("9-1-1 service fee", seats, 75),
    ]


def _callers(local: Sequence[tuple[str, int]]) -> tuple[Destination, ...]:
    return tuple(_nanp(label, code, INCLUDED, _FREE) for label, code in (*local, *local, *_ELSEWHERE))


DEMO = Profile(
    seed="maple-harbour",
    account_id="acct-maple-harbour",
    account_number="100482731",
    name="Maple Harbour Logistics Inc.",
    billing_address={
        "line1": "220 Adelaide Street West",
        "line2": "Suite 900",
        "city": "Toronto",
        "province": "ON",
        "postal_code": "M5H 1W7",
    },
    time_zone="America/Toronto",
    billing_contacts=("accounts.payable@example.com", "finance@example.com"),
    users=(
        DemoUser("demo@example.com", "Priya", "Raman", "America/Toronto", True, -12),
        DemoUser("marc.okafor@example.com", "Marc", "Okafor", "America/Vancouver", False, 430),
    ),
    main_number="+14165550100",
    dids=("+14165550100", "+14165550123", "+14165550131", "+16475550142", "+16475550158", "+14375550176"),
    toll_free="+18885550134",
    local=tuple(_nanp(label, code, INCLUDED, _FREE) for label, code in _TORONTO),
    long_distance=tuple(_long_distance(label, code) for label, code in (*_MONTREAL, *_ELSEWHERE)),
    international=(
        (FRANCE, 2),
        (UNITED_KINGDOM, 3),
        (MEXICO_MOBILE, 2),
        (INDIA_MOBILE, 3),
        (PHILIPPINES_MOBILE, 1),
    ),
    callers=_callers(_TORONTO),
    call_mix=(("local", 30), ("long_distance", 24), ("international", 5), ("inbound", 30), ("toll_free", 11)),
    calls_per_month=(150, 320),
    seats=_toronto_seats,
    services=_toronto_services,
    card=("Visa", "4417"),
    bank_upload_months=frozenset({2, 11}),
    partial_payment_months=frozenset({6, 19}),
    overpayment_month=14,
    overpayment_cents=25_000,
    credit_month=9,
    credit=(
        7_500,
        "Service outage credit: inbound calling unavailable for 4 hours",
        "Ticket TT-58213",
    ),
    big_invoice_month=1,
    big_invoice_calls=(5_200, 5_600),
    pending_credit=(4_000, "Goodwill credit for the number porting delay, applied on your next invoice"),
    saved_card="tok_visa",
)

OTHER = Profile(
    seed="atelier-lumiere",
    account_id="acct-atelier-lumiere",
    account_number="200915604",
    name="Atelier Lumière Saint-Denis inc.",
    billing_address={
        "line1": "4521, rue Saint-Denis",
        "line2": "Bureau 300",
        "city": "Montréal",
        "province": "QC",
        "postal_code": "H2J 2L4",
    },
    time_zone="America/Montreal",
    billing_contacts=("comptabilite@example.org",),
    # The account is billed in Québec, so its default language is French; other@example.com reads English
    # (the README's examples are hers), Léa reads French.
    users=(
        DemoUser("other@example.com", "Sophie", "Gagnon-Bélanger", "America/Montreal", True, -5, "en"),
        DemoUser("lea.bouchard@example.com", "Léa", "Bouchard", "America/Montreal", True, 40, "fr"),
    ),
    main_number="+15145550100",
    dids=("+15145550100", "+15145550117", "+14385550163"),
    toll_free=None,
    local=tuple(_nanp(label, code, INCLUDED, _FREE) for label, code in _MONTREAL),
    long_distance=tuple(_long_distance(label, code) for label, code in (*_TORONTO[:2], *_ELSEWHERE)),
    international=((FRANCE, 6), (UNITED_KINGDOM, 1), (MEXICO_MOBILE, 1)),
    callers=_callers(_MONTREAL),
    call_mix=(("local", 35), ("long_distance", 20), ("international", 6), ("inbound", 39)),
    calls_per_month=(60, 140),
    seats=_montreal_seats,
    services=_montreal_services,
    card=("Mastercard", "5831"),
    bank_upload_months=frozenset({4, 15}),
    credit_month=7,
    credit=(1_250, "Billing adjustment: a DID was charged after it was cancelled", "Case CS-20771"),
    saved_card="tok_mastercard",
    autopay=True,
)

PROFILES = (DEMO, OTHER)

# Calls cluster on weekday business hours (local time), with a lunch dip; few on weekends and holidays.
_HOURS = tuple(range(7, 21))
_HOUR_WEIGHTS = (2, 6, 10, 12, 11, 7, 8, 11, 11, 9, 5, 2, 1, 1)
_QUIET_DAY_WEIGHT = 0.06
_HOLIDAYS = frozenset({(1, 1), (7, 1), (12, 25), (12, 26)})  # New Year's, Canada Day, Christmas, Boxing Day


# -- the plan: every document and file, computed before anything is written -----------------------------


_ID_FIELD = {
    "account": "account_id",
    "invoice": "invoice_id",
    "payment": "payment_id",
    "credit": "credit_id",
    "refund": "refund_id",
    "pending_credit": "credit_id",
}


@dataclass(frozen=True)
class CdrFile:
    object_key: str
    body: bytes
    call_count: int


@dataclass
class AccountPlan:
    profile: Profile
    documents: list[dict[str, Any]] = field(default_factory=list)  # ingest events, in posting order
    cdr_files: dict[str, CdrFile] = field(default_factory=dict)  # by invoice id
    balance_cents: int = 0  # the ledger balance once everything is posted
    pending_credit_cents: int = 0

    def ids(self, kind: str) -> tuple[str, ...]:
        return tuple(doc[_ID_FIELD[kind]] for doc in self.documents if doc["kind"] == kind)


def _months_back(day: date, months: int) -> date:
    """The first of the month `months` before `day`'s month."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)


def _charge_cents(seconds: int, rate: Decimal) -> int:
    """Per-minute rounding: every started minute is billed, the charge rounded half up to the cent."""
    minutes = -(-seconds // 60)
    return int((minutes * rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _duration_seconds(rng: Random, kind: str) -> int:
    """Most calls last one to five minutes; a few run long. International calls run longer."""
    median = 150.0 if kind == "international" else 95.0
    return max(4, min(int(rng.lognormvariate(0, 0.95) * median), 3 * 3600))


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


def _call_days(period_start: date, period_end: date, zone: ZoneInfo) -> tuple[list[datetime], list[float]]:
    """Each day of the period as its local midnight in UTC terms (DST switches at night, so the day's noon
    offset holds for every business-hours call), weighted: weekdays busy, weekends and holidays quiet."""
    days = [period_start + timedelta(days=n) for n in range((period_end - period_start).days + 1)]
    midnights = []
    for day in days:
        offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset() or timedelta()
        midnights.append(datetime.combine(day, time()) - offset)
    quiet = [d.weekday() >= 5 or (d.month, d.day) in _HOLIDAYS for d in days]
    return midnights, _cumulative([_QUIET_DAY_WEIGHT if q else 1.0 for q in quiet])


def billed_calls(
    profile: Profile, invoice_id: str, period_start: date, period_end: date, count: int, seats: int
) -> list[BilledCall]:
    """The month's billed calls, oldest first, from a generator seeded by the account and the invoice."""
    rng = Random(f"{profile.seed}/{invoice_id}/calls")  # nosec B311 # demo data, the same every run
    midnights, day_weights = _call_days(period_start, period_end, ZoneInfo(profile.time_zone))
    hour_weights = _cumulative(_HOUR_WEIGHTS)
    kinds = [kind for kind, _ in profile.call_mix]
    kind_weights = _cumulative([weight for _, weight in profile.call_mix])
    international = [dest for dest, _ in profile.international]
    international_weights = _cumulative([weight for _, weight in profile.international])
    extensions = [f"ext. {201 + n}" for n in range(seats)]
    calls: list[BilledCall] = []
    for _ in range(count):
        midnight = rng.choices(midnights, cum_weights=day_weights)[0]
        hour = rng.choices(_HOURS, cum_weights=hour_weights)[0]
        start = midnight + timedelta(seconds=hour * 3600 + rng.randrange(3600))
        start_utc = start.isoformat() + "Z"
        kind = rng.choices(kinds, cum_weights=kind_weights)[0]
        seconds = _duration_seconds(rng, kind)
        call_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if kind in ("inbound", "toll_free"):
            origin = rng.choice(profile.callers)
            if kind == "toll_free" and profile.toll_free:
                line, category, rate = profile.toll_free, TOLL_FREE, _TOLL_FREE_RATE
            else:
                # The main number takes most inbound calls.
                line = profile.main_number if rng.random() < 0.55 else rng.choice(profile.dids)
                category, rate = INCLUDED, _FREE
            calling, called, direction, label = origin.number(rng), line, "inbound", origin.label
        else:
            if kind == "local":
                destination = rng.choice(profile.local)
            elif kind == "long_distance":
                destination = rng.choice(profile.long_distance)
            else:
                destination = rng.choices(international, cum_weights=international_weights)[0]
            line = rng.choice(extensions)
            calling, called, direction = profile.main_number, destination.number(rng), "outbound"
            label, category, rate = destination.label, destination.category, destination.rate
        calls.append(
            BilledCall(
                call_id=call_id,
                start_utc=start_utc,
                duration_seconds=seconds,
                calling_number=calling,
                called_number=called,
                direction=direction,
                destination=label,
                line=line,
                category=category,
                rate_per_minute=f"{rate:.4f}",
                charge_cents=_charge_cents(seconds, rate),
            )
        )
    calls.sort(key=lambda c: (c.start_utc, c.call_id))
    return calls


def usage_lines(calls: Sequence[BilledCall]) -> list[dict[str, Any]]:
    """One usage line per category with calls: billed minutes and the exact sum of the calls' charges."""
    minutes: dict[str, int] = defaultdict(int)
    charges: dict[str, int] = defaultdict(int)
    for call in calls:
        minutes[call.category] += -(-call.duration_seconds // 60)
        charges[call.category] += call.charge_cents
    return [
        {
            "description": category,
            "category": "usage",
            "quantity": minutes[category],
            "amount": format_cents(charges[category]),
        }
        for category in USAGE_CATEGORIES
        if category in minutes
    ]


def _reference(rng: Random, prefix: str, length: int) -> str:
    return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(length))


def plan_account(profile: Profile, today: date) -> AccountPlan:
    """Every document of the account in posting order, with the CDR files; nothing is written here."""
    rng = Random(f"{profile.seed}/history")  # nosec B311 # demo data, the same every run
    plan = AccountPlan(profile)
    plan.documents.append(
        builders.account(
            profile.account_id,
            account_number=profile.account_number,
            name=profile.name,
            billing_address=profile.billing_address,
            time_zone=profile.time_zone,
            billing_contacts=profile.billing_contacts,
        )
    )
    for months_back in range(MONTHS - 1, -1, -1):
        _plan_month(plan, rng, _months_back(today, months_back), months_back)
    if profile.pending_credit is not None:
        cents, reason = profile.pending_credit
        credit_id = f"CR-{profile.account_number}-{today:%Y%m%d}"
        plan.documents.append(
            builders.pending_credit(profile.account_id, credit_id, today, format_cents(cents), reason=reason)
        )
        plan.pending_credit_cents = cents
    return plan


def _plan_month(plan: AccountPlan, rng: Random, issue: date, months_back: int) -> None:
    """The month's invoice, its credit if any, and unless it is the newest, its payment (and refund)."""
    profile = plan.profile
    plan.balance_cents += _plan_invoice(plan, rng, issue, months_back)
    if months_back == profile.credit_month and profile.credit is not None:
        cents, reason, reference = profile.credit
        credit_day = issue + timedelta(days=3)
        credit_id = f"CR-{profile.account_number}-{credit_day:%Y%m%d}"
        plan.documents.append(
            builders.credit(
                profile.account_id,
                credit_id,
                credit_day,
                format_cents(cents),
                reason=reason,
                reference=reference,
            )
        )
        plan.balance_cents -= cents
    if months_back == 0:
        return  # the newest invoice is still open: the dashboard shows what is due and when
    paid_on = issue + timedelta(days=rng.randint(9, 17))
    if months_back in profile.partial_payment_months:
        amount = plan.balance_cents * 55 // 100 // 100 * 100  # a round amount, about half
    elif months_back == profile.overpayment_month:
        amount = plan.balance_cents + profile.overpayment_cents
    else:
        amount = plan.balance_cents
    payment_id = f"PAY-{profile.account_number}-{paid_on:%Y%m%d}"
    plan.documents.append(_payment(profile, rng, payment_id, paid_on, amount, months_back))
    plan.balance_cents -= amount
    if months_back == profile.overpayment_month:
        _plan_refund(plan, payment_id, paid_on + timedelta(days=7))


def _plan_invoice(plan: AccountPlan, rng: Random, issue: date, months_back: int) -> int:
    """The month's invoice and its CDR file; answers its total."""
    profile = plan.profile
    period_end = issue - timedelta(days=1)
    period_start = period_end.replace(day=1)
    invoice_id = f"INV-{profile.account_number}-{issue:%Y%m}"
    seats = profile.seats(months_back)
    low, high = (
        profile.big_invoice_calls if months_back == profile.big_invoice_month else profile.calls_per_month
    )
    calls = billed_calls(profile, invoice_id, period_start, period_end, rng.randint(low, high), seats)
    body = io.BytesIO()
    cdr.write_csv_gz(calls, body)
    key = cdr.object_key(profile.account_id, invoice_id)
    plan.cdr_files[invoice_id] = CdrFile(key, body.getvalue(), len(calls))
    service_lines = profile.services(months_back, seats)
    services = [
        builders.line(
            line.description, "service", line.quantity, format_cents(line.quantity * line.unit_cents)
        )
        for line in service_lines
    ]
    usage_total = sum(call.charge_cents for call in calls)
    plan.documents.append(
        builders.invoice(
            profile.account_id,
            invoice_id,
            issue,
            services + usage_lines(calls),
            cdr=builders.cdr_file(key, len(calls), format_cents(usage_total)),
        )
    )
    subtotal = sum(line.quantity * line.unit_cents for line in service_lines) + usage_total
    taxes = compute_taxes(profile.billing_address["province"], issue, subtotal)
    return subtotal + sum(tax.amount_cents for tax in taxes)


def _payment(
    profile: Profile, rng: Random, payment_id: str, paid_on: date, cents: int, months_back: int
) -> dict[str, Any]:
    """By bank upload in the profile's bank upload months, by card otherwise."""
    amount = format_cents(cents)
    if months_back in profile.bank_upload_months:
        reference = f"EFT {paid_on:%Y%m%d} {rng.randint(100000, 999999)}"
        return builders.payment(
            profile.account_id, payment_id, paid_on, amount, method="bank_upload", reference=reference
        )
    return builders.payment(
        profile.account_id,
        payment_id,
        paid_on,
        amount,
        reference=_reference(rng, "ch_", 24),
        card=profile.card,
    )


def _plan_refund(plan: AccountPlan, payment_id: str, refunded_on: date) -> None:
    profile = plan.profile
    plan.documents.append(
        builders.refund(
            profile.account_id,
            f"RF-{profile.account_number}-{refunded_on:%Y%m%d}",
            refunded_on,
            format_cents(profile.overpayment_cents),
            reason=f"Refund of the overpayment on {payment_id}",
            reference=f"Refund to {profile.card[0]} ending {profile.card[1]}",
        )
    )
    plan.balance_cents += profile.overpayment_cents


# -- loading -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    account_id: str
    account_number: str
    name: str
    usernames: tuple[str, ...]  # the oldest (top) user first
    invoice_ids: tuple[str, ...]  # oldest first
    payment_ids: tuple[str, ...]
    credit_ids: tuple[str, ...]
    refund_ids: tuple[str, ...]
    pending_credit_ids: tuple[str, ...]
    call_count: int


@dataclass(frozen=True)
class DemoSummary:
    today: date
    password: str
    demo: DemoAccount  # demo@example.com's account
    other: DemoAccount  # other@example.com's account
    big_invoice_id: str  # a recent invoice of the demo account with 5,000 or more billed calls
    big_invoice_calls: int
    posted: int  # documents this load created or posted (0 when the demo was there already)

    @property
    def accounts(self) -> tuple[DemoAccount, DemoAccount]:
        return (self.demo, self.other)

    def describe(self) -> list[str]:
        """What a person needs to try the demo, one line each."""
        lines = [f"Demo data as of {self.today.isoformat()} (password for every user: {self.password})"]
        for account in self.accounts:
            lines.append(
                f"  {account.name} ({account.account_id}): {', '.join(account.usernames)}; "
                f"{len(account.invoice_ids)} invoices, {account.call_count:,} billed calls"
            )
        lines.append(f"  Big CDR invoice: {self.big_invoice_id} ({self.big_invoice_calls:,} calls)")
        return lines


def _ingest(document: dict[str, Any]) -> bool:
    """Post one document through the ingest function; True if it was new."""
    document_id = document[_ID_FIELD[document["kind"]]]
    context = functions.LambdaContext("IngestFunction", f"demo-{document_id}")
    answer: dict[str, Any] = functions.handler("IngestFunction")(document, context)
    status = answer.get("status")
    if status in ("created", "posted"):
        return True
    if status in ("already_exists", "already_posted"):
        return False
    raise DemoDataRejected(f"The ingest function refused demo document {document_id}: {answer}")


def _ensure_cognito_user(user_pool_id: str, username: str, account_id: str) -> None:
    """A confirmed user with the demo password; one that exists is left as it is."""
    idp = aws.client("cognito-idp")
    try:
        idp.admin_get_user(UserPoolId=user_pool_id, Username=username)
        return
    except ClientError as error:
        if error.response["Error"]["Code"] != "UserNotFoundException":
            raise
    idp.admin_create_user(
        UserPoolId=user_pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": username},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:account_id", "Value": account_id},
        ],
    )
    idp.admin_set_user_password(UserPoolId=user_pool_id, Username=username, Password=PASSWORD, Permanent=True)


def _created_at(first_invoice: date, user: DemoUser) -> str:
    day = first_invoice + timedelta(days=user.joined)
    return datetime.combine(day, time(14, 32, 7, 412_000), tzinfo=UTC).isoformat(timespec="milliseconds")


def _load_account(plan: AccountPlan, physical: dict[str, str], today: date) -> int:
    profile = plan.profile
    s3 = aws.client("s3")
    posted = 0
    for document in plan.documents:
        if document["kind"] == "invoice":
            cdr_file = plan.cdr_files[document["invoice_id"]]
            s3.put_object(
                Bucket=physical["CdrBucket"],
                Key=cdr_file.object_key,
                Body=cdr_file.body,
                ContentType="application/gzip",
            )
        posted += _ingest(document)

    records = DynamoUserRecords(physical["PortalTable"])
    first_invoice = _months_back(today, MONTHS - 1)
    for user in profile.users:
        _ensure_cognito_user(physical["UserPool"], user.username, profile.account_id)
        if records.claim_of(user.username) is None:
            records.claim(
                PortalUser(
                    account_id=profile.account_id,
                    username=user.username,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    time_zone=user.time_zone,
                    notifications_enabled=user.notifications_enabled,
                    created_at=_created_at(first_invoice, user),
                    language=user.language,
                )
            )

    _save_card(profile, physical["PortalTable"], saved_at=_created_at(first_invoice, profile.users[0]))

    account = DynamoLedgerStore(physical["PortalTable"]).get_account(profile.account_id)
    if account is None or (account.ledger.balance_cents, account.ledger.pending_credit_cents) != (
        plan.balance_cents,
        plan.pending_credit_cents,
    ):
        found = account and (account.ledger.balance_cents, account.ledger.pending_credit_cents)
        raise DemoDataRejected(
            f"{profile.account_id}: expected balance and pending credit "
            f"{(plan.balance_cents, plan.pending_credit_cents)} after loading, found {found}"
        )
    return posted


def _save_card(profile: Profile, table: str, saved_at: str) -> None:
    """The profile's card, saved through the sandbox processor as the web client would (once), with Auto Pay
    on it if the profile says so. Saved when the top user joined: the same day gives the same data."""
    if profile.saved_card is None:
        return
    payments = DynamoPayments(table)
    if payments.list_methods(profile.account_id):
        return
    address = Address(**profile.billing_address)
    billing = BillingDetails(email=profile.users[0].username, address=address)
    saved = SandboxProcessor(table).save_card(profile.saved_card, billing)
    method = SavedMethod(
        id="pm_" + hashlib.sha256(profile.account_id.encode()).hexdigest()[:20],
        account_id=profile.account_id,
        reference=saved.reference,
        card=saved.card,
        billing_email=billing.email,
        billing_address=address,
        created_at=saved_at,
    )
    payments.add_method(method)
    if profile.autopay:
        payments.enable_autopay(profile.account_id, method)


def _summary(plan: AccountPlan) -> DemoAccount:
    return DemoAccount(
        account_id=plan.profile.account_id,
        account_number=plan.profile.account_number,
        name=plan.profile.name,
        usernames=tuple(user.username for user in plan.profile.users),
        invoice_ids=plan.ids("invoice"),
        payment_ids=plan.ids("payment"),
        credit_ids=plan.ids("credit"),
        refund_ids=plan.ids("refund"),
        pending_credit_ids=plan.ids("pending_credit"),
        call_count=sum(f.call_count for f in plan.cdr_files.values()),
    )


def load(physical: dict[str, str], today: date | None = None) -> DemoSummary:
    """Create the demo accounts, their history, CDR files and users, as of `today` (default: today, UTC).

    `physical` maps the template's logical ids to physical names; the functions' environment variables must
    be set and boto3 must point at the local AWS (moto)."""
    today = today or utc_today()
    demo_moto.install()  # the load is one posting after another; see demo_moto for why
    plans = [plan_account(profile, today) for profile in PROFILES]
    # The ingest function logs every document it posts; a hundred-odd lines would bury the stack's banner.
    ingest_logger = functions.module("IngestFunction").logger
    level = ingest_logger.log_level
    ingest_logger.setLevel("WARNING")
    try:
        posted = sum(_load_account(plan, physical, today) for plan in plans)
    finally:
        ingest_logger.setLevel(level)
    demo, other = (_summary(plan) for plan in plans)
    big_month = DEMO.big_invoice_month if DEMO.big_invoice_month is not None else 0
    big_invoice_id = f"INV-{DEMO.account_number}-{_months_back(today, big_month):%Y%m}"
    return DemoSummary(
        today=today,
        password=PASSWORD,
        demo=demo,
        other=other,
        big_invoice_id=big_invoice_id,
        big_invoice_calls=plans[0].cdr_files[big_invoice_id].call_count,
        posted=posted,
    )
