"""What each function's `Policies:` in infra/template.yaml grant, as (effect, action, resource) triples, and
whether they allow a recorded call (localrun/aws_calls.py).

SAM policy templates (`DynamoDBCrudPolicy: {TableName: !Ref PortalTable}`) are expanded from SAM's own
definitions, the `policy_templates.json` that the aws-sam-translator package ships, read from the SAM
CLI's virtualenv (`.venv-sam`, which `make test` installs; the translator pins another pydantic than the
functions, so it cannot join the project's virtualenv). Inline `Statement`s are taken as they are.
`!Ref`, `!GetAtt` and `!Sub` resolve to the text the recorded calls use: a resource of the stack by its
logical id (`${PortalTable}`, an ARN as `arn:${AWS::Partition}:dynamodb:...:table/${PortalTable}`), the
pseudo parameters left as `${AWS::Region}` and the like.

Wildcards are IAM's: `*` any run of characters, `?` any one, in actions (without regard to case) and in
resources. An explicit Deny wins over any Allow. A policy this cannot read (a managed policy by name, a
Condition, NotAction) stops the check with an error rather than being guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from localrun import template
from localrun.aws_calls import ARN_FORMATS, Call, arn

SAM_VIRTUALENV = template.ROOT / ".venv-sam"
SAM_POLICY_TEMPLATES = "samtranslator/policy_templates_data/policy_templates.json"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class UnreadablePolicy(ValueError):
    """A policy the check cannot expand: it says which and why."""


@dataclass(frozen=True, order=True)
class Grant:
    function: str  # logical id
    policy: str  # where it comes from: `DynamoDBCrudPolicy (PortalTable)`, `Statement 1`
    effect: str  # Allow or Deny
    action: str  # may hold wildcards
    resource: str  # may hold wildcards

    def allows(self, call: Call) -> bool:
        return (
            call.function == self.function
            and _wildcard(self.action, ignore_case=True).fullmatch(call.action) is not None
            and _wildcard(self.resource, ignore_case=False).fullmatch(call.resource) is not None
        )


@cache
def _wildcard(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def sam_policy_templates_file() -> Path:
    found = sorted(SAM_VIRTUALENV.glob(f"lib/python*/site-packages/{SAM_POLICY_TEMPLATES}"))
    if not found:
        raise UnreadablePolicy(
            f"SAM's policy templates are not installed in {SAM_VIRTUALENV}: run `make .venv-sam/.installed`."
        )
    return found[-1]


@cache
def sam_policy_templates() -> dict[str, Any]:
    templates: dict[str, Any] = json.loads(sam_policy_templates_file().read_text(encoding="utf-8"))[
        "Templates"
    ]
    return templates


# -- resolving the template's intrinsic functions ----------------------------------------------------------


def _attribute(logical_id: str, attribute: str, resources: Mapping[str, Any]) -> str:
    """`!GetAtt <logical id>.<attribute>`, in the recorded calls' terms."""
    if logical_id not in resources:
        raise UnreadablePolicy(f"!GetAtt {logical_id}.{attribute}: no such resource")
    kind = resources[logical_id]["Type"]
    name = "${" + logical_id + "}"
    if attribute == "Arn" and kind in ARN_FORMATS:
        return arn(kind, name)
    if (kind, attribute) == ("AWS::SQS::Queue", "QueueName"):
        return name
    if (kind, attribute) == ("AWS::DynamoDB::Table", "StreamArn"):
        return arn(kind, name) + "/stream/*"
    raise UnreadablePolicy(f"!GetAtt {logical_id}.{attribute} ({kind}) is not known to the IAM check")


def _reference(name: str, document: Mapping[str, Any]) -> str:
    """`!Ref <name>`: a pseudo parameter, a template parameter or a resource, by name."""
    if (
        not name.startswith("AWS::")
        and name not in document["Resources"]
        and name not in document.get("Parameters", {})
    ):
        raise UnreadablePolicy(f"!Ref {name}: no such resource or parameter")
    return "${" + name + "}"


def _sub(text: str, variables: Mapping[str, str], document: Mapping[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return _attribute(logical_id, attribute, document["Resources"])
        return _reference(name, document)

    return _SUB_VARIABLE.sub(replace, text)


def resolve(value: Any, document: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        return [resolve(item, document) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return _reference(str(value["Ref"]), document)
    if set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        logical_id, attribute = target.split(".", 1) if isinstance(target, str) else target
        return _attribute(str(logical_id), str(attribute), document["Resources"])
    if set(value) == {"Fn::Sub"}:
        argument = value["Fn::Sub"]
        if isinstance(argument, str):
            return _sub(argument, {}, document)
        text, variables = argument
        return _sub(text, {name: resolve(v, document) for name, v in variables.items()}, document)
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return str(separator).join(str(part) for part in resolve(parts, document))
    if len(value) == 1 and next(iter(value)).startswith("Fn::"):
        raise UnreadablePolicy(f"{next(iter(value))} is not known to the IAM check")
    return {key: resolve(item, document) for key, item in value.items()}


def _with_parameters(value: Any, parameters: Mapping[str, Any]) -> Any:
    """A SAM policy template's definition with its `{"Ref": <parameter>}`s replaced by the values given."""
    if isinstance(value, list):
        return [_with_parameters(item, parameters) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        return {key: _with_parameters(item, parameters) for key, item in value.items()}
    return value


# -- expanding a function's policies -----------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(entry: Any, index: int, function: str) -> list[tuple[str, dict[str, Any]]]:
    """(where it comes from, statement) for one entry of a function's `Policies:`."""
    if isinstance(entry, str):
        raise UnreadablePolicy(
            f"{function}: the managed policy {entry!r} cannot be checked; write statements"
        )
    if not isinstance(entry, dict) or len(entry) != 1:
        raise UnreadablePolicy(f"{function}: policy {index + 1} is not a policy template or statements")
    [(name, argument)] = entry.items()
    if name == "Statement":
        return [(f"Statement {index + 1}", statement) for statement in _as_list(argument)]
    templates = sam_policy_templates()
    if name not in templates:
        raise UnreadablePolicy(f"{function}: {name} is not one of SAM's policy templates")
    definition = templates[name]
    given = argument or {}
    missing = set(definition.get("Parameters", {})) - set(given)
    if missing:
        raise UnreadablePolicy(f"{function}: {name} needs {sorted(missing)}")
    label = name + (" (" + ", ".join(_label(v) for v in given.values()) + ")" if given else "")
    expanded = _with_parameters(definition["Definition"], given)
    return [(label, statement) for statement in _as_list(expanded["Statement"])]


def _label(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        return target if isinstance(target, str) else ".".join(target)
    return json.dumps(value)


def function_grants(logical_id: str, document: Mapping[str, Any] | None = None) -> list[Grant]:
    document = document or template.load()
    properties = document["Resources"][logical_id]["Properties"]
    grants = []
    for index, entry in enumerate(_as_list(properties.get("Policies", []))):
        for source, statement in _statements(entry, index, logical_id):
            unread = set(statement) - {"Effect", "Action", "Resource", "Sid"}
            if unread:
                raise UnreadablePolicy(f"{logical_id} {source}: {sorted(unread)} cannot be checked")
            effect = str(statement.get("Effect", ""))
            if effect not in ("Allow", "Deny"):
                raise UnreadablePolicy(f"{logical_id} {source}: Effect {effect!r}")
            for action in _as_list(statement["Action"]):
                for resource in _as_list(resolve(statement["Resource"], document)):
                    grants.append(Grant(logical_id, source, effect, str(action), str(resource)))
    return grants


def all_grants(document: Mapping[str, Any] | None = None) -> dict[str, list[Grant]]:
    """Every function's grants, by logical id."""
    document = document or template.load()
    return {
        logical_id: function_grants(logical_id, document)
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def allowed(call: Call, grants: Iterable[Grant]) -> bool:
    """IAM's answer: some Allow matches and no Deny does."""
    matching = [grant for grant in grants if grant.allows(call)]
    return any(g.effect == "Allow" for g in matching) and not any(g.effect == "Deny" for g in matching)
