"""The AWS actions each function calls, each with the resource it acts on: the record the tests compare with
the IAM policies of infra/template.yaml (tests/iam), since moto checks no policy and a missing grant would
otherwise show only on a real account.

How a call is known, and whose it is:

- botocore emits `provide-client-params.<service>.<Operation>` with the request's parameters before every
  API call and every presigned URL (a presigned link works only while its signer holds the action). A
  handler for it is added to every botocore session made from then on (`BUILTIN_HANDLERS`, as moto adds
  its own) and to boto3's default session if one exists: so every client, whoever builds it, reports.
- localrun/functions.py runs every invocation of a function (API routes, queue and stream consumers,
  schedules, direct invocations, in the local stack and in the tests alike) inside `calls_made_by(logical
  id)`, a context variable: several execution environments of a function run as threads of one process,
  and each thread has its own context. A call made outside any invocation (test setup, the demo loader's
  own writes, resources being created, the local stand-ins for the card processor and the Lambda
  pollers) belongs to no function and is not recorded. The sandbox card processor adapter runs inside the
  function that charges, so its calls are that function's, as they are once deployed.
- Calls that need no IAM rights (Cognito's user API: sign-in, token refresh, RevokeToken) are left out.

What a call is, for IAM: the operation becomes the action IAM authorises (`s3:HeadObject` is authorised
as `s3:GetObject`, a multipart upload's steps as `s3:PutObject`, a DynamoDB transaction as one item action
per item on its table, an SES send on its identity and its configuration set). A GetObject or HeadObject
also needs `s3:ListBucket` on the bucket: without it S3 answers 403 rather than 404 for a missing key, and
the code tells a missing object by its 404. Resources are written as the template writes them: the stack's
own resources by logical id (`${PortalTable}`, found from the functions' environment, where every
resource name a function uses comes from a `!Ref`), and the partition, region and account as
`${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`; so calls recorded against different moto
worlds (one per integration test) and the local stack all read alike.

Each process appends the calls it has not seen yet to `<pid>.jsonl` in the directory that
`LOCALRUN_AWS_CALLS_DIR` names (the test session sets it; the local stack it starts inherits it), one JSON
object a line.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from email import message_from_bytes
from email.utils import parseaddr
from functools import cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import boto3
from botocore import handlers
from botocore.exceptions import ClientError

from localrun import template

RECORD_DIRECTORY_VARIABLE = "LOCALRUN_AWS_CALLS_DIR"
EVENT = "provide-client-params"

PARTITION = "${AWS::Partition}"
REGION = "${AWS::Region}"
ACCOUNT = "${AWS::AccountId}"

# What each kind of resource's ARN looks like, given its name (what `!Ref` gives, except for a queue: its
# name, not its URL). The same text `!GetAtt <resource>.Arn` resolves to in tests/iam.
ARN_FORMATS = {
    "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/<name>",
    "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::<name>",
    "AWS::Cognito::UserPool": f"arn:{PARTITION}:cognito-idp:{REGION}:{ACCOUNT}:userpool/<name>",
    "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:<name>",
    "AWS::SES::EmailIdentity": f"arn:{PARTITION}:ses:{REGION}:{ACCOUNT}:identity/<name>",
    "AWS::SES::ConfigurationSet": f"arn:{PARTITION}:ses:{REGION}:{ACCOUNT}:configuration-set/<name>",
}
ANY_RESOURCE = "*"


def arn(kind: str, name: str) -> str:
    """The ARN of the resource of CloudFormation type `kind` called `name`."""
    return ARN_FORMATS[kind].replace("<name>", name)


_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("aws_calls_function", default=None)


_off_the_record: contextvars.ContextVar[bool] = contextvars.ContextVar("aws_calls_off", default=False)


@contextlib.contextmanager
def off_the_record() -> Iterator[None]:
    """Calls made in this block (in this thread) reach `CallRecord.listening` only: for tests of this
    module, whose calls are examples rather than what a function does."""
    token = _off_the_record.set(True)
    try:
        yield
    finally:
        _off_the_record.reset(token)


@contextlib.contextmanager
def calls_made_by(logical_id: str) -> Iterator[None]:
    """Every AWS call made in this block (in this thread) is the function `logical_id`'s."""
    token = _function.set(logical_id)
    try:
        yield
    finally:
        _function.reset(token)


@dataclass(frozen=True, order=True)
class Call:
    function: str  # logical id
    action: str  # as IAM names it: s3:PutObject
    resource: str  # its ARN, the stack's resources by logical id

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def parse(cls, line: str) -> Call:
        fields = json.loads(line)
        return cls(str(fields["function"]), str(fields["action"]), str(fields["resource"]))


# -- from an API call to what IAM authorises ---------------------------------------------------------------

Name = Callable[[str], str]  # a physical name -> `${LogicalId}`, or itself when it is none of the stack's
Requests = list[tuple[str, str]]  # (action, resource)
ServiceRequests = Callable[[str, Mapping[str, Any], Name], Requests]


def _dynamodb(operation: str, params: Mapping[str, Any], name: Name) -> Requests:
    def table(table_name: str, index: str | None = None) -> str:
        if table_name.startswith("arn:"):  # DynamoDB takes a table's ARN for its name
            table_name = table_name.split(":table/", 1)[1]
        found = arn("AWS::DynamoDB::Table", name(table_name))
        return f"{found}/index/{index}" if index else found

    item_actions = {
        "Put": "PutItem",
        "Update": "UpdateItem",
        "Delete": "DeleteItem",
        "ConditionCheck": "ConditionCheckItem",
        "Get": "GetItem",
    }
    if operation in ("TransactWriteItems", "TransactGetItems"):
        # IAM authorises a transaction item by item, each with its own action on its own table.
        return [
            (f"dynamodb:{item_actions[kind]}", table(request["TableName"]))
            for item in params.get("TransactItems", [])
            for kind, request in item.items()
        ]
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(f"dynamodb:{operation}", table(table_name)) for table_name in params.get("RequestItems", {})]
    if "TableName" in params:
        return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]
    return [(f"dynamodb:{operation}", ANY_RESOURCE)]


# S3 operations that IAM authorises under another action's name.
_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "UploadPartCopy": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "CopyObject": "PutObject",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListParts": "ListMultipartUploadParts",
    "DeleteObjects": "DeleteObject",
}


def _s3(operation: str, params: Mapping[str, Any], name: Name, presigned: bool) -> Requests:
    if "Bucket" not in params:
        return [(f"s3:{_S3_ACTIONS.get(operation, operation)}", ANY_RESOURCE)]
    bucket = arn("AWS::S3::Bucket", name(params["Bucket"]))
    action = f"s3:{_S3_ACTIONS.get(operation, operation)}"
    if operation == "DeleteObjects":
        return [(action, f"{bucket}/{entry['Key']}") for entry in params.get("Delete", {}).get("Objects", [])]
    if "Key" not in params:
        return [(action, bucket)]
    found = [(action, f"{bucket}/{params['Key']}")]
    if operation == "CopyObject":
        source = params["CopySource"]
        if isinstance(source, str):
            source_bucket, _, source_key = source.lstrip("/").partition("/")
        else:
            source_bucket, source_key = source["Bucket"], source["Key"]
        source_arn = arn("AWS::S3::Bucket", name(source_bucket))
        found.append(("s3:GetObject", f"{source_arn}/{source_key}"))
    if operation in ("GetObject", "HeadObject") and not presigned:
        # Without it S3 answers 403 for a missing key, where the code expects the 404 it handles.
        found.append(("s3:ListBucket", bucket))
    return found


def _sqs(operation: str, params: Mapping[str, Any], name: Name) -> Requests:
    batch_actions = {
        "SendMessageBatch": "SendMessage",
        "DeleteMessageBatch": "DeleteMessage",
        "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
    }
    action = f"sqs:{batch_actions.get(operation, operation)}"
    url = params.get("QueueUrl")
    if not url:
        return [(action, ANY_RESOURCE)]
    logical = name(url)
    if logical != url:
        return [(action, arn("AWS::SQS::Queue", logical))]
    account, _, queue_name = urlsplit(url).path.strip("/").partition("/")
    return [(action, f"arn:{PARTITION}:sqs:{REGION}:{account}:{queue_name}")]


def _ses(operation: str, params: Mapping[str, Any], name: Name) -> Requests:
    action = f"ses:{operation}"
    if not operation.startswith("Send"):
        return [(action, ANY_RESOURCE)]
    sender = params.get("FromArn") or params.get("SourceArn") or parseaddr(str(params.get("Source", "")))[1]
    if not sender and "RawMessage" in params:
        sender = parseaddr(str(message_from_bytes(params["RawMessage"]["Data"]).get("From", "")))[1]
    found = []
    if sender:
        identity = sender if sender.startswith("arn:") else None
        found.append((action, identity or arn("AWS::SES::EmailIdentity", name(sender))))
    if params.get("ConfigurationSetName"):
        configuration_set = name(params["ConfigurationSetName"])
        found.append((action, arn("AWS::SES::ConfigurationSet", configuration_set)))
    return found or [(action, ANY_RESOURCE)]


def _cognito(operation: str, params: Mapping[str, Any], name: Name) -> Requests:
    action = f"cognito-idp:{operation}"
    if "UserPoolId" not in params:
        return [(action, ANY_RESOURCE)]
    return [(action, arn("AWS::Cognito::UserPool", name(params["UserPoolId"])))]


def _by_identifier(prefix: str, parameter: str) -> ServiceRequests:
    """Services whose resources are named by an ARN (or an id that `!Ref` gives) in one parameter."""

    def actions(operation: str, params: Mapping[str, Any], name: Name) -> Requests:
        identifier = params.get(parameter)
        return [(f"{prefix}:{operation}", name(str(identifier)) if identifier else ANY_RESOURCE)]

    return actions


_SERVICES: dict[str, ServiceRequests] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "ses": _ses,
    "cognito-idp": _cognito,
    "secretsmanager": _by_identifier("secretsmanager", "SecretId"),
    "sns": _by_identifier("sns", "TopicArn"),
}


def iam_requests(
    service: str, operation: str, params: Mapping[str, Any], name: Name, *, presigned: bool = False
) -> Requests:
    """The (action, resource) pairs IAM checks for one API call of `service` (its signing name)."""
    if service == "s3":
        return _s3(operation, params, name, presigned)
    actions = _SERVICES.get(service)
    if actions is None:
        return [(f"{service}:{operation}", ANY_RESOURCE)]
    return actions(operation, params, name)


# -- the stack's resources by logical id -------------------------------------------------------------------


@cache
def _reference_variables() -> tuple[tuple[str, str], ...]:
    """(variable, logical id) for every function environment variable set to `!Ref <logical id>`."""
    found = {
        (variable, str(value["Ref"]))
        for function in template.functions().values()
        for variable, value in function.environment.items()
        if isinstance(value, dict) and set(value) == {"Ref"}
    }
    return tuple(sorted(found))


def logical_names(environment: Mapping[str, str]) -> dict[str, str]:
    """Each physical name a function finds in its environment -> `${LogicalId}`. A value that two logical
    ids share (two parameters with one local value) names neither."""
    names: dict[str, str] = {}
    shared: set[str] = set()
    for variable, logical_id in _reference_variables():
        value = environment.get(variable)
        if value and names.setdefault(value, logical_id) != logical_id:
            shared.add(value)
    return {value: "${" + logical_id + "}" for value, logical_id in names.items() if value not in shared}


# -- recording ---------------------------------------------------------------------------------------------

Guard = Callable[[Call], str | None]  # a reason to refuse the call, or None


class CallRecord:
    """The calls seen in this process, each once; appended to a file when one is given."""

    def __init__(self) -> None:
        self._seen: set[Call] = set()
        self._listeners: list[list[Call]] = []
        self._lock = threading.Lock()
        self._sink: IO[str] | None = None
        self.directory: Path | None = None
        self.guard: Guard | None = None

    def write_to(self, directory: Path) -> None:
        with self._lock:
            if self.directory == directory:
                return
            directory.mkdir(parents=True, exist_ok=True)
            self.directory = directory
            self._sink = (directory / f"{os.getpid()}.jsonl").open("a", encoding="utf-8")
            for call in sorted(self._seen):
                self._sink.write(call.line() + "\n")
            self._sink.flush()

    def add(self, calls: Iterable[Call], *, keep: bool = True) -> None:
        """Tell the listeners; and keep each call not seen yet, unless `keep` is false."""
        calls = list(calls)
        with self._lock:
            for listener in self._listeners:
                listener.extend(calls)
            new = [call for call in calls if call not in self._seen] if keep else []
            self._seen.update(new)
            if self._sink is not None and new:
                self._sink.write("".join(call.line() + "\n" for call in new))
                self._sink.flush()

    def calls(self) -> set[Call]:
        with self._lock:
            return set(self._seen)

    @contextlib.contextmanager
    def listening(self) -> Iterator[list[Call]]:
        """Every call recorded while the block runs, in order, repeats included."""
        heard: list[Call] = []
        with self._lock:
            self._listeners.append(heard)
        try:
            yield heard
        finally:
            with self._lock:
                self._listeners.remove(heard)


RECORD = CallRecord()


def _needs_no_rights(model: Any) -> bool:
    """An operation AWS serves unsigned (Cognito's sign-in, refresh and token revocation)."""
    return model.auth_type == "none" or "smithy.api#noAuth" in (getattr(model, "auth", None) or ())


def _on_params(
    params: dict[str, Any], model: Any, context: Mapping[str, Any] | None = None, **_: Any
) -> None:
    function = _function.get()
    if function is None or _needs_no_rights(model):
        return
    presigned = bool(context and context.get("is_presign_request"))
    name_of = logical_names(os.environ)
    requests = iam_requests(
        model.service_model.signing_name,
        model.name,
        params,
        lambda physical: name_of.get(physical, physical),
        presigned=presigned,
    )
    calls = [Call(function, action, resource) for action, resource in requests]
    RECORD.add(calls, keep=not _off_the_record.get())
    guard = RECORD.guard
    if guard is None or presigned:
        return
    for call in calls:
        reason = guard(call)
        if reason is not None:
            # What AWS answers a role that lacks the action.
            raise ClientError(
                {
                    "Error": {"Code": "AccessDenied", "Message": reason},
                    "ResponseMetadata": {"HTTPStatusCode": 403},
                },
                model.name,
            )


_installed = False
_install_lock = threading.Lock()


def install() -> None:
    """Record from now on: every botocore session made later, and boto3's default one if it exists."""
    global _installed
    with _install_lock:
        if _installed:
            return
        handlers.BUILTIN_HANDLERS.append((EVENT, _on_params))
        if boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION.events.register(EVENT, _on_params, unique_id="localrun-aws-calls")
        _installed = True


def install_from_environment() -> None:
    """Record into the directory `LOCALRUN_AWS_CALLS_DIR` names, when it is set."""
    directory = os.environ.get(RECORD_DIRECTORY_VARIABLE)
    if directory:
        RECORD.write_to(Path(directory))
        install()


def read(directory: Path) -> set[Call]:
    """Every call the processes that recorded into `directory` wrote."""
    return {
        Call.parse(line)
        for path in sorted(directory.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
