"""The local stream mapping's pure parts: Lambda's event filter patterns (the template's own and the
constructs it implements), records turned into what Lambda delivers, how a function's answer is read, and
the mapping's settings read from a template."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from localrun import template
from localrun.streams import (
    Failure,
    UnsupportedFilter,
    batch_failure,
    check_pattern,
    lambda_record,
    matches,
)

STREAM_ARN = "arn:aws:dynamodb:ca-central-1:123456789012:table/portal/stream/2026-11-01T00:00:00.000"


def change(event_name: str, sort_key: str, **image: Any) -> dict[str, Any]:
    """A stream record as Lambda delivers it (the parts the patterns look at)."""
    keys = {"PK": {"S": "ACCOUNT#acct-1"}, "SK": {"S": sort_key}}
    return {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": keys, "NewImage": {**keys, **image}, "SequenceNumber": "100"},
    }


def notifier_patterns() -> tuple[dict[str, Any], ...]:
    [source] = [found for found in template.stream_sources() if found.function == "NotifierFunction"]
    return source.filter_patterns


def wanted_by_notifier(record: dict[str, Any]) -> bool:
    return any(matches(pattern, record) for pattern in notifier_patterns())


@pytest.mark.parametrize(
    ("record", "wanted"),
    [
        (change("INSERT", "TXN#2026-11-01#inv-1"), True),
        (change("MODIFY", "TXN#2026-11-01#inv-1"), False),
        (change("REMOVE", "TXN#2026-11-01#inv-1"), False),
        (change("MODIFY", "USER#ana"), True),
        (change("INSERT", "USER#ana"), False),
        (change("MODIFY", "USERNAME"), True),
        (change("MODIFY", "USERNAMES"), False),
        (change("INSERT", "PAYMENT#pay-1"), True),
        (change("MODIFY", "PAYMENT#pay-1"), True),
        (change("REMOVE", "PAYMENT#pay-1"), False),
        (change("INSERT", "PROFILE"), False),
        (change("INSERT", "txn#lowercase"), False),
    ],
)
def test_the_notifiers_patterns_let_through_only_the_changes_that_can_become_an_email(
    record: dict[str, Any], wanted: bool
) -> None:
    assert wanted_by_notifier(record) is wanted


def test_the_notifiers_patterns_are_all_implemented() -> None:
    for pattern in notifier_patterns():
        check_pattern(pattern)


def test_a_sort_key_of_another_type_does_not_match_a_string_pattern() -> None:
    record = change("INSERT", "TXN#1")
    record["dynamodb"]["Keys"]["SK"] = {"N": "7"}
    assert not wanted_by_notifier(record)


def test_a_key_the_record_lacks_does_not_match_and_an_object_does_not_match_a_value() -> None:
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"SK": {"S": "TXN#1"}}}}
    assert not matches({"dynamodb": {"NewImage": {"SK": {"S": [{"prefix": "TXN#"}]}}}}, record)
    assert not matches({"userIdentity": {"type": ["Service"]}}, record)
    assert not matches({"dynamodb": ["TXN#1"]}, record)
    assert not matches({"eventName": {"S": ["INSERT"]}}, record)


def test_every_key_of_a_pattern_must_match_and_any_value_of_a_list_may() -> None:
    record = {"eventName": "MODIFY", "eventSource": "aws:dynamodb"}
    assert matches({"eventName": ["INSERT", "MODIFY"], "eventSource": ["aws:dynamodb"]}, record)
    assert not matches({"eventName": ["INSERT", "MODIFY"], "eventSource": ["aws:sqs"]}, record)
    assert not matches({"eventName": ["INSERT", "REMOVE"]}, record)


def test_values_match_only_values_of_their_own_type() -> None:
    record = {"text": "5", "number": 5, "decimal": 2.5, "flag": True, "nothing": None, "zero": 0}
    assert matches({"text": ["5"]}, record) and not matches({"text": [5]}, record)
    assert matches({"number": [5.0]}, record) and not matches({"number": ["5"]}, record)
    assert matches({"decimal": [2.5]}, record)
    assert matches({"flag": [True]}, record) and not matches({"flag": [1]}, record)
    assert not matches({"number": [True]}, record)
    assert not matches({"zero": [False]}, record)
    assert matches({"nothing": [None]}, record) and not matches({"text": [None]}, record)


def test_a_list_in_the_record_matches_when_one_of_its_elements_does() -> None:
    record = {"dynamodb": {"NewImage": {"roles": {"SS": ["viewer", "admin"]}}}}
    assert matches({"dynamodb": {"NewImage": {"roles": {"SS": ["admin"]}}}}, record)
    assert matches({"dynamodb": {"NewImage": {"roles": {"SS": [{"prefix": "view"}]}}}}, record)
    assert not matches({"dynamodb": {"NewImage": {"roles": {"SS": ["owner"]}}}}, record)


def test_text_operators() -> None:
    record = {"sk": "PAYMENT#pay-1", "number": 42}
    assert matches({"sk": [{"prefix": "PAYMENT#"}]}, record)
    assert not matches({"sk": [{"prefix": "pay"}]}, record)
    assert matches({"sk": [{"suffix": "-1"}]}, record)
    assert not matches({"sk": [{"suffix": "-2"}]}, record)
    assert matches({"sk": [{"equals-ignore-case": "payment#PAY-1"}]}, record)
    assert not matches({"sk": [{"equals-ignore-case": "payment#pay-2"}]}, record)
    assert not matches({"number": [{"prefix": "4"}]}, record)


def test_exists_holds_for_a_present_value_and_not_for_a_missing_key_or_an_object() -> None:
    record = {"eventName": "REMOVE", "dynamodb": {"OldImage": {"SK": {"S": "TXN#1"}}}}
    assert matches({"eventName": [{"exists": True}]}, record)
    assert not matches({"eventName": [{"exists": False}]}, record)
    assert matches({"dynamodb": {"NewImage": [{"exists": False}]}}, record)
    assert not matches({"dynamodb": {"NewImage": [{"exists": True}]}}, record)
    assert not matches({"dynamodb": {"OldImage": [{"exists": True}]}}, record)  # an object, not a value
    assert matches({"dynamodb": {"OldImage": {"SK": {"S": [{"exists": True}]}}}}, record)
    assert matches({"userIdentity": [{"exists": False}, "anything"]}, record)


@pytest.mark.parametrize(
    "rule",
    [
        {"anything-but": ["REMOVE"]},
        {"numeric": [">", 0]},
        {"cidr": "10.0.0.0/24"},
        {"wildcard": "TXN#*"},
        {"prefix": {"equals-ignore-case": "txn#"}},
        {"prefix": "TXN#", "suffix": "-1"},
        {"exists": "yes"},
        ["INSERT"],
    ],
)
def test_a_rule_not_implemented_is_refused_and_named(rule: Any) -> None:
    with pytest.raises(UnsupportedFilter, match="not implemented") as refused:
        check_pattern({"dynamodb": {"Keys": {"SK": {"S": ["USERNAME", rule]}}}})
    assert json.dumps(rule) in str(refused.value)
    assert "dynamodb.Keys.SK.S" in str(refused.value)


def test_a_combination_not_implemented_is_refused_and_named() -> None:
    with pytest.raises(UnsupportedFilter, match=r"\$or is not implemented"):
        check_pattern({"$or": [{"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}]})


@pytest.mark.parametrize("pattern", [{}, {"eventName": "INSERT"}, {"eventName": []}, ["INSERT"]])
def test_a_pattern_that_is_not_objects_of_lists_is_refused(pattern: Any) -> None:
    with pytest.raises(UnsupportedFilter):
        check_pattern(pattern)


def test_a_record_from_the_streams_api_becomes_what_lambda_delivers() -> None:
    created = datetime(2026, 11, 14, 0, 13, 19, 717000, tzinfo=UTC)
    from_api = {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "Keys": {"PK": {"S": "A"}},
            "NewImage": {
                "PK": {"S": "A"},
                "blob": {"B": b"\x00\x01"},
                "m": {"M": {"set": {"BS": [b"\xff"]}}},
            },
            "OldImage": {"PK": {"S": "A"}, "n": {"N": "1.5"}},
            "SequenceNumber": "100",
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }

    delivered = lambda_record(from_api, STREAM_ARN, "ca-central-1")

    assert delivered == {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ca-central-1",
        "dynamodb": {
            "ApproximateCreationDateTime": int(created.timestamp()),
            "Keys": {"PK": {"S": "A"}},
            "NewImage": {"PK": {"S": "A"}, "blob": {"B": "AAE="}, "m": {"M": {"set": {"BS": ["/w=="]}}}},
            "OldImage": {"PK": {"S": "A"}, "n": {"N": "1.5"}},
            "SequenceNumber": "100",
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": STREAM_ARN,
    }


NUMBERS = ["100", "101", "102", "103"]


@pytest.mark.parametrize(
    "answer",
    [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, "done", {"statusCode": 200}],
)
def test_an_answer_that_reports_no_failure_is_a_success(answer: Any) -> None:
    assert batch_failure(answer, NUMBERS, report_item_failures=True) is None


def test_the_batch_fails_from_the_lowest_record_named() -> None:
    answer = {"batchItemFailures": [{"itemIdentifier": "103"}, {"itemIdentifier": "101"}]}
    assert batch_failure(answer, NUMBERS, report_item_failures=True) == Failure(1, function_error=False)


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": "999"}],
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"ItemIdentifier": "101"}],
        [{"itemIdentifier": "102"}, "101"],
        "101",
    ],
)
def test_an_answer_lambda_cannot_place_fails_the_whole_batch(failures: Any) -> None:
    answer = {"batchItemFailures": failures}
    assert batch_failure(answer, NUMBERS, report_item_failures=True) == Failure(0, function_error=False)


def test_without_report_batch_item_failures_the_answer_is_not_read() -> None:
    answer = {"batchItemFailures": [{"itemIdentifier": "101"}]}
    assert batch_failure(answer, NUMBERS, report_item_failures=False) is None


def _function_with(events: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Reader": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "../functions/reader", "Handler": "app.handler", "Events": events},
            },
        }
    }


def test_a_mapping_left_to_lambdas_defaults_gets_them() -> None:
    loaded = _function_with(
        {
            "Changes": {
                "Type": "DynamoDB",
                "Properties": {
                    "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "StartingPosition": "LATEST",
                },
            },
            "Api": {"Type": "Api", "Properties": {"Path": "/x", "Method": "get"}},
        }
    )

    [source] = template.stream_sources(loaded)

    assert source == template.StreamSource(
        function="Reader",
        table="Table",
        starting_position="LATEST",
        batch_size=100,
        maximum_batching_window_seconds=0,
        report_batch_item_failures=False,
        bisect_batch_on_function_error=False,
        maximum_retry_attempts=-1,
        maximum_record_age_seconds=-1,
        on_failure=None,
        on_failure_type=None,
        filter_patterns=(),
        enabled=True,
    )


def test_a_mapping_reads_every_setting_of_the_template() -> None:
    loaded = _function_with(
        {
            "Changes": {
                "Type": "DynamoDB",
                "Properties": {
                    "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "StartingPosition": "TRIM_HORIZON",
                    "BatchSize": 7,
                    "MaximumBatchingWindowInSeconds": 3,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "BisectBatchOnFunctionError": True,
                    "MaximumRetryAttempts": 2,
                    "MaximumRecordAgeInSeconds": 600,
                    "DestinationConfig": {
                        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["Dlq", "Arn"]}}
                    },
                    "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]},
                    "Enabled": False,
                },
            }
        }
    )

    [source] = template.stream_sources(loaded)

    assert source == template.StreamSource(
        function="Reader",
        table="Table",
        starting_position="TRIM_HORIZON",
        batch_size=7,
        maximum_batching_window_seconds=3,
        report_batch_item_failures=True,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=2,
        maximum_record_age_seconds=600,
        on_failure="Dlq",
        on_failure_type="SQS",
        filter_patterns=({"eventName": ["INSERT"]},),
        enabled=False,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"FilterCriteria": {"Filters": [{"Pattern": "{not json"}]}},
        {"FilterCriteria": {"Filters": [{"Pattern": '["INSERT"]'}]}},
        {"Stream": "arn:aws:dynamodb:ca-central-1:123456789012:table/other/stream/x"},
    ],
)
def test_a_mapping_the_local_stack_cannot_read_is_refused_with_where_it_is(changes: dict[str, Any]) -> None:
    properties = {"Stream": {"Fn::GetAtt": ["Table", "StreamArn"]}, "StartingPosition": "LATEST", **changes}
    loaded = _function_with({"Changes": {"Type": "DynamoDB", "Properties": properties}})
    with pytest.raises(ValueError, match=r"Reader\.Events\.Changes"):
        template.stream_sources(loaded)
