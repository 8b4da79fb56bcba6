"""Reads infra/template.yaml, the single source of truth for routes, functions and resources."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "infra" / "template.yaml"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")  # `${Name}` in a !Sub, not the literal `${!Name}`


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref X becomes {"Ref": "X"})."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@cache
def load(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
        return loaded


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ...
    path: str  # /transactions/{id}
    function: str  # logical id of the function
    public: bool  # no Cognito authorizer

    @property
    def resolver_path(self) -> str:
        """The same path in Powertools' notation (/transactions/<id>)."""
        return self.path.replace("{", "<").replace("}", ">")


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any]

    @property
    def module_file(self) -> Path:
        return self.code_dir / (self.handler.rsplit(".", 1)[0] + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def resources(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return dict((template or load())["Resources"])


def functions(template: dict[str, Any] | None = None) -> dict[str, Function]:
    template = template or load()
    global_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    found = {}
    for logical_id, resource in resources(template).items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        code_dir = (TEMPLATE_PATH.parent / props["CodeUri"]).resolve()
        found[logical_id] = Function(logical_id, code_dir, props["Handler"], env)
    return found


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    template = template or load()
    found = []
    for logical_id, resource in resources(template).items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            public = props.get("Auth", {}).get("Authorizer") == "NONE"
            found.append(Route(props["Method"].upper(), props["Path"], logical_id, public))
    return found


def function_environment(function: Function, physical_ids: dict[str, str]) -> dict[str, str]:
    """A function's environment with references resolved to the local resources' names (`!Sub` of them
    too, and of the pseudo parameters the local stack gives, such as `${AWS::StackName}`)."""
    resolved = {}
    for name, value in function.environment.items():
        if isinstance(value, dict) and "Ref" in value:
            resolved[name] = physical_ids[value["Ref"]]
        elif isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
            text = _SUB_VARIABLE.sub(
                lambda found: physical_ids.get(found.group(1), found.group(0)), value["Fn::Sub"]
            )
            if _SUB_VARIABLE.search(text):
                raise ValueError(f"{function.logical_id}.{name}: cannot resolve {value!r} locally")
            resolved[name] = text
        elif isinstance(value, str | int):
            resolved[name] = str(value)
        else:
            raise ValueError(f"{function.logical_id}.{name}: cannot resolve {value!r} locally")
    return resolved


@dataclass(frozen=True)
class Schedule:
    name: str  # the function's code directory: /_local/schedules/<name>
    function: str  # logical id
    rule: str  # the event's logical id, as the rule is named in the event's resources
    expression: str


def schedules(template: dict[str, Any] | None = None) -> list[Schedule]:
    """The functions an EventBridge schedule invokes."""
    template = template or load()
    defined = functions(template)
    found = []
    for logical_id, resource in resources(template).items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event_name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] == "Schedule":
                name = defined[logical_id].code_dir.name
                found.append(Schedule(name, logical_id, event_name, str(event["Properties"]["Schedule"])))
    return found


@dataclass(frozen=True)
class QueueSource:
    function: str  # logical id
    queue: str  # the queue's logical id
    batch_size: int


def queue_sources(template: dict[str, Any] | None = None) -> list[QueueSource]:
    """The functions an SQS event source mapping feeds, as Lambda polls their queues."""
    template = template or load()
    found = []
    for logical_id, resource in resources(template).items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                found.append(
                    QueueSource(logical_id, str(queue), int(event["Properties"].get("BatchSize", 10)))
                )
    return found


def internal_functions(template: dict[str, Any] | None = None) -> dict[str, Function]:
    """The functions nothing in the template invokes: callers with IAM rights invoke them directly."""
    template = template or load()
    defined = functions(template)
    return {
        logical_id: function
        for logical_id, function in defined.items()
        if not resources(template)[logical_id]["Properties"].get("Events")
    }


@dataclass(frozen=True)
class StreamSource:
    """A DynamoDB stream event source mapping (a `DynamoDB` event of a function), as the template sets it."""

    function: str  # logical id
    table: str  # logical id of the table whose stream is read
    starting_position: str  # LATEST or TRIM_HORIZON
    batch_size: int
    maximum_batching_window_seconds: int
    report_batch_item_failures: bool  # FunctionResponseTypes has ReportBatchItemFailures
    bisect_batch_on_function_error: bool
    maximum_retry_attempts: int  # -1: until the records expire
    maximum_record_age_seconds: int  # -1: until the records expire
    on_failure: str | None  # logical id of the OnFailure destination (an SQS queue)
    on_failure_type: str | None  # SQS, SNS, ...
    filter_patterns: tuple[dict[str, Any], ...]  # FilterCriteria's patterns, parsed; none: every record
    enabled: bool


def stream_sources(template: dict[str, Any] | None = None) -> list[StreamSource]:
    """The functions a DynamoDB stream event source mapping feeds, with the mapping's settings (Lambda's
    defaults where the template leaves one out)."""
    template = template or load()
    found = []
    for logical_id, resource in resources(template).items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event_name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] != "DynamoDB":
                continue
            props = event["Properties"]
            where = f"{logical_id}.Events.{event_name}"
            on_failure = props.get("DestinationConfig", {}).get("OnFailure")
            found.append(
                StreamSource(
                    function=logical_id,
                    table=_get_att_resource(props["Stream"], "StreamArn", f"{where}.Stream"),
                    starting_position=str(props["StartingPosition"]),
                    batch_size=int(props.get("BatchSize", 100)),
                    maximum_batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in props.get("FunctionResponseTypes", []),
                    bisect_batch_on_function_error=bool(props.get("BisectBatchOnFunctionError", False)),
                    maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                    maximum_record_age_seconds=int(props.get("MaximumRecordAgeInSeconds", -1)),
                    on_failure=None
                    if on_failure is None
                    else _get_att_resource(on_failure["Destination"], "Arn", f"{where}.DestinationConfig"),
                    on_failure_type=None if on_failure is None else str(on_failure.get("Type", "SQS")),
                    filter_patterns=tuple(
                        _filter_pattern(entry["Pattern"], f"{where}.FilterCriteria")
                        for entry in props.get("FilterCriteria", {}).get("Filters", [])
                    ),
                    enabled=bool(props.get("Enabled", True)),
                )
            )
    return found


def _get_att_resource(value: Any, attribute: str, where: str) -> str:
    """`!GetAtt Resource.<attribute>` -> Resource; the local stack resolves nothing else."""
    target = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    if not isinstance(target, list) or len(target) != 2 or target[1] != attribute:
        raise ValueError(f"{where}: expected !GetAtt <resource>.{attribute}, found {value!r}")
    return str(target[0])


def _filter_pattern(text: Any, where: str) -> dict[str, Any]:
    try:
        pattern = json.loads(text) if isinstance(text, str) else None
    except ValueError as error:
        raise ValueError(f"{where}: a filter pattern is not valid JSON ({error}): {text!r}") from None
    if not isinstance(pattern, dict):
        raise ValueError(f"{where}: a filter pattern must be a JSON object, found {text!r}")
    return pattern
