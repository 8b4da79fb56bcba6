"""infra/template.yaml against the code: every route served by exactly the operation that documents it,
every function given exactly the settings it reads, and the resources configured as the design requires."""

from __future__ import annotations

import json
from typing import Any

import pytest

from billing_portal.http import EdgeSettings
from billing_portal.settings import FunctionSettings
from localrun import functions, template
from localrun.template import ROOT

TEMPLATE = template.load()
RESOURCES = template.resources()
FUNCTIONS = template.functions()
ROUTES = template.routes()
API_FUNCTIONS = sorted({route.function for route in ROUTES})

# SAM policy templates that only read.
READ_POLICIES = {"DynamoDBReadPolicy", "S3ReadPolicy"}
DYNAMODB_WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}
# The functions that only read the account; they must never be able to write.
READ_ONLY_FUNCTIONS = {"DashboardFunction", "HistoryFunction", "TransactionDetailsFunction", "MeFunction"}


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {logical_id: resource for logical_id, resource in RESOURCES.items() if resource["Type"] == kind}


def properties(logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = RESOURCES[logical_id]["Properties"]
    return props


def policies(logical_id: str) -> list[Any]:
    return list(properties(logical_id).get("Policies", []))


def policy_names(logical_id: str) -> set[str]:
    return {next(iter(policy)) if isinstance(policy, dict) else policy for policy in policies(logical_id)}


# -- routes and operations -------------------------------------------------------------------------------


def test_there_are_routes_and_functions() -> None:
    assert ROUTES
    assert set(API_FUNCTIONS) <= set(FUNCTIONS)


@pytest.mark.parametrize("logical_id", API_FUNCTIONS)
def test_every_route_has_exactly_one_operation_and_every_operation_a_route(logical_id: str) -> None:
    operations = [(op.method.upper(), op.path) for op in functions.module(logical_id).app.operations]
    routes = [(route.method, route.resolver_path) for route in ROUTES if route.function == logical_id]

    for route in routes:
        assert operations.count(route) == 1, (
            f"{logical_id}: template route {route} has {operations.count(route)} operations"
        )
    drift = sorted(set(operations) - set(routes))
    assert not drift, f"{logical_id} serves operations the template does not route to it: {drift}"
    assert len(operations) == len(set(operations)), f"{logical_id} declares an operation twice"


def test_no_route_is_declared_twice() -> None:
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("logical_id", API_FUNCTIONS)
def test_public_operations_are_exactly_the_routes_without_authorizer(logical_id: str) -> None:
    public_operations = {
        (op.method.upper(), op.path) for op in functions.module(logical_id).app.operations if op.public
    }
    public_routes = {
        (route.method, route.resolver_path)
        for route in ROUTES
        if route.function == logical_id and route.public
    }
    assert public_operations == public_routes


def test_sign_in_is_public_and_the_account_is_not() -> None:
    public = {(route.method, route.path) for route in ROUTES if route.public}
    assert ("POST", "/auth/login") in public
    assert not {path for _, path in public} & {"/account", "/transactions", "/transactions/{id}", "/me"}


def test_functions_without_routes_serve_no_operations() -> None:
    for logical_id in sorted(set(FUNCTIONS) - set(API_FUNCTIONS)):
        assert (
            not hasattr(functions.module(logical_id), "app")
            or not functions.module(logical_id).app.operations
        )


def test_every_route_is_on_the_portal_api() -> None:
    [api] = of_type("AWS::Serverless::Api")
    for logical_id in API_FUNCTIONS:
        for event in properties(logical_id)["Events"].values():
            if event["Type"] == "Api":
                assert event["Properties"].get("RestApiId") == {"Ref": api}, logical_id


# -- settings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_environment_variables_are_the_settings_the_function_reads(logical_id: str) -> None:
    settings_model = functions.module(logical_id).Settings
    assert issubclass(settings_model, FunctionSettings)
    environment = {name for name in FUNCTIONS[logical_id].environment if not name.startswith("POWERTOOLS_")}
    edge = EdgeSettings.env_names() if logical_id in API_FUNCTIONS else set()
    assert environment == settings_model.env_names() | edge


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_environment_reference_is_to_a_template_resource(logical_id: str) -> None:
    for name, value in FUNCTIONS[logical_id].environment.items():
        if isinstance(value, dict):
            assert value.get("Ref") in RESOURCES or value.get("Ref") in TEMPLATE.get("Parameters", {}), (
                f"{logical_id}.{name} = {value}"
            )


def test_every_function_directory_is_in_the_template() -> None:
    directories = {path.resolve() for path in (ROOT / "functions").iterdir() if (path / "app.py").is_file()}
    assert directories
    assert directories == {function.code_dir for function in FUNCTIONS.values()}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_handler_exists(logical_id: str) -> None:
    assert callable(functions.handler(logical_id))


# -- data ------------------------------------------------------------------------------------------------


def test_the_table_streams_expires_recovers_and_encrypts() -> None:
    table_id = "PortalTable"
    table = properties(table_id)
    assert table["StreamSpecification"]["StreamViewType"] in {"NEW_AND_OLD_IMAGES", "NEW_IMAGE"}
    assert table["TimeToLiveSpecification"]["Enabled"] is True
    assert table["TimeToLiveSpecification"]["AttributeName"]
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert RESOURCES[table_id].get("DeletionPolicy") == "Retain"


def test_the_table_has_the_type_index_the_history_filters_on() -> None:
    indexes = {index["IndexName"]: index for index in properties("PortalTable")["GlobalSecondaryIndexes"]}
    assert [key["AttributeName"] for key in indexes["GSI1"]["KeySchema"]] == ["GSI1PK", "GSI1SK"]


def test_idempotency_records_expire_and_are_encrypted() -> None:
    table = properties("IdempotencyTable")
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_auto_pay_runs_daily_one_run_at_a_time() -> None:
    autopay = properties("AutopayFunction")
    [event] = autopay["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"].startswith("cron(")
    assert autopay["ReservedConcurrentExecutions"] == 1


def test_the_processor_callback_is_public_and_everything_else_needs_a_token() -> None:
    public = {
        (event["Properties"]["Method"], event["Properties"]["Path"])
        for function in FUNCTIONS
        for event in properties(function).get("Events", {}).values()
        if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert ("post", "/webhooks/processor") in public
    assert {path for _, path in public} <= {"/webhooks/processor"} | {
        f"/auth/{name}" for name in ("login", "new-password", "refresh", "forgot-password", "reset-password")
    }


BUCKETS = sorted(of_type("AWS::S3::Bucket"))


def bucket_policy(bucket_id: str) -> dict[str, Any]:
    for policy in of_type("AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] == {"Ref": bucket_id}:
            document: dict[str, Any] = policy["Properties"]["PolicyDocument"]
            return document
    raise AssertionError(f"{bucket_id} has no bucket policy")


@pytest.mark.parametrize("bucket_id", BUCKETS)
def test_buckets_block_public_access(bucket_id: str) -> None:
    block = properties(bucket_id)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("bucket_id", BUCKETS)
def test_buckets_are_encrypted(bucket_id: str) -> None:
    rules = properties(bucket_id)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules
    assert all(
        rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"} for rule in rules
    )


@pytest.mark.parametrize("bucket_id", BUCKETS)
def test_buckets_refuse_requests_without_tls(bucket_id: str) -> None:
    statements = bucket_policy(bucket_id)["Statement"]
    tls = [
        s
        for s in statements
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
    ]
    assert tls, f"{bucket_id} accepts plain HTTP"
    [statement] = tls
    assert statement["Principal"] == "*"
    assert statement["Action"] in ("s3:*", ["s3:*"])
    resources = statement["Resource"]
    assert {"Fn::GetAtt": [bucket_id, "Arn"]} in resources  # the bucket itself
    assert {"Fn::Sub": f"${{{bucket_id}.Arn}}/*"} in resources  # and every object


def test_exports_expire_from_the_documents_bucket() -> None:
    rules = properties("DocumentsBucket")["LifecycleConfiguration"]["Rules"]
    exports = [
        rule
        for rule in rules
        if rule.get("Prefix") == "exports/" or rule.get("Filter", {}).get("Prefix") == "exports/"
    ]
    assert len(exports) == 1
    assert exports[0]["Status"] == "Enabled"
    assert "ExpirationInDays" in exports[0]


# -- sign-in ---------------------------------------------------------------------------------------------


def test_the_password_policy() -> None:
    [pool_id] = of_type("AWS::Cognito::UserPool")
    policy = properties(pool_id)["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 15
    assert policy["RequireUppercase"] is True
    assert policy["RequireLowercase"] is True
    assert policy["RequireNumbers"] is True
    assert policy["TemporaryPasswordValidityDays"] == 7


def test_only_administrators_create_users_and_usernames_ignore_case() -> None:
    [pool_id] = of_type("AWS::Cognito::UserPool")
    pool = properties(pool_id)
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameConfiguration"]["CaseSensitive"] is False


def test_the_account_attribute_cannot_be_changed_by_anyone_after_creation() -> None:
    [pool_id] = of_type("AWS::Cognito::UserPool")
    [account_id] = [a for a in properties(pool_id)["Schema"] if a["Name"] == "account_id"]
    assert account_id["Mutable"] is False


def test_the_client_cannot_write_the_account_attribute() -> None:
    for client in of_type("AWS::Cognito::UserPoolClient").values():
        # Without WriteAttributes, a client may write every mutable attribute.
        written = client["Properties"]["WriteAttributes"]
        assert "custom:account_id" not in written
        assert client["Properties"].get("GenerateSecret") is False


def test_the_api_authorizes_with_the_user_pool_by_default() -> None:
    [api_id] = of_type("AWS::Serverless::Api")
    auth = properties(api_id)["Auth"]
    [pool_id] = of_type("AWS::Cognito::UserPool")
    default = auth["DefaultAuthorizer"]
    assert auth["Authorizers"][default]["UserPoolArn"] == {"Fn::GetAtt": [pool_id, "Arn"]}


# -- least privilege -------------------------------------------------------------------------------------


def writes_to_the_table(logical_id: str) -> bool:
    for policy in policies(logical_id):
        if isinstance(policy, dict) and ("DynamoDBWritePolicy" in policy or "DynamoDBCrudPolicy" in policy):
            return True
        if isinstance(policy, dict) and "Statement" in policy:
            for statement in policy["Statement"]:
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                if any(a in DYNAMODB_WRITE_ACTIONS or a in ("dynamodb:*", "*") for a in actions):
                    return True
        if isinstance(policy, str) and ("FullAccess" in policy or policy.startswith("arn:")):
            return True
    return False


@pytest.mark.parametrize("logical_id", sorted(READ_ONLY_FUNCTIONS))
def test_read_only_functions_only_read(logical_id: str) -> None:
    assert logical_id in FUNCTIONS
    assert policy_names(logical_id) <= READ_POLICIES
    assert not writes_to_the_table(logical_id)


def test_functions_that_serve_only_reads_never_write_the_table() -> None:
    for logical_id in API_FUNCTIONS:
        methods = {route.method for route in ROUTES if route.function == logical_id}
        if methods == {"GET"}:
            assert not writes_to_the_table(logical_id), logical_id


def test_the_writers_of_the_current_slice() -> None:
    writers = {logical_id for logical_id in FUNCTIONS if writes_to_the_table(logical_id)}
    assert {"IngestFunction", "UpdateProfileFunction"} <= writers
    assert not writers & READ_ONLY_FUNCTIONS


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_policy_templates_are_scoped_to_template_resources(logical_id: str) -> None:
    for policy in policies(logical_id):
        if isinstance(policy, dict) and len(policy) == 1 and "Statement" not in policy:
            [(name, scope)] = policy.items()
            assert scope, f"{logical_id}: {name} has no scope"
            for value in scope.values():
                target = (
                    value.get("Ref") or value.get("Fn::GetAtt", [None])[0]
                    if isinstance(value, dict)
                    else None
                )
                assert target in RESOURCES, f"{logical_id}: {name} {scope}"


# -- billing notifications -------------------------------------------------------------------------------


def notifier_mapping() -> dict[str, Any]:
    [event] = properties("NotifierFunction")["Events"].values()
    assert event["Type"] == "DynamoDB"
    mapping: dict[str, Any] = event["Properties"]
    return mapping


def test_the_notifier_reads_the_tables_stream_and_one_bad_record_never_blocks_the_rest() -> None:
    mapping = notifier_mapping()
    assert mapping["Stream"] == {"Fn::GetAtt": ["PortalTable", "StreamArn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert 0 < mapping["MaximumRecordAgeInSeconds"] <= 86400  # the stream keeps records a day
    destination = mapping["DestinationConfig"]["OnFailure"]
    assert destination == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["NotifierDeadLetterQueue", "Arn"]}}


def test_only_the_changes_that_can_become_emails_invoke_the_notifier() -> None:
    patterns = [json.loads(f["Pattern"]) for f in notifier_mapping()["FilterCriteria"]["Filters"]]
    sort_keys = [pattern["dynamodb"]["Keys"]["SK"]["S"][0] for pattern in patterns]
    assert sort_keys == [{"prefix": "TXN#"}, {"prefix": "USER#"}, "USERNAME", {"prefix": "PAYMENT#"}]


def test_the_notifiers_dead_letter_queue_keeps_two_weeks_and_raises_an_alarm() -> None:
    assert properties("NotifierDeadLetterQueue")["MessageRetentionPeriod"] == 1209600
    alarms = [
        alarm["Properties"]
        for alarm in of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Dimensions")
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["NotifierDeadLetterQueue", "QueueName"]}}]
    ]
    [alarm] = alarms
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_every_email_goes_through_the_configuration_set_that_reports_bounces_and_complaints() -> None:
    senders = {logical_id for logical_id in FUNCTIONS if "SENDER_EMAIL" in FUNCTIONS[logical_id].environment}
    assert senders == {"NotifierFunction", "UsersFunction", "PasswordResetFunction", "RestoreUserFunction"}
    for logical_id in senders:
        assert FUNCTIONS[logical_id].environment["SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
    destination = properties("EmailFeedbackDestination")
    assert destination["ConfigurationSetName"] == {"Ref": "EmailConfigurationSet"}
    events = destination["EventDestination"]
    assert sorted(events["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert events["SnsDestination"]["TopicARN"] == {"Ref": "EmailFeedbackTopic"}
    [feedback] = properties("EmailFeedbackFunction")["Events"].values()
    assert feedback == {"Type": "SNS", "Properties": {"Topic": {"Ref": "EmailFeedbackTopic"}}}


def test_the_payment_functions_send_no_email_themselves() -> None:
    for logical_id in ("PaymentsFunction", "ProcessorWebhookFunction", "AutopayFunction"):
        assert "SENDER_EMAIL" not in FUNCTIONS[logical_id].environment
        assert "ses:SendRawEmail" not in str(policies(logical_id))
