"""What the record of AWS calls holds (localrun/aws_calls.py): each call of a function as the action IAM
authorises, on its resource named as the template names it; nothing made outside a function. The example
calls here are made off the record: they are not what the functions do, and the session's check of the
template's grants must not see them."""

from __future__ import annotations

import threading
from email.message import EmailMessage

import boto3
import pytest
from integration.support import account_doc

from localrun import aws_calls, functions
from localrun.aws_calls import Call

REGION = "ca-central-1"
FUNCTION = "CdrExportsFunction"
TABLE = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${PortalTable}"
DOCUMENTS = "arn:${AWS::Partition}:s3:::${DocumentsBucket}"


def test_an_s3_read_is_recorded_with_the_bucket_listing_a_missing_key_needs(aws: dict[str, str]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=aws["DocumentsBucket"], Key="exports/a/1.csv", Body=b"x")

    with aws_calls.off_the_record(), aws_calls.RECORD.listening() as heard, aws_calls.calls_made_by(FUNCTION):
        s3.head_object(Bucket=aws["DocumentsBucket"], Key="exports/a/1.csv")
        s3.generate_presigned_url(
            "get_object", Params={"Bucket": aws["DocumentsBucket"], "Key": "exports/a/1.csv"}
        )
        upload = s3.create_multipart_upload(Bucket=aws["DocumentsBucket"], Key="exports/a/2.csv")
        s3.abort_multipart_upload(
            Bucket=aws["DocumentsBucket"], Key="exports/a/2.csv", UploadId=upload["UploadId"]
        )

    assert heard == [
        Call(FUNCTION, "s3:GetObject", f"{DOCUMENTS}/exports/a/1.csv"),
        Call(FUNCTION, "s3:ListBucket", DOCUMENTS),
        Call(FUNCTION, "s3:GetObject", f"{DOCUMENTS}/exports/a/1.csv"),  # the presigned link
        Call(FUNCTION, "s3:PutObject", f"{DOCUMENTS}/exports/a/2.csv"),
        Call(FUNCTION, "s3:AbortMultipartUpload", f"{DOCUMENTS}/exports/a/2.csv"),
    ]


def test_a_transaction_is_recorded_item_by_item(aws: dict[str, str]) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = aws["PortalTable"]
    items = [
        {"Put": {"TableName": table, "Item": {"PK": {"S": "A"}, "SK": {"S": "1"}}}},
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": {"S": "A"}, "SK": {"S": "2"}},
                "UpdateExpression": "SET n = :n",
                "ExpressionAttributeValues": {":n": {"N": "1"}},
            }
        },
    ]

    with aws_calls.off_the_record(), aws_calls.RECORD.listening() as heard, aws_calls.calls_made_by(FUNCTION):
        dynamodb.transact_write_items(TransactItems=items)
        dynamodb.query(
            TableName=table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :k",
            ExpressionAttributeValues={":k": {"S": "A"}},
        )

    assert heard == [
        Call(FUNCTION, "dynamodb:PutItem", TABLE),
        Call(FUNCTION, "dynamodb:UpdateItem", TABLE),
        Call(FUNCTION, "dynamodb:Query", f"{TABLE}/index/GSI1"),
    ]


def test_an_email_is_recorded_on_its_identity_and_configuration_set(aws: dict[str, str]) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = aws["SenderEmail"], "pat@example.com", "Hello"
    message.set_content("Hello")
    ses = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"

    with aws_calls.off_the_record(), aws_calls.RECORD.listening() as heard, aws_calls.calls_made_by(FUNCTION):
        boto3.client("ses", region_name=REGION).send_raw_email(
            Source=aws["SenderEmail"],
            Destinations=["pat@example.com"],
            RawMessage={"Data": message.as_bytes()},
            ConfigurationSetName=aws["EmailConfigurationSet"],
        )

    assert heard == [
        Call(FUNCTION, "ses:SendRawEmail", f"{ses}:identity/${{SenderEmail}}"),
        Call(FUNCTION, "ses:SendRawEmail", f"{ses}:configuration-set/${{EmailConfigurationSet}}"),
    ]


def test_a_queue_and_a_user_pool_are_named_by_logical_id(aws: dict[str, str]) -> None:
    with aws_calls.off_the_record(), aws_calls.RECORD.listening() as heard, aws_calls.calls_made_by(FUNCTION):
        boto3.client("sqs", region_name=REGION).send_message(QueueUrl=aws["CdrExportQueue"], MessageBody="{}")
        boto3.client("cognito-idp", region_name=REGION).admin_create_user(
            UserPoolId=aws["UserPool"], Username="pat@example.com"
        )

    assert heard == [
        Call(
            FUNCTION,
            "sqs:SendMessage",
            "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${CdrExportQueue}",
        ),
        Call(
            FUNCTION,
            "cognito-idp:AdminCreateUser",
            "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${UserPool}",
        ),
    ]


def test_calls_that_need_no_rights_or_belong_to_no_function_are_not_recorded(aws: dict[str, str]) -> None:
    idp = boto3.client("cognito-idp", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)

    def elsewhere() -> None:  # another thread: another execution environment, or the test's own set-up
        s3.list_objects_v2(Bucket=aws["CdrBucket"])

    with aws_calls.off_the_record(), aws_calls.RECORD.listening() as heard:
        s3.list_objects_v2(Bucket=aws["DocumentsBucket"])
        with aws_calls.calls_made_by(FUNCTION):
            other = threading.Thread(target=elsewhere)
            other.start()
            other.join()
            with pytest.raises(idp.exceptions.ResourceNotFoundException):
                idp.initiate_auth(
                    ClientId="no-such-client", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "x"}
                )

    assert heard == []


def test_an_invocation_records_its_calls_as_the_functions(aws: dict[str, str]) -> None:
    with aws_calls.RECORD.listening() as heard:
        answer = functions.handler("IngestFunction")(
            account_doc("acct-record"), functions.LambdaContext("IngestFunction", "req-record")
        )

    assert answer["status"] == "created", answer
    assert heard, "the ingest function writes the account"
    assert {call.function for call in heard} == {"IngestFunction"}
    assert {call.resource for call in heard if call.action.startswith("dynamodb:")} == {TABLE}


def test_the_template_iam_fixture_refuses_what_the_template_does_not_grant(
    aws: dict[str, str], template_iam: None
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    with (
        aws_calls.off_the_record(),
        aws_calls.calls_made_by("DashboardFunction"),
        pytest.raises(s3.exceptions.ClientError) as refused,
    ):
        s3.put_object(Bucket=aws["DocumentsBucket"], Key="invoices/a.pdf", Body=b"x")

    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.list_objects_v2(Bucket=aws["DocumentsBucket"])["KeyCount"] == 0
