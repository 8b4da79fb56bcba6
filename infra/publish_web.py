"""`make deploy`'s last step: put the built customer portal (web/dist) where the deployed stack serves it.

    .venv/bin/python infra/publish_web.py [--stack-name NAME] [--region REGION]

1. Reads the stack's outputs (the portal's bucket, distribution and address) and parameters.
2. Writes web/dist/config.json from those parameters, as the local stack makes its own (localrun/portal.py):
   the API under `/<StageName>` on the portal's origin, and the brand the functions' messages use.
3. Uploads web/dist: the content-hashed assets first, kept a year by browsers and CloudFront; then
   config.json and index.html, which browsers ask again on every load, so that no page ever names an asset
   not yet uploaded. Assets of earlier builds stay a day for pages still open on them, then are removed (the
   bucket's versioning keeps them a month more).
4. Invalidates what CloudFront may still hold of the files that are not content-hashed.

The stack name and region default to those `sam deploy --guided` saved in samconfig.toml.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from localrun.portal import ASSETS_DIR, cache_control, content_type, portal_config

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
SAMCONFIG = ROOT / "samconfig.toml"
CONFIG_KEY = "config.json"
# An asset of an earlier build is removed once no open page can still ask for it.
OLD_ASSETS_KEPT = timedelta(days=1)
# Uploaded last, in this order: what names the other files.
LAST = (CONFIG_KEY, "index.html")


@dataclass(frozen=True)
class Stack:
    bucket: str
    distribution_id: str
    portal_url: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str


def read_stack(cloudformation: Any, name: str) -> Stack:
    [described] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])}
    missing = sorted({"PortalBucketName", "PortalDistributionId", "PortalUrl"} - set(outputs))
    if missing:
        raise SystemExit(
            f"Stack {name} has no output {', '.join(missing)}: deploy infra/template.yaml first."
        )
    return Stack(
        outputs["PortalBucketName"], outputs["PortalDistributionId"], outputs["PortalUrl"], parameters
    )


def write_config(stack: Stack, dist: Path = DIST) -> Path:
    """web/dist/config.json: the API is the stage's path on the portal's own origin (CloudFront routes it)."""
    config = portal_config(stack.parameters, api_base=f"/{stack.parameters['StageName']}")
    path = dist / CONFIG_KEY
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def require_build(dist: Path) -> None:
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} holds no built portal: run make web first.")


def uploads(dist: Path = DIST) -> list[Upload]:
    """Every file of the build, in the order it is uploaded: assets first, then the rest, LAST last."""
    require_build(dist)
    found = [
        Upload(key, path, content_type(key), cache_control(key))
        for path in sorted(dist.rglob("*"))
        if path.is_file()
        for key in [path.relative_to(dist).as_posix()]
    ]
    return sorted(
        found, key=lambda upload: (LAST.index(upload.key) if upload.key in LAST else -1, upload.key)
    )


def upload_all(s3: Any, bucket: str, files: Iterable[Upload]) -> None:
    for upload in files:
        with upload.path.open("rb") as body:
            s3.put_object(
                Bucket=bucket,
                Key=upload.key,
                Body=body,
                ContentType=upload.content_type,
                CacheControl=upload.cache_control,
            )


def remove_old_assets(s3: Any, bucket: str, current: set[str], now: datetime) -> list[str]:
    """Assets no longer in the build and older than OLD_ASSETS_KEPT; returns their keys."""
    old = [
        found["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{ASSETS_DIR}/")
        for found in page.get("Contents", [])
        if found["Key"] not in current and now - found["LastModified"] > OLD_ASSETS_KEPT
    ]
    for start in range(0, len(old), 1000):  # DeleteObjects takes up to 1000 keys
        s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in old[start : start + 1000]], "Quiet": True},
        )
    return old


def invalidate(cloudfront: Any, distribution_id: str, files: Iterable[Upload]) -> str:
    """CloudFront's copies of the files that are not content-hashed (a page's address is /index.html there:
    the viewer-request function rewrites it before the cache is looked up). Returns the invalidation's id."""
    paths = sorted({f"/{upload.key}" for upload in files if not upload.key.startswith(f"{ASSETS_DIR}/")})
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"publish-web-{time.time_ns()}",
        },
    )
    return str(answer["Invalidation"]["Id"])


def publish(session: Any, stack_name: str, dist: Path = DIST, now: datetime | None = None) -> Stack:
    stack = read_stack(session.client("cloudformation"), stack_name)
    require_build(dist)
    write_config(stack, dist)
    files = uploads(dist)
    s3 = session.client("s3")
    upload_all(s3, stack.bucket, files)
    removed = remove_old_assets(s3, stack.bucket, {upload.key for upload in files}, now or datetime.now(UTC))
    invalidation = invalidate(session.client("cloudfront"), stack.distribution_id, files)
    print(f"Uploaded {len(files)} files to s3://{stack.bucket}; removed {len(removed)} assets of old builds.")
    print(f"Invalidation {invalidation} of distribution {stack.distribution_id} under way (a minute or two).")
    print(f"Customer portal: {stack.portal_url}")
    return stack


def saved_deploy_settings(path: Path = SAMCONFIG) -> dict[str, str]:
    """stack_name and region from samconfig.toml (`sam deploy --guided` writes it), when there is one."""
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        saved = tomllib.load(handle)
    deploy = saved.get("default", {}).get("deploy", {}).get("parameters", {})
    return {name: str(deploy[name]) for name in ("stack_name", "region") if name in deploy}


def main(argv: list[str] | None = None) -> int:
    saved = saved_deploy_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--stack-name", default=saved.get("stack_name"), help="default: samconfig.toml's")
    parser.add_argument(
        "--region", default=saved.get("region"), help="default: samconfig.toml's, or AWS_REGION"
    )
    arguments = parser.parse_args(argv)
    if not arguments.stack_name:
        parser.error("no stack name: pass --stack-name, or deploy with `sam deploy --guided` first")
    publish(boto3.Session(region_name=arguments.region), arguments.stack_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
