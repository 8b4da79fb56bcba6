"""Loads each function's `app.py` the way Lambda would, under a module name of its own (every function's
module is called `app`). Lambda runs a function in as many execution environments as it has concurrent
requests, each with its own copy of the module; `environment` numbers those copies. Every invocation runs
inside `aws_calls.calls_made_by(<logical id>)`, so that the AWS calls it makes are known to be its own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from functools import cache, wraps
from types import ModuleType
from typing import Any

from localrun import aws_calls, template

Handler = Callable[[dict[str, Any], Any], Any]

# The test session asks for the calls to be recorded (tests/iam); so may anyone running the local stack.
aws_calls.install_from_environment()


def module(logical_id: str, environment: int = 0) -> ModuleType:
    return _load(logical_id, environment)  # one cache key however it is called


@cache
def _load(logical_id: str, environment: int) -> ModuleType:
    function = template.functions()[logical_id]
    name = f"functions_{function.code_dir.name}_app" + (f"_{environment}" if environment else "")
    spec = importlib.util.spec_from_file_location(name, function.module_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {function.module_file}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def handler(logical_id: str, environment: int = 0) -> Handler:
    function = template.functions()[logical_id]
    found: Handler = getattr(module(logical_id, environment), function.handler_name)
    return _invoked_as(logical_id, found)


def _invoked_as(logical_id: str, found: Handler) -> Handler:
    @wraps(found)
    def invoke(event: dict[str, Any], context: Any) -> Any:
        with aws_calls.calls_made_by(logical_id):
            return found(event, context)

    return invoke


class LambdaContext:
    """The parts of Lambda's context object that Powertools reads."""

    def __init__(self, function_name: str, request_id: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:ca-central-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000
