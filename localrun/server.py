"""`make run`: moto in server mode, the template's resources, the demo data, then the customer portal
(web/dist) and the API on http://127.0.0.1:$PORT (default 3000), one origin, until Ctrl-C."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from moto.server import ThreadedMotoServer

from billing_portal.shared import aws
from localrun import demo, openapi, outbox, resources, stand_ins, template
from localrun.gateway import Gateway, GatewayServer, LocalHandler, Reply, Request, json_reply
from localrun.portal import PortalSite, portal_config
from localrun.queues import QueuePollers
from localrun.streams import StreamFeeder
from localrun.tokens import CognitoTokenVerifier, install_in_moto

HOST = "127.0.0.1"
DEFAULT_PORT = 3000
REGION = resources.REGION
# The pause before a failed stream batch is retried, so that a failing notifier does not spin.
STREAM_RETRY_DELAY_SECONDS = 1.0
# moto keys its data by the access key's account; these map to its default account, which the outbox
# reads. The local stack never talks to AWS, so nobody's real credentials are needed or used.
FAKE_CREDENTIALS = dict.fromkeys(
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "testing"
)

logger = logging.getLogger("localrun")


class StartupError(RuntimeError):
    """The stack cannot start; the message says why, for the console."""


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's own access log
    # Ctrl-C and `kill` stop the stack cleanly, even when started in the background of a shell script,
    # which would otherwise ignore SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    moto: ThreadedMotoServer | None = None
    server: GatewayServer | None = None
    pollers: QueuePollers | None = None
    feeder: StreamFeeder | None = None
    try:
        port = _port(os.environ.get("PORT"))
        # Bound now, listening only once everything is ready: a busy port fails at once, not after loading.
        server = _bind(port)
        moto = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        moto.start()
        install_in_moto()  # tokens last what the template says, and can be revoked
        moto_host, moto_port = moto.get_host_and_port()
        use_local_aws(f"http://{moto_host}:{moto_port}")
        base_url = f"http://{HOST}:{server.server_address[1]}"
        # The emails' links point at this server: the local stand-in of the web portal's address.
        physical = resources.create_all(parameters={"PortalUrl": base_url, "WebOrigin": base_url})
        os.environ.update(function_environment(physical))
        summary = demo.load(physical)
        gateway = Gateway(
            authorizer(physical, f"http://{moto_host}:{moto_port}"), local_routes(base_url, physical)
        )
        # The portal on the API's origin, its API base the root paths, its brand the template's parameters.
        site = PortalSite(portal_config(physical, api_base=""))
        stand_in_routes = {
            **stand_ins.processor_routes(base_url),
            **stand_ins.schedule_routes(gateway.invoke),
            **stand_ins.internal_function_routes(gateway.invoke),
        }
        for (method, path), handler in {**site.routes(), **stand_in_routes}.items():
            gateway.add_local_route(method, path, handler)
        gateway.load_functions()
        pollers = QueuePollers(physical, gateway.invoke, REGION)
        pollers.start()
        # Made after the demo data is loaded: the stream mappings start at LATEST, as when deployed.
        feeder = StreamFeeder(
            physical, gateway.invoke, REGION, retry_delay_seconds=STREAM_RETRY_DELAY_SECONDS
        )
        feeder.start()
        server.gateway = gateway
        server.server_activate()
        # The first line `make run` prints: the address a person opens.
        print(f"Customer portal: {base_url}/", flush=True)
        if not site.built:
            print(f"  not built ({site.dist} is missing): `make web` builds it; 503 until then", flush=True)
        print(f"Billing portal API on {base_url}  (OpenAPI: {base_url}/openapi.json)", flush=True)
        print(f"Emails sent so far: {base_url}/_local/outbox", flush=True)
        print(
            f"Card processor sandbox: {base_url}/_local/processor/tokenize, /settle, /charges; "
            f"Auto Pay now: POST {base_url}/_local/schedules/autopay",
            flush=True,
        )
        for line in pollers.describe():
            print(f"Queue consumer: {line}", flush=True)
        for line in feeder.describe():
            print(f"Stream consumer: {line}", flush=True)
        for line in summary.describe():
            print(line, flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    except StartupError as error:
        print(f"Cannot start the local stack: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        if feeder is not None:
            feeder.stop()
        if pollers is not None:
            pollers.stop()
        if server is not None:
            server.server_close()
        if moto is not None:
            moto.stop()
    return 0


def _port(value: str | None) -> int:
    if value is None or value.strip() == "":
        return DEFAULT_PORT
    if not value.strip().isdigit() or int(value) > 65535:
        raise StartupError(f"PORT must be a port number, not {value!r}.")
    return int(value)


def _bind(port: int) -> GatewayServer:
    try:
        return GatewayServer((HOST, port), bind_and_activate=False).bound()
    except OSError as error:
        raise StartupError(
            f"{HOST}:{port} is not free ({error.strerror}); set PORT to another port."
        ) from None


def use_local_aws(endpoint_url: str) -> None:
    """Point every boto3 client of this process (the functions' included) at the local moto server."""
    for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]:
        del os.environ[name]  # a service-specific endpoint would win over the local one
    os.environ.pop("AWS_PROFILE", None)
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_REGION"] = REGION
    aws.reset()


def function_environment(physical: Mapping[str, str]) -> dict[str, str]:
    """Every function's environment variables together; one process serves them all, so a name that two
    functions set to different values could not be honoured and stops the start."""
    merged: dict[str, str] = {}
    for logical_id, environment in resources.function_environments(dict(physical)).items():
        for name, value in environment.items():
            if merged.setdefault(name, value) != value:
                raise StartupError(f"{logical_id} sets {name}={value!r}, another function {merged[name]!r}")
    return merged


def authorizer(physical: Mapping[str, str], endpoint_url: str) -> CognitoTokenVerifier:
    """The Cognito authorizer of the template's API: its user pool, and that pool's app clients."""
    defined = template.resources()
    pools = {
        _get_att_target(authorizer.get("UserPoolArn"))
        for resource in defined.values()
        if resource["Type"] == "AWS::Serverless::Api"
        for authorizer in resource["Properties"].get("Auth", {}).get("Authorizers", {}).values()
    } - {None}
    if len(pools) != 1:
        raise StartupError(
            f"the API needs exactly one Cognito user pool authorizer, found {sorted(map(str, pools))}"
        )
    pool = str(pools.pop())
    clients = sorted(
        physical[logical_id]
        for logical_id, resource in defined.items()
        if resource["Type"] == "AWS::Cognito::UserPoolClient"
        and resource["Properties"].get("UserPoolId") == {"Ref": pool}
    )
    return CognitoTokenVerifier(endpoint_url, REGION, physical[pool], clients)


def snapshot(physical: Mapping[str, str]) -> dict[str, Any]:
    """Everything the stack stores, to compare before and after, or to search: every item of every table
    (in DynamoDB's JSON) and every object of every bucket (key, size and ETag), by logical id."""
    kinds = {logical_id: resource["Type"] for logical_id, resource in template.resources().items()}
    tables: dict[str, list[Any]] = {}
    buckets: dict[str, dict[str, Any]] = {}
    for logical_id, kind in sorted(kinds.items()):
        if kind == "AWS::DynamoDB::Table":
            pages = aws.client("dynamodb").get_paginator("scan").paginate(TableName=physical[logical_id])
            items = [item for page in pages for item in page["Items"]]
            tables[logical_id] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        elif kind == "AWS::S3::Bucket":
            pages = aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=physical[logical_id])
            buckets[logical_id] = {
                found["Key"]: {"size": found["Size"], "etag": found["ETag"]}
                for page in pages
                for found in page.get("Contents", [])
            }
    return {"tables": tables, "buckets": buckets}


def _get_att_target(value: Any) -> str | None:
    """`!GetAtt UserPool.Arn` -> UserPool."""
    if isinstance(value, dict) and isinstance(value.get("Fn::GetAtt"), list):
        return str(value["Fn::GetAtt"][0])
    return None


def local_routes(base_url: str, physical: Mapping[str, str]) -> dict[tuple[str, str], LocalHandler]:
    """The local stack's own endpoints; none of them is deployed."""
    document = json.dumps(openapi.build_document(base_url), ensure_ascii=False).encode()

    def health(_: Request) -> Reply:
        return json_reply(200, {"status": "ok"})

    def openapi_document(_: Request) -> Reply:
        return Reply(200, (("Content-Type", "application/json"),), document)

    def sent_emails(_: Request) -> Reply:
        return json_reply(200, {"items": outbox.items()})

    def stored_data(_: Request) -> Reply:
        return json_reply(200, snapshot(physical))

    return {
        ("GET", "/_local/snapshot"): stored_data,
        ("GET", "/health"): health,
        ("GET", "/openapi.json"): openapi_document,
        ("GET", "/_local/outbox"): sent_emails,
    }
