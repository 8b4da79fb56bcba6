"""How the template's policies are read (tests/iam/policies.py), what the export functions are granted,
and that the session's check fails a run whose functions make a call their policies do not grant."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from localrun import template
from localrun.aws_calls import Call
from localrun.template import ROOT

from .policies import Grant, UnreadablePolicy, all_grants, allowed, function_grants
from .proof import judge

TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${PortalTable}"
DOCUMENTS = "arn:${AWS::Partition}:s3:::${DocumentsBucket}"


def document(policies: list[Any]) -> dict[str, Any]:
    """A template with one function whose Policies: are `policies`, and the resources they name."""
    return {
        "Parameters": {"SenderEmail": {"Type": "String"}},
        "Resources": {
            "PortalTable": {"Type": "AWS::DynamoDB::Table"},
            "DocumentsBucket": {"Type": "AWS::S3::Bucket"},
            "CdrExportQueue": {"Type": "AWS::SQS::Queue"},
            "Worker": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": policies}},
        },
    }


def test_a_sam_policy_template_is_expanded_as_sam_defines_it() -> None:
    grants = function_grants(
        "Worker", document([{"DynamoDBReadPolicy": {"TableName": {"Ref": "PortalTable"}}}])
    )

    assert {(g.action, g.resource) for g in grants} == {
        (action, resource)
        for action in (
            "dynamodb:GetItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
        )
        for resource in (TABLE, f"{TABLE}/index/*")
    }
    assert {g.policy for g in grants} == {"DynamoDBReadPolicy (PortalTable)"}


def test_inline_statements_resolve_to_the_resources_by_logical_id() -> None:
    statements = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": {"Fn::Sub": "${DocumentsBucket.Arn}/exports/*"},
            },
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": {"Fn::GetAtt": ["CdrExportQueue", "Arn"]},
            },
        ]
    }

    grants = function_grants("Worker", document([statements]))

    assert [(g.action, g.resource) for g in grants] == [
        ("s3:GetObject", f"{DOCUMENTS}/exports/*"),
        ("sqs:SendMessage", "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${CdrExportQueue}"),
    ]


def test_wildcards_match_and_a_deny_wins() -> None:
    grants = [
        Grant("Worker", "Statement 1", "Allow", "s3:Get*", f"{DOCUMENTS}/*"),
        Grant("Worker", "Statement 2", "Deny", "s3:GetObject", f"{DOCUMENTS}/secret/*"),
    ]

    assert allowed(Call("Worker", "s3:GetObject", f"{DOCUMENTS}/exports/a.csv"), grants)
    assert allowed(Call("Worker", "S3:getobject", f"{DOCUMENTS}/exports/a.csv"), grants), (
        "actions ignore case"
    )
    assert not allowed(Call("Worker", "s3:GetObject", f"{DOCUMENTS}/secret/a.csv"), grants)
    assert not allowed(Call("Worker", "s3:PutObject", f"{DOCUMENTS}/exports/a.csv"), grants)
    assert not allowed(Call("Other", "s3:GetObject", f"{DOCUMENTS}/exports/a.csv"), grants)


@pytest.mark.parametrize(
    "policy",
    [
        "AmazonS3FullAccess",
        {"NoSuchPolicyTemplate": {}},
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {}}]},
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": {"Ref": "NoSuchBucket"}}]},
    ],
)
def test_a_policy_that_cannot_be_read_stops_the_check(policy: Any) -> None:
    with pytest.raises(UnreadablePolicy):
        function_grants("Worker", document([policy]))


def test_every_functions_policies_in_the_template_can_be_read() -> None:
    assert set(all_grants()) == set(template.functions())  # UnreadablePolicy says which cannot


@pytest.mark.parametrize("function", ["CdrExportsFunction", "CdrExportWorkerFunction"])
def test_the_export_functions_may_abort_their_uploads_and_only_theirs(function: str) -> None:
    grants = function_grants(function)

    assert allowed(Call(function, "s3:AbortMultipartUpload", f"{DOCUMENTS}/exports/acct-1/exp_1.csv"), grants)
    assert not allowed(
        Call(function, "s3:AbortMultipartUpload", f"{DOCUMENTS}/invoices/acct-1/a.pdf"), grants
    )


def test_judging_lists_the_calls_not_granted_and_the_grants_not_used() -> None:
    grants = {
        "Worker": [
            Grant("Worker", "Statement 1", "Allow", "dynamodb:GetItem", TABLE),
            Grant("Worker", "Statement 1", "Allow", "dynamodb:Scan", TABLE),
        ]
    }
    calls = {Call("Worker", "dynamodb:GetItem", TABLE), Call("Worker", "dynamodb:PutItem", TABLE)}

    verdict = judge(calls, grants)

    assert verdict.refused == [Call("Worker", "dynamodb:PutItem", TABLE)]
    assert verdict.unused == [Grant("Worker", "Statement 1", "Allow", "dynamodb:Scan", TABLE)]


def test_a_call_no_policy_grants_fails_the_test_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose tests all pass still fails, and says which call of which function was not granted."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "tests"))
    monkeypatch.setenv("IAM_REPORT_DIR", str(pytester.path / "report"))
    pytester.makepyfile(
        test_calls=textwrap.dedent(
            """
            from localrun.aws_calls import RECORD, Call

            def test_a_function_reads_and_writes() -> None:
                table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${PortalTable}"
                RECORD.add([Call("DashboardFunction", "dynamodb:BatchGetItem", table)])
                RECORD.add([Call("DashboardFunction", "dynamodb:DeleteItem", table)])
            """
        )
    )

    result = pytester.runpytest_subprocess("-p", "iam.proof", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*IAM: 1 calls the template's policies do not grant*",
            "DashboardFunction: dynamodb:DeleteItem on arn:*:table/${PortalTable}",
            "*1 passed, 1 calls not granted by IAM*",
        ]
    )
    result.stdout.no_fnmatch_line("DashboardFunction: dynamodb:GetItem *")
