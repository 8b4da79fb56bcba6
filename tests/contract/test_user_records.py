"""The user records and the reset codes keep the same promises in memory (the unit tests' fakes) and in
DynamoDB (the adapters, against moto): a username is claimed once and for good (a deleted one stays taken),
a release undoes a claim, a tombstone keeps what a restore needs, a delete is decided only while the deleting
user is still a user, sessions end and never move back, and a reset code is consumed once."""

from __future__ import annotations

from dataclasses import replace

import pytest
from unit.fakes import FakeLedgerStore, FakeResetCodes, FakeUserRecords

from billing_portal.ledger.dynamo import DynamoLedgerStore
from billing_portal.ledger.ports import Account, Address, LedgerStore, PortalUser, UserSessions
from billing_portal.shared.errors import NotFound
from billing_portal.users.dynamo import DynamoResetCodes, DynamoUserRecords
from billing_portal.users.model import DeletedMeanwhile, UsernameTaken
from billing_portal.users.ports import IssuedCode, ResetCodes, UserRecords

ACCOUNT = "acct-contract"
OTHER = "acct-other"
ANA = PortalUser(
    ACCOUNT, "ana@erable.example", "Ana", "Roy", "America/Toronto", True, "2026-01-05T14:00:00.000+00:00"
)
BOB = PortalUser(
    ACCOUNT, "bob@erable.example", "Bob", "Lee", "America/Vancouver", False, "2026-02-05T14:00:00.000+00:00"
)
CODE = IssuedCode("digest-1", "salt-1", 1_793_631_845, 1_793_635_445, 0)


@pytest.fixture(params=["fake", "dynamodb"])
def records(request: pytest.FixtureRequest) -> UserRecords:
    if request.param == "fake":
        return FakeUserRecords()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoUserRecords(physical["PortalTable"])


@pytest.fixture(params=["fake", "dynamodb"])
def codes(request: pytest.FixtureRequest) -> ResetCodes:
    if request.param == "fake":
        return FakeResetCodes()
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoResetCodes(physical["PortalTable"])


def test_a_claimed_user_reads_back_and_is_listed_on_its_account_only(records: UserRecords) -> None:
    records.claim(ANA)
    records.claim(BOB)
    assert records.get_user(ACCOUNT, ANA.username) == ANA
    assert sorted(u.username for u in records.list_users(ACCOUNT)) == [ANA.username, BOB.username]
    assert records.list_users(OTHER) == []
    assert records.get_user(OTHER, ANA.username) is None
    claim = records.claim_of(ANA.username)
    assert claim is not None and (claim.account_id, claim.deleted) == (ACCOUNT, False)


def test_a_username_is_claimed_once_whatever_the_account(records: UserRecords) -> None:
    records.claim(ANA)
    with pytest.raises(UsernameTaken):
        records.claim(ANA)
    with pytest.raises(UsernameTaken):
        records.claim(replace(ANA, account_id=OTHER))
    assert records.list_users(OTHER) == []


def test_a_release_undoes_the_claim(records: UserRecords) -> None:
    records.claim(ANA)
    records.release(ANA)
    assert records.get_user(ACCOUNT, ANA.username) is None
    assert records.claim_of(ANA.username) is None
    records.claim(ANA)  # free again
    assert records.get_user(ACCOUNT, ANA.username) == ANA


def test_an_update_changes_only_what_it_names_and_misses_an_absent_user(records: UserRecords) -> None:
    records.claim(ANA)
    updated = records.update_user(
        ACCOUNT, ANA.username, {"first_name": "Anna", "notifications_enabled": False}
    )
    assert updated == replace(ANA, first_name="Anna", notifications_enabled=False)
    assert records.get_user(ACCOUNT, ANA.username) == updated
    assert records.update_user(ACCOUNT, "nobody@erable.example", {"first_name": "X"}) is None
    assert records.get_user(ACCOUNT, "nobody@erable.example") is None


def test_a_tombstoned_username_stays_taken_with_what_a_restore_needs(records: UserRecords) -> None:
    records.claim(ANA)
    records.claim(BOB)
    records.withdraw(BOB, by=ANA.username, at="2026-11-02T15:00:00.000+00:00")
    records.tombstone(BOB, deleted_at="2026-11-02T15:00:01.000+00:00")
    assert records.get_user(ACCOUNT, BOB.username) is None
    assert [u.username for u in records.list_users(ACCOUNT)] == [ANA.username]
    claim = records.claim_of(BOB.username)
    assert claim is not None and claim.deleted and claim.account_id == ACCOUNT
    assert claim.snapshot is not None and PortalUser(**claim.snapshot) == BOB
    with pytest.raises(UsernameTaken):
        records.claim(BOB)
    with pytest.raises(NotFound):
        records.tombstone(BOB, deleted_at="2026-11-02T15:00:02.000+00:00")  # deleted by another first


def test_a_restore_brings_the_user_back_with_no_session_from_before(records: UserRecords) -> None:
    records.claim(ANA)
    records.claim(BOB)
    records.withdraw(BOB, by=ANA.username, at="2026-11-02T15:00:00.000+00:00")
    records.tombstone(BOB, deleted_at="2026-11-02T15:00:01.000+00:00")
    records.restore(BOB, sessions_valid_from=1_793_631_900)
    assert records.get_user(ACCOUNT, BOB.username) == BOB
    claim = records.claim_of(BOB.username)
    assert claim is not None and not claim.deleted
    assert records.sessions_of(ACCOUNT, BOB.username) == UserSessions(valid_from=1_793_631_900)


def test_a_delete_is_decided_only_while_the_deleting_user_is_still_a_user(records: UserRecords) -> None:
    records.claim(ANA)
    records.claim(BOB)
    records.withdraw(BOB, by=ANA.username, at="2026-11-02T15:00:00.000+00:00")
    assert records.sessions_of(ACCOUNT, BOB.username) is None  # over from the decision on
    with pytest.raises(DeletedMeanwhile):
        records.withdraw(ANA, by=BOB.username, at="2026-11-02T15:00:00.000+00:00")
    records.reinstate(BOB)
    assert records.sessions_of(ACCOUNT, BOB.username) == UserSessions(valid_from=0)
    with pytest.raises(NotFound):
        records.withdraw(replace(BOB, username="gone@erable.example"), by=ANA.username, at="x")


def test_sessions_end_and_never_move_back(records: UserRecords) -> None:
    records.claim(ANA)
    assert records.sessions_of(ACCOUNT, ANA.username) == UserSessions(valid_from=0)
    records.end_sessions(ACCOUNT, ANA.username, 1_793_631_900)
    records.end_sessions(ACCOUNT, ANA.username, 1_793_631_800)  # a slower request
    assert records.sessions_of(ACCOUNT, ANA.username) == UserSessions(valid_from=1_793_631_900)
    records.end_sessions(ACCOUNT, "nobody@erable.example", 1_793_631_900)
    assert records.sessions_of(ACCOUNT, "nobody@erable.example") is None
    assert records.sessions_of(OTHER, ANA.username) is None


def test_a_reset_code_reads_back_and_counts_its_failures(codes: ResetCodes) -> None:
    assert codes.get("ana@erable.example") is None
    codes.put("ana@erable.example", CODE)
    assert codes.get("ana@erable.example") == CODE
    codes.count_failure("ana@erable.example", CODE)
    codes.count_failure("ana@erable.example", replace(CODE, digest="another"))  # not the one outstanding
    assert codes.get("ana@erable.example") == replace(CODE, attempts=1)


def test_a_reset_code_is_consumed_once_and_not_once_its_tries_are_used_up(codes: ResetCodes) -> None:
    codes.put("ana@erable.example", CODE)
    assert not codes.consume("ana@erable.example", replace(CODE, digest="another"), max_attempts=5)
    assert codes.consume("ana@erable.example", CODE, max_attempts=5)
    assert codes.get("ana@erable.example") is None
    assert not codes.consume("ana@erable.example", CODE, max_attempts=5)
    codes.put("bob@erable.example", replace(CODE, attempts=5))
    assert not codes.consume("bob@erable.example", CODE, max_attempts=5)


def test_a_users_language_reads_back_changes_and_is_in_their_sessions(records: UserRecords) -> None:
    lea = replace(BOB, username="lea@erable.example", language="fr")
    records.claim(ANA)
    records.claim(lea)
    assert records.get_user(ACCOUNT, lea.username) == lea
    assert records.sessions_of(ACCOUNT, lea.username) == UserSessions(language="fr")
    assert records.sessions_of(ACCOUNT, ANA.username) == UserSessions(language="en")
    assert records.update_user(ACCOUNT, ANA.username, {"language": "fr"}) == replace(ANA, language="fr")
    assert records.sessions_of(ACCOUNT, ANA.username) == UserSessions(language="fr")
    records.end_sessions(ACCOUNT, ANA.username, 1_793_631_900)
    assert records.sessions_of(ACCOUNT, ANA.username) == UserSessions(1_793_631_900, language="fr")


@pytest.fixture(params=["fake", "dynamodb"])
def accounts_and_records(request: pytest.FixtureRequest) -> tuple[LedgerStore, UserRecords]:
    """The ledger's accounts and the user records, which read the accounts' default language."""
    if request.param == "fake":
        store = FakeLedgerStore()
        return store, FakeUserRecords(accounts=store)
    physical: dict[str, str] = request.getfixturevalue("aws")
    return DynamoLedgerStore(physical["PortalTable"]), DynamoUserRecords(physical["PortalTable"])


def test_the_default_language_of_a_user_added_is_the_accounts(
    accounts_and_records: tuple[LedgerStore, UserRecords],
) -> None:
    store, records = accounts_and_records
    address = Address(line1="1 rue Sainte-Catherine", city="Montréal", province="QC", postal_code="H2X 1Y4")
    account = Account(ACCOUNT, "400500600", "Érable", address, "America/Toronto", [], language="fr")
    assert store.create_account(account)
    assert records.default_language(ACCOUNT) == "fr"
    store.update_profile(ACCOUNT, {"language": "en"})
    assert records.default_language(ACCOUNT) == "en"
    assert records.default_language("acct-nobody") == "en"
