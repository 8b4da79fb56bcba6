"""Creates the template's tables, buckets and user pool with boto3, wherever boto3 points: the moto server
of `make run`, or moto in-process in the tests. (moto's CloudFormation skips Cognito and API Gateway, so
the resources are made here from their template properties instead.)"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

import boto3

from localrun import template

REGION = "ca-central-1"
STACK = "billing-portal"
ACCOUNT_ID = "123456789012"  # moto's default account, which the local credentials map to


# What a deployer gives `sam deploy`; here, local stand-ins.
LOCAL_PARAMETERS = {
    "PortalUrl": "http://127.0.0.1:3000",
    "WebOrigin": "http://127.0.0.1:3000",
    "SenderEmail": "billing@example.com",
}


def pseudo_parameters(region: str = REGION) -> dict[str, str]:
    """CloudFormation's pseudo parameters, as the local stack's `!Ref` and `!Sub` resolve them (moto's
    default account)."""
    return {
        "AWS::StackName": STACK,
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }


def create_all(region: str = REGION, parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Create every supported resource; returns logical id -> physical id (what `!Ref` resolves to),
    template parameters included, and `<logical id>.<attribute>` -> what `!GetAtt` gives (queues)."""
    physical: dict[str, str] = {
        name: str(spec["Default"])
        for name, spec in template.load().get("Parameters", {}).items()
        if "Default" in spec
    }
    physical.update(LOCAL_PARAMETERS)
    physical.update(parameters or {})
    physical.update(pseudo_parameters(region))
    defined = template.resources()
    creators = {
        "AWS::DynamoDB::Table": _table,
        "AWS::S3::Bucket": _bucket,
        "AWS::Cognito::UserPool": _user_pool,
        "AWS::SES::EmailIdentity": _email_identity,
        "AWS::SecretsManager::Secret": _secret,
        "AWS::SES::ConfigurationSet": _configuration_set,
        "AWS::SNS::Topic": _topic,
    }
    for logical_id, resource in defined.items():
        create = creators.get(resource["Type"])
        if create:
            physical[logical_id] = create(
                logical_id, resolve(resource.get("Properties", {}), physical), region
            )
        if resource["Type"] == "AWS::DynamoDB::Table" and "StreamSpecification" in resource["Properties"]:
            physical[f"{logical_id}.StreamArn"] = _latest_stream_arn(physical[logical_id], region)
    # Queues after the others, dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
    queues = [(i, r) for i, r in defined.items() if r["Type"] == "AWS::SQS::Queue"]
    for logical_id, resource in sorted(queues, key=lambda q: "RedrivePolicy" in q[1].get("Properties", {})):
        _queue(logical_id, resolve(resource.get("Properties", {}), physical), region, physical)
    # Clients after pools: they refer to them.
    for logical_id, resource in defined.items():
        if resource["Type"] == "AWS::Cognito::UserPoolClient":
            physical[logical_id] = _user_pool_client(logical_id, resource["Properties"], physical, region)
    return physical


def resolve(value: Any, physical: dict[str, str]) -> Any:
    """`Ref`, `Fn::GetAtt` and `Fn::Sub` of known names, and `Fn::If` on the template's conditions, inside
    resource properties (others are left as they are). An attribute is known as
    `physical["<logical id>.<attribute>"]`; a value that is `AWS::NoValue` is left out, as CloudFormation
    leaves it out."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            condition, when_true, when_false = value["Fn::If"]
            return resolve(when_true if holds(condition, physical) else when_false, physical)
        if set(value) == {"Ref"} and value["Ref"] in physical:
            return physical[value["Ref"]]
        if set(value) == {"Fn::GetAtt"} and ".".join(map(str, value["Fn::GetAtt"])) in physical:
            return physical[".".join(map(str, value["Fn::GetAtt"]))]
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text: str = value["Fn::Sub"]
            for name, resolved in physical.items():
                text = text.replace("${" + name + "}", resolved)
            return text
        properties = {k: resolve(v, physical) for k, v in value.items()}
        return {k: v for k, v in properties.items() if v != NO_VALUE}
    if isinstance(value, list):
        return [item for item in (resolve(v, physical) for v in value) if item != NO_VALUE]
    return value


NO_VALUE = {"Ref": "AWS::NoValue"}


def holds(condition: str, physical: dict[str, str]) -> bool:
    """One of the template's Conditions, for the parameter values in `physical`."""
    return _truth(template.load()["Conditions"][condition], physical)


def _truth(expression: Any, physical: dict[str, str]) -> bool:
    [(function, arguments)] = expression.items()
    if function == "Condition":
        return holds(arguments, physical)
    if function == "Fn::Not":
        return not _truth(arguments[0], physical)
    if function == "Fn::And":
        return all(_truth(argument, physical) for argument in arguments)
    if function == "Fn::Or":
        return any(_truth(argument, physical) for argument in arguments)
    if function == "Fn::Equals":
        left, right = (resolve(argument, physical) for argument in arguments)
        if isinstance(left, dict) or isinstance(right, dict):
            raise ValueError(f"cannot compare {arguments!r} locally")
        return str(left) == str(right)
    raise ValueError(f"cannot evaluate the condition {expression!r} locally")


def _email_identity(logical_id: str, props: dict[str, Any], region: str) -> str:
    address = str(props["EmailIdentity"])
    boto3.client("ses", region_name=region).verify_email_identity(EmailAddress=address)
    return address


def _configuration_set(logical_id: str, props: dict[str, Any], region: str) -> str:
    """An SES configuration set (its event destinations are not made: moto publishes no feedback)."""
    name = f"{STACK}-{logical_id}"
    boto3.client("ses", region_name=region).create_configuration_set(ConfigurationSet={"Name": name})
    return name


def _topic(logical_id: str, props: dict[str, Any], region: str) -> str:
    """An SNS topic; `!Ref` gives its ARN."""
    created = boto3.client("sns", region_name=region).create_topic(Name=f"{STACK}-{logical_id}")
    return str(created["TopicArn"])


def _latest_stream_arn(table_name: str, region: str) -> str:
    described = boto3.client("dynamodb", region_name=region).describe_table(TableName=table_name)
    return str(described["Table"]["LatestStreamArn"])


def _queue(logical_id: str, props: dict[str, Any], region: str, physical: dict[str, str]) -> None:
    """An SQS queue; `!Ref` gives its URL, `!GetAtt .Arn` and `.QueueName` the others."""
    sqs = boto3.client("sqs", region_name=region)
    attributes = {
        # SQS attributes are text: a policy as JSON, a boolean as JSON's true or false.
        name: json.dumps(value) if isinstance(value, dict | bool) else str(value)
        for name, value in props.items()
        if name in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "SqsManagedSseEnabled")
    }
    name = f"{STACK}-{logical_id}"
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    physical.update({logical_id: url, f"{logical_id}.Arn": arn, f"{logical_id}.QueueName": name})


def _secret(logical_id: str, props: dict[str, Any], region: str) -> str:
    """A secret with a value generated as `GenerateSecretString` asks (letters and digits); its ARN."""
    length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(length))
    created = boto3.client("secretsmanager", region_name=region).create_secret(
        Name=f"{STACK}-{logical_id}", SecretString=value, Description=str(props.get("Description", ""))
    )
    return str(created["ARN"])


def function_environments(physical: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        logical_id: template.function_environment(function, physical)
        for logical_id, function in template.functions().items()
    }


def _table(logical_id: str, props: dict[str, Any], region: str) -> str:
    name = f"{STACK}-{logical_id}"
    dynamodb = boto3.client("dynamodb", region_name=region)
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in props:
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    dynamodb.create_table(**request)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return name


def _bucket(logical_id: str, props: dict[str, Any], region: str) -> str:
    name = f"{STACK}-{logical_id.lower()}"
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    lifecycle = props.get("LifecycleConfiguration")
    if lifecycle:
        rules = []
        for rule in lifecycle["Rules"]:
            converted: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"]}
            converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
            if "ExpirationInDays" in rule:
                days = rule["ExpirationInDays"]
                converted["Expiration"] = {"Days": 7 if isinstance(days, dict) else int(days)}
            if "AbortIncompleteMultipartUpload" in rule:
                converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
            rules.append(converted)
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    return name


def _user_pool(logical_id: str, props: dict[str, Any], region: str) -> str:
    idp = boto3.client("cognito-idp", region_name=region)
    request: dict[str, Any] = {"PoolName": f"{STACK}-{logical_id}"}
    for key in (
        "Policies",
        "AutoVerifiedAttributes",
        "UsernameConfiguration",
        "AdminCreateUserConfig",
        "AccountRecoverySetting",
    ):
        if key in props:
            request[key] = props[key]
    if "Schema" in props:
        request["Schema"] = props["Schema"]
    pool = idp.create_user_pool(**request)["UserPool"]
    return str(pool["Id"])


def _user_pool_client(logical_id: str, props: dict[str, Any], physical: dict[str, str], region: str) -> str:
    idp = boto3.client("cognito-idp", region_name=region)
    request: dict[str, Any] = {
        "UserPoolId": physical[props["UserPoolId"]["Ref"]],
        "ClientName": f"{STACK}-{logical_id}",
    }
    for key in (
        "GenerateSecret",
        "ExplicitAuthFlows",
        "PreventUserExistenceErrors",
        "EnableTokenRevocation",
        "AccessTokenValidity",
        "IdTokenValidity",
        "RefreshTokenValidity",
        "TokenValidityUnits",
        "ReadAttributes",
        "WriteAttributes",
    ):
        if key in props:
            request[key] = props[key]
    client = idp.create_user_pool_client(**request)["UserPoolClient"]
    return str(client["ClientId"])
