"""`make deploy`'s upload of the portal (infra/publish_web.py), against moto: a stack with the template's
portal outputs and parameters, its bucket and its distribution."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localrun import template
from localrun.portal import portal_config

REGION = "ca-central-1"
STACK = "billing-portal-test"
BRAND = {
    "ProviderName": "Northwind Telecom",
    "ProviderNameFr": "Northwind Télécom",
    "PortalName": "Customer Portal",
    "PortalNameFr": "Portail client",
    "BillingEmail": "billing@northwind.example",
    "BillingPhone": "1-800-555-0100",
    "BillingPhoneFr": "1 800 555-0100",
}


def load_publisher() -> ModuleType:
    path = template.ROOT / "infra" / "publish_web.py"
    spec = importlib.util.spec_from_file_location("publish_web", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("publish_web", module)
    spec.loader.exec_module(module)
    return module


publish_web = load_publisher()


def stack_template(distribution_id: str) -> str:
    """The deployed stack as publish_web.py reads it: the template's portal outputs, and its parameters."""
    parameters = {name: {"Type": "String", "Default": value} for name, value in BRAND.items()}
    parameters["StageName"] = {"Type": "String", "Default": "v2"}
    return json.dumps(
        {
            "Parameters": parameters,
            "Resources": {"PortalWebBucket": {"Type": "AWS::S3::Bucket"}},
            "Outputs": {
                "PortalBucketName": {"Value": {"Ref": "PortalWebBucket"}},
                "PortalDistributionId": {"Value": distribution_id},
                "PortalUrl": {"Value": "https://d111111abcdef8.cloudfront.net/"},
            },
        }
    )


@pytest.fixture
def deployed() -> Iterator[dict[str, Any]]:
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        distribution = session.client("cloudfront").create_distribution(
            DistributionConfig={
                "CallerReference": "test",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "portal-files",
                            "DomainName": "bucket.s3.ca-central-1.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "portal-files",
                    "ViewerProtocolPolicy": "https-only",
                },
            }
        )["Distribution"]
        cloudformation = session.client("cloudformation")
        cloudformation.create_stack(StackName=STACK, TemplateBody=stack_template(distribution["Id"]))
        outputs = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
        bucket = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "PortalBucketName")
        yield {"session": session, "bucket": bucket, "distribution": distribution["Id"]}


def build(dist: Path, asset: str = "index-new.js") -> Path:
    (dist / "assets").mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text(f'<script type="module" src="/assets/{asset}"></script>')
    (dist / "assets" / asset).write_text("console.log('new');")
    (dist / "assets" / "index-new.css").write_text("body{margin:0}")
    return dist


def objects(session: Any, bucket: str) -> dict[str, dict[str, Any]]:
    s3 = session.client("s3")
    keys = [found["Key"] for found in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


def test_the_build_and_its_configuration_are_uploaded_with_their_types_and_caching(
    deployed: dict[str, Any], tmp_path: Path
) -> None:
    dist = build(tmp_path / "dist")
    publish_web.publish(deployed["session"], STACK, dist)

    stored = objects(deployed["session"], deployed["bucket"])
    assert set(stored) == {"index.html", "config.json", "assets/index-new.js", "assets/index-new.css"}
    assert stored["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert stored["index.html"]["CacheControl"] == "no-cache"
    assert stored["config.json"]["CacheControl"] == "no-cache"
    assert stored["assets/index-new.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert stored["assets/index-new.js"]["CacheControl"] == "public, max-age=31536000, immutable"
    assert stored["assets/index-new.css"]["ContentType"] == "text/css; charset=utf-8"
    config = json.loads(stored["config.json"]["Body"].read())
    assert config == portal_config({**BRAND, "StageName": "v2"}, api_base="/v2")
    assert config["apiBase"] == "/v2"
    assert config["brand"]["fr"]["provider"] == "Northwind Télécom"


def test_the_files_that_name_the_others_are_uploaded_last(tmp_path: Path) -> None:
    dist = build(tmp_path / "dist")
    (dist / "config.json").write_text("{}")
    (dist / "robots.txt").write_text("")
    keys = [upload.key for upload in publish_web.uploads(dist)]
    assert keys[-2:] == ["config.json", "index.html"]
    assert keys.index("assets/index-new.js") < keys.index("robots.txt")


def test_what_is_not_content_hashed_is_invalidated(deployed: dict[str, Any], tmp_path: Path) -> None:
    publish_web.publish(deployed["session"], STACK, build(tmp_path / "dist"))

    cloudfront = deployed["session"].client("cloudfront")
    [listed] = cloudfront.list_invalidations(DistributionId=deployed["distribution"])["InvalidationList"][
        "Items"
    ]
    batch = cloudfront.get_invalidation(DistributionId=deployed["distribution"], Id=listed["Id"])
    assert sorted(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]) == [
        "/config.json",
        "/index.html",
    ]


def test_assets_of_an_earlier_build_stay_a_day_then_go(deployed: dict[str, Any], tmp_path: Path) -> None:
    session, bucket = deployed["session"], deployed["bucket"]
    publish_web.publish(session, STACK, build(tmp_path / "first", asset="index-old.js"))

    publish_web.publish(session, STACK, build(tmp_path / "second"))
    assert "assets/index-old.js" in objects(session, bucket)  # a page opened before may still ask for it

    later = datetime.now(UTC) + timedelta(days=2)
    publish_web.publish(session, STACK, build(tmp_path / "third"), now=later)
    assert set(objects(session, bucket)) == {
        "index.html",
        "config.json",
        "assets/index-new.js",
        "assets/index-new.css",
    }


def test_without_a_build_nothing_is_uploaded(deployed: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make web"):
        publish_web.publish(deployed["session"], STACK, tmp_path / "missing")
    assert objects(deployed["session"], deployed["bucket"]) == {}


def test_the_stack_and_region_default_to_what_sam_deploy_saved(tmp_path: Path) -> None:
    saved = tmp_path / "samconfig.toml"
    saved.write_text(
        'version = 0.1\n[default.deploy.parameters]\nstack_name = "portal-prod"\nregion = "ca-central-1"\n'
    )
    assert publish_web.saved_deploy_settings(saved) == {"stack_name": "portal-prod", "region": "ca-central-1"}
    assert publish_web.saved_deploy_settings(tmp_path / "none.toml") == {}
