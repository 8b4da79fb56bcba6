"""infra/template.yaml against the code: every route served by exactly the operation that documents it,
every function given exactly the settings it reads, and the resources configured as the design requires."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from billing_portal.http.resolver import EdgeSettings
from billing_portal.i18n.brand import BrandSettings
from billing_portal.shared.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    NotSignedIn,
    PayloadTooLarge,
    Throttled,
)
from billing_portal.shared.settings import FunctionSettings
from localrun import functions, gateway, template
from localrun.template import ROOT

TEMPLATE = template.load()
RESOURCES = template.resources()
FUNCTIONS = template.functions()
ROUTES = template.routes()
API_FUNCTIONS = sorted({route.function for route in ROUTES})

# SAM policy templates that only read; inline statements are read by `writes_to_the_table`.
READ_POLICIES = {"DynamoDBReadPolicy", "S3ReadPolicy", "Statement"}
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
    # Every function may put a message into words, and any message may name the provider (Globals).
    assert environment == settings_model.env_names() | edge | BrandSettings.env_names()


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_environment_reference_is_to_a_template_resource(logical_id: str) -> None:
    for name, value in FUNCTIONS[logical_id].environment.items():
        if isinstance(value, dict) and "Fn::Sub" in value:
            # A name made of the stack's own (a parameter's in SSM), which refers to no resource.
            assert set(re.findall(r"\$\{([^}]*)\}", value["Fn::Sub"])) <= {"AWS::StackName"}, (
                f"{logical_id}.{name} = {value}"
            )
        elif isinstance(value, dict):
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


# -- build -----------------------------------------------------------------------------------------------


def test_one_architecture_parameter_decides_the_functions_the_layer_and_its_build() -> None:
    """`make test` builds for the machine it runs on (x86_64 or arm64) to import what it built; a deployment
    gets arm64 unless told otherwise. The layer's compiled wheels must match the functions' architecture."""
    parameter = TEMPLATE["Parameters"]["Architecture"]
    assert parameter["Default"] == "arm64"
    assert sorted(parameter["AllowedValues"]) == ["arm64", "x86_64"]

    architecture = {"Ref": "Architecture"}
    assert TEMPLATE["Globals"]["Function"]["Architectures"] == [architecture]
    assert not [logical_id for logical_id in FUNCTIONS if "Architectures" in properties(logical_id)]
    layers = of_type("AWS::Serverless::LayerVersion")
    assert layers
    for layer in layers.values():
        assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
        assert layer["Metadata"]["BuildArchitecture"] == architecture


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


def test_auto_pay_runs_daily() -> None:
    autopay = properties("AutopayFunction")
    [event] = autopay["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"].startswith("cron(")


def test_no_function_reserves_concurrency() -> None:
    """A new account's concurrency quota can be too low to reserve any (the stack would not create), and
    no guarantee rests on it: charging once rests on conditional writes."""
    assert [name for name in FUNCTIONS if "ReservedConcurrentExecutions" in properties(name)] == []


def test_the_processor_callback_is_public_and_everything_else_needs_a_token() -> None:
    public = {
        (event["Properties"]["Method"], event["Properties"]["Path"])
        for function in FUNCTIONS
        for event in properties(function).get("Events", {}).values()
        if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert ("post", "/webhooks/processor") in public
    assert {path for _, path in public} <= {"/webhooks/processor"} | {
        f"/auth/{name}"
        for name in ("login", "new-password", "refresh", "logout", "forgot-password", "reset-password")
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


def test_the_client_writes_no_attribute_that_matters() -> None:
    """Not the username (email) nor the account; and an empty list would be Cognito's "every attribute"."""
    for client in of_type("AWS::Cognito::UserPoolClient").values():
        written = set(client["Properties"]["WriteAttributes"])
        assert written, "an empty WriteAttributes lets the client write every attribute"
        assert not written & {"email", "email_verified", "custom:account_id", "phone_number"}
        assert not written & set(client["Properties"]["ReadAttributes"]), "a written attribute reaches tokens"


def test_refresh_tokens_can_be_revoked_and_id_tokens_are_short_lived() -> None:
    for client in of_type("AWS::Cognito::UserPoolClient").values():
        props = client["Properties"]
        assert props["EnableTokenRevocation"] is True
        assert props["TokenValidityUnits"]["IdToken"] == "minutes" and props["IdTokenValidity"] <= 15


def test_sign_out_is_public_and_limited_like_the_other_sign_in_routes() -> None:
    assert ("POST", "/auth/logout") in {(route.method, route.path) for route in ROUTES if route.public}
    [logout] = [route for route in ROUTES if route.path == "/auth/logout"]
    assert logout.function == "AuthFunction"
    settings = method_settings()
    limit, stage = settings[("POST", resource_path("/auth/logout"))], settings[("*", "/*")]
    refresh = settings[("POST", resource_path("/auth/refresh"))]
    assert limit == refresh | {"ResourcePath": limit["ResourcePath"]}
    assert limit["ThrottlingRateLimit"] < stage["ThrottlingRateLimit"]


def reads_items_of_the_table(logical_id: str, actions: set[str]) -> bool:
    """Whether the function may call each of `actions` (dynamodb:GetItem, ...) on the portal's table."""
    granted: set[str] = set()
    for policy in policies(logical_id):
        if not isinstance(policy, dict):
            continue
        for name in ("DynamoDBReadPolicy", "DynamoDBCrudPolicy"):
            if policy.get(name) == {"TableName": {"Ref": "PortalTable"}}:
                granted |= {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
        for statement in policy.get("Statement", []):
            if statement.get("Effect") == "Allow" and statement.get("Resource") == {
                "Fn::GetAtt": ["PortalTable", "Arn"]
            }:
                granted |= set(statement.get("Action", []))
    return actions <= granted


def test_every_function_with_a_signed_in_route_can_read_the_callers_user_record() -> None:
    """The HTTP edge refuses a token whose user is deleted or whose sessions ended: it reads the record."""
    signed_in = sorted({route.function for route in ROUTES if not route.public})
    assert "UpdateProfileFunction" in signed_in
    for logical_id in signed_in:
        assert FUNCTIONS[logical_id].environment.get("TABLE_NAME") == {"Ref": "PortalTable"}, logical_id
        # The dashboard reads the account and the user's record in one request; every other, one GetItem.
        read = {"dynamodb:BatchGetItem"} if logical_id == "DashboardFunction" else {"dynamodb:GetItem"}
        assert reads_items_of_the_table(logical_id, read), logical_id


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
    assert senders == {
        "NotifierFunction",
        "UsersFunction",
        "PasswordResetFunction",
        "RestoreUserFunction",
        "IngestFunction",
    }
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


# -- the edge: throttling, body size, CORS, API Gateway's own answers ---------------------------------------

[API_ID] = of_type("AWS::Serverless::Api")
# A header value as API Gateway wants it (quoted), and only when WebOrigin names another origin: the portal
# the stack serves calls the API on its own origin, through CloudFront, without CORS.
WEB_ORIGIN = {"Fn::If": ["HasWebOrigin", {"Fn::Sub": "'${WebOrigin}'"}, {"Ref": "AWS::NoValue"}]}


def method_settings() -> dict[tuple[str, str], dict[str, Any]]:
    settings = properties(API_ID)["MethodSettings"]
    keyed = {(entry["HttpMethod"], entry["ResourcePath"]): entry for entry in settings}
    assert len(keyed) == len(settings), "a route is limited twice"
    return keyed


def resource_path(path: str) -> str:
    """A route's path as MethodSettings names it (/users/{username} -> /~1users~1{username})."""
    return "/" + path.replace("/", "~1")


def routes_of(logical_ids: set[str]) -> set[tuple[str, str]]:
    return {
        (route.method, route.path)
        for route in ROUTES
        if route.function in logical_ids and route.method != "GET"
    }


# The routes a client can use to move money, change how an account pays, or make the portal send email:
# every change served by a function that talks to the card processor or sends email itself.
MONEY_OR_EMAIL_ROUTES = routes_of(
    {
        logical_id
        for logical_id, function in FUNCTIONS.items()
        if {"CARD_PROCESSOR", "SENDER_EMAIL"} & set(function.environment)
    }
)


def test_money_and_email_routes_are_known() -> None:
    assert {
        ("POST", "/payments"),
        ("POST", "/payment-methods"),
        ("DELETE", "/payment-methods/{id}"),
        ("PUT", "/autopay"),
        ("POST", "/webhooks/processor"),
        ("POST", "/users"),
        ("DELETE", "/users/{username}"),
        ("POST", "/auth/forgot-password"),
    } <= MONEY_OR_EMAIL_ROUTES


def test_the_whole_stage_is_throttled() -> None:
    stage = method_settings()[("*", "/*")]
    assert 0 < stage["ThrottlingRateLimit"] <= stage["ThrottlingBurstLimit"]


@pytest.mark.parametrize(("method", "path"), sorted(MONEY_OR_EMAIL_ROUTES))
def test_every_route_that_moves_money_or_sends_email_has_its_own_lower_limit(method: str, path: str) -> None:
    settings = method_settings()
    stage = settings[("*", "/*")]
    limit = settings.get((method, resource_path(path)))
    assert limit is not None, f"{method} {path} has only the stage-wide limit"
    assert 0 < limit["ThrottlingRateLimit"] < stage["ThrottlingRateLimit"]
    assert limit["ThrottlingRateLimit"] <= limit["ThrottlingBurstLimit"] < stage["ThrottlingBurstLimit"]


def test_every_route_limit_names_a_route() -> None:
    routed = {(route.method, resource_path(route.path)) for route in ROUTES}
    named = set(method_settings()) - {("*", "/*")}
    assert named <= routed, f"limits for routes that do not exist: {sorted(named - routed)}"


def web_acl() -> dict[str, Any]:
    [acl_id] = of_type("AWS::WAFv2::WebACL")
    return properties(acl_id)


def size_rule() -> dict[str, Any]:
    rules: list[dict[str, Any]] = web_acl()["Rules"]
    [rule] = [rule for rule in rules if "SizeConstraintStatement" in rule["Statement"]]
    return rule


def test_bodies_over_the_local_stacks_limit_are_refused_at_the_edge() -> None:
    acl = web_acl()
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    size = size_rule()["Statement"]["SizeConstraintStatement"]
    assert size["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
    assert (size["ComparisonOperator"], size["Size"]) == ("GT", gateway.MAX_BODY_BYTES)
    # WAF sees this much of a body; past it, the body is "oversize", which the rule counts as a match.
    inspected = acl["AssociationConfig"]["RequestBody"]["API_GATEWAY"]["DefaultSizeInspectionLimit"]
    assert inspected == f"KB_{gateway.MAX_BODY_BYTES // 1024}"


def test_a_refused_body_gets_the_apis_413_readable_by_the_web_portal() -> None:
    response = size_rule()["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 413
    body = web_acl()["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    error = json.loads(body["Content"])
    assert error["code"] == PayloadTooLarge.code
    assert f"{gateway.MAX_BODY_BYTES // 1024} KiB" in error["message"]
    condition, with_origin, without_origin = response["ResponseHeaders"]["Fn::If"]
    assert condition == "HasWebOrigin"
    headers = {header["Name"]: header["Value"] for header in with_origin}
    assert headers == {"Access-Control-Allow-Origin": {"Ref": "WebOrigin"}, "Vary": "Origin"}
    assert without_origin == [{"Name": "Vary", "Value": "Origin"}]


def test_cors_is_for_another_origin_only_when_one_is_given() -> None:
    assert TEMPLATE["Conditions"]["HasWebOrigin"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebOrigin"}, ""]}]}
    assert TEMPLATE["Parameters"]["WebOrigin"]["Default"] == ""


def test_the_web_acl_guards_the_apis_stage() -> None:
    [association] = of_type("AWS::WAFv2::WebACLAssociation").values()
    [acl_id] = of_type("AWS::WAFv2::WebACL")
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    target = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert target.endswith(f"/restapis/${{{API_ID}}}/stages/${{{API_ID}.Stage}}")


def quoted_list(value: str) -> set[str]:
    assert value.startswith("'") and value.endswith("'"), value
    return {item.strip() for item in value.strip("'").split(",")}


def test_browsers_may_call_the_api_from_the_web_portal_only() -> None:
    cors = properties(API_ID)["Cors"]
    assert cors["AllowOrigin"] == WEB_ORIGIN
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= quoted_list(cors["AllowHeaders"])
    assert {route.method for route in ROUTES} | {"OPTIONS"} <= quoted_list(cors["AllowMethods"])
    assert int(cors["MaxAge"].strip("'")) > 0
    # The preflight carries no token: it must not meet the authorizer.
    assert properties(API_ID)["Auth"]["AddDefaultAuthorizerToCorsPreflight"] is False


def gateway_responses() -> dict[str, dict[str, Any]]:
    responses: dict[str, dict[str, Any]] = properties(API_ID)["GatewayResponses"]
    return responses


def gateway_error(name: str) -> dict[str, Any]:
    template_text = gateway_responses()[name]["ResponseTemplates"]["application/json"]
    # API Gateway puts the message in as a JSON string.
    error: dict[str, Any] = json.loads(template_text.replace("$context.error.messageString", '"A message."'))
    return error


def test_api_gateways_own_refusals_are_readable_by_the_web_portal() -> None:
    responses = gateway_responses()
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for name, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"] == WEB_ORIGIN, name


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("UNAUTHORIZED", "401", NotSignedIn.code),
        ("MISSING_AUTHENTICATION_TOKEN", "404", NotFound.code),  # API Gateway's answer to an unknown route
        ("ACCESS_DENIED", "403", Forbidden.code),
        ("THROTTLED", "429", Throttled.code),
        ("REQUEST_TOO_LARGE", "413", PayloadTooLarge.code),
        ("DEFAULT_4XX", None, BadRequest.code),
        ("DEFAULT_5XX", None, "internal_error"),  # as the local gateway says it
    ],
)
def test_api_gateways_own_refusals_have_the_apis_error_shape(
    name: str, status: str | None, code: str
) -> None:
    assert gateway_responses()[name].get("StatusCode") == status
    error = gateway_error(name)
    assert set(error) == {"message", "code"}
    assert error["code"] == code
    assert error["message"]


# -- alarms ------------------------------------------------------------------------------------------------

ALARMS = {logical_id: alarm["Properties"] for logical_id, alarm in of_type("AWS::CloudWatch::Alarm").items()}


def test_every_alarm_tells_the_alarm_topic() -> None:
    assert ALARMS
    for logical_id, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm["AlarmDescription"], logical_id


def test_alarms_can_publish_to_the_encrypted_alarm_topic() -> None:
    # CloudWatch cannot use the AWS managed aws/sns key: a topic encrypted with it drops every alarm.
    key = properties("AlarmTopic")["KmsMasterKeyId"]
    assert isinstance(key, dict) and RESOURCES[key["Ref"]]["Type"] == "AWS::KMS::Key"
    assert properties(key["Ref"])["EnableKeyRotation"] is True
    allowed = [
        statement
        for statement in properties(key["Ref"])["KeyPolicy"]["Statement"]
        if statement["Effect"] == "Allow"
        and statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert allowed and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(allowed[0]["Action"])


def test_ses_can_publish_its_feedback_to_the_encrypted_feedback_topic() -> None:
    key = properties("EmailFeedbackTopic")["KmsMasterKeyId"]
    assert isinstance(key, dict) and RESOURCES[key["Ref"]]["Type"] == "AWS::KMS::Key"
    allowed = [
        statement
        for statement in properties(key["Ref"])["KeyPolicy"]["Statement"]
        if statement["Effect"] == "Allow" and statement["Principal"] == {"Service": "ses.amazonaws.com"}
    ]
    assert allowed and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(allowed[0]["Action"])


def test_any_5xx_of_the_api_raises_an_alarm() -> None:
    [alarm] = [alarm for alarm in ALARMS.values() if alarm.get("MetricName") == "5XXError"]
    assert alarm["Namespace"] == "AWS/ApiGateway"
    dimensions = {dimension["Name"]: dimension["Value"] for dimension in alarm["Dimensions"]}
    assert dimensions == {"ApiName": properties(API_ID)["Name"], "Stage": {"Ref": "StageName"}}
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def throttle_alarms() -> dict[str, dict[str, Any]]:
    return {
        logical_id: alarm
        for logical_id, alarm in ALARMS.items()
        if any(
            query.get("MetricStat", {}).get("Metric", {}).get("MetricName") == "Throttles"
            for query in alarm.get("Metrics", [])
        )
    }


def test_every_function_is_watched_for_throttles_exactly_once() -> None:
    watched: list[str] = []
    for logical_id, alarm in throttle_alarms().items():
        stats = [query for query in alarm["Metrics"] if "MetricStat" in query]
        assert len(stats) <= 10, f"{logical_id}: an alarm's metric math takes at most ten metrics"
        for query in stats:
            metric = query["MetricStat"]["Metric"]
            assert (metric["Namespace"], metric["MetricName"]) == ("AWS/Lambda", "Throttles")
            assert query["MetricStat"]["Stat"] == "Sum"
            assert query["ReturnData"] is False
            [dimension] = metric["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            watched.append(dimension["Value"]["Ref"])
        # The alarm watches the sum of them all (a function without throttles reports nothing: zero).
        [result] = [query for query in alarm["Metrics"] if query.get("ReturnData", True)]
        assert result["Expression"] == "SUM(FILL(METRICS(), 0))"
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert sorted(watched) == sorted(FUNCTIONS)


def dead_letter_queues() -> set[str]:
    """Every queue the template sends failures to: redrive targets, functions' dead-letter queues and event
    source mappings' on-failure destinations."""
    found = set()
    for queue in of_type("AWS::SQS::Queue").values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            found.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    for logical_id in FUNCTIONS:
        if "DeadLetterQueue" in properties(logical_id):
            found.add(properties(logical_id)["DeadLetterQueue"]["TargetArn"]["Fn::GetAtt"][0])
        for event in properties(logical_id).get("Events", {}).values():
            destination = event["Properties"].get("DestinationConfig", {}).get("OnFailure")
            if destination:
                found.add(destination["Destination"]["Fn::GetAtt"][0])
    return found


def test_the_dead_letter_queues_are_known() -> None:
    assert {"NotifierDeadLetterQueue", "CdrExportDeadLetterQueue"} <= dead_letter_queues()


@pytest.mark.parametrize("queue_id", sorted(dead_letter_queues()))
def test_a_message_in_any_dead_letter_queue_raises_an_alarm(queue_id: str) -> None:
    alarms = [
        alarm
        for alarm in ALARMS.values()
        if alarm.get("Dimensions")
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
    ]
    [alarm] = alarms
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


ASYNCHRONOUS_EVENTS = {"Schedule", "ScheduleV2", "SNS", "S3", "EventBridgeRule", "CloudWatchEvent"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_asynchronously_invoked_functions_keep_what_failed_in_a_dead_letter_queue(logical_id: str) -> None:
    kinds = {event["Type"] for event in properties(logical_id).get("Events", {}).values()}
    if kinds & ASYNCHRONOUS_EVENTS:
        queue = properties(logical_id)["DeadLetterQueue"]
        assert queue["Type"] == "SQS"
        assert RESOURCES[queue["TargetArn"]["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"


# -- logs, traces and metrics ----------------------------------------------------------------------------


def test_the_api_writes_a_json_access_log_line_a_request_kept_a_year() -> None:
    api = RESOURCES[API_ID]
    setting = api["Properties"]["AccessLogSetting"]
    [log_group_id, attribute] = setting["DestinationArn"]["Fn::GetAtt"]
    assert (RESOURCES[log_group_id]["Type"], attribute) == ("AWS::Logs::LogGroup", "Arn")
    assert properties(log_group_id)["RetentionInDays"] >= 365
    line = json.loads(setting["Format"])
    assert {"requestId", "ip", "method", "resource", "status", "latency"} <= set(line)
    # Paths carry usernames (email addresses) and ids; the log keeps the route's template only.
    assert "$context.path" not in setting["Format"]
    assert line["resource"] == "$context.resourcePath"


def test_api_gateway_may_write_the_access_log() -> None:
    api = RESOURCES[API_ID]
    [account_id] = of_type("AWS::ApiGateway::Account")
    # A stage can write access logs only once the account's logging role is set.
    depends_on = api.get("DependsOn", [])
    assert account_id in ([depends_on] if isinstance(depends_on, str) else depends_on)
    role_id = properties(account_id)["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = properties(role_id)
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert any("AmazonAPIGatewayPushToCloudWatchLogs" in str(arn) for arn in role["ManagedPolicyArns"])
    # One setting for the whole account: it stays if the stack goes, for the other APIs that log through it.
    assert RESOURCES[account_id]["DeletionPolicy"] == RESOURCES[role_id]["DeletionPolicy"] == "Retain"


def test_api_gateway_traces_requests() -> None:
    assert properties(API_ID)["TracingEnabled"] is True


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_emits_its_metrics_in_the_portals_namespace(logical_id: str) -> None:
    environment = FUNCTIONS[logical_id].environment
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "BillingPortal"
    assert environment["POWERTOOLS_SERVICE_NAME"] == "billing-portal"


def test_reads_of_invoices_and_call_records_are_logged() -> None:
    logged = {
        bucket_id: properties(bucket_id)["LoggingConfiguration"]
        for bucket_id in BUCKETS
        if "LoggingConfiguration" in properties(bucket_id)
    }
    assert {"CdrBucket", "DocumentsBucket"} <= set(logged)
    [log_bucket] = {configuration["DestinationBucketName"]["Ref"] for configuration in logged.values()}
    assert log_bucket in BUCKETS and log_bucket not in logged
    prefixes = [configuration["LogFilePrefix"] for configuration in logged.values()]
    assert len(set(prefixes)) == len(prefixes)
    [delivery] = [s for s in bucket_policy(log_bucket)["Statement"] if s["Effect"] == "Allow"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    sources = delivery["Condition"]["ArnLike"]["aws:SourceArn"]
    assert sorted(sources, key=str) == sorted(({"Fn::GetAtt": [b, "Arn"]} for b in logged), key=str)


# -- security scan -----------------------------------------------------------------------------------------


def checkov_skips() -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, skip)
        for logical_id, resource in RESOURCES.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


def test_every_skipped_check_says_why_on_its_resource() -> None:
    skips = checkov_skips()
    assert skips
    for logical_id, skip in skips:
        assert set(skip) == {"id", "comment"}, logical_id
        assert skip["id"].startswith(("CKV_AWS_", "CKV2_AWS_")), logical_id
        # A reason is a sentence, not a ticket number or "n/a".
        assert len(skip["comment"].split()) >= 6, f"{logical_id} skips {skip['id']} without a reason"
    ids = [(logical_id, skip["id"]) for logical_id, skip in skips]
    assert len(ids) == len(set(ids)), "a check is skipped twice on one resource"


# -- what only a real account would show ------------------------------------------------------------------


def test_api_functions_stop_before_api_gateway_gives_up() -> None:
    """API Gateway answers 504 at 29 s while the function goes on: every API function stops at 28 s."""
    default = TEMPLATE["Globals"]["Function"]["Timeout"]
    timeouts = {name: properties(name).get("Timeout", default) for name in API_FUNCTIONS}
    assert {name: seconds for name, seconds in timeouts.items() if seconds > 28} == {}


@pytest.mark.parametrize(
    "logical_id", ["PortalTable", "UserPool", "NotificationsTable", "ProcessorWebhookSecret"]
)
def test_state_that_cannot_be_made_again_outlives_the_stack(logical_id: str) -> None:
    resource = RESOURCES[logical_id]
    assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain")


def test_every_function_logs_to_a_group_of_the_stack_with_a_retention() -> None:
    assert TEMPLATE["Parameters"]["LogRetentionDays"]["Default"] == 90
    groups = of_type("AWS::Logs::LogGroup")
    used = {name: properties(name)["LoggingConfig"]["LogGroup"]["Ref"] for name in FUNCTIONS}
    assert len(set(used.values())) == len(FUNCTIONS)  # one group each
    for name, group in used.items():
        assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert groups[group]["Properties"]["LogGroupName"]["Fn::Sub"].startswith(
            "/aws/lambda/${AWS::StackName}/"
        )


def test_the_api_gateway_logging_role_trusts_api_gateway_as_documented() -> None:
    role = properties("ApiGatewayLoggingRole")
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
