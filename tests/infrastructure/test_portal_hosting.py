"""Where the customer portal is served: deployed, a private bucket behind a CloudFront distribution that also
routes the API's stage (infra/template.yaml); locally, the local stack's own origin (localrun/portal.py).
Both answer each page of web/routes.json with index.html, send the same security headers, and give the
portal the same configuration, from the template's parameters."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from billing_portal.i18n.brand import BrandSettings
from localrun import portal, template
from localrun.gateway import Gateway, Reply
from localrun.portal import CONTENT_SECURITY_POLICY, REFERRER_POLICY, PortalSite, portal_config

TEMPLATE = template.load()
RESOURCES = template.resources()
PARAMETERS = TEMPLATE["Parameters"]
ROUTES_JSON = json.loads((template.ROOT / "web" / "routes.json").read_text(encoding="utf-8"))["routes"]

# AWS's managed CloudFront policies, by id (the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
PORTAL_URL_PARAMETER = {"Fn::Sub": "/${AWS::StackName}/portal-url"}
PORTAL_URL_PARAMETER_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
    "/${AWS::StackName}/portal-url"
}


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {logical_id: resource for logical_id, resource in RESOURCES.items() if resource["Type"] == kind}


def properties(logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = RESOURCES[logical_id]["Properties"]
    return props


[DISTRIBUTION_ID] = of_type("AWS::CloudFront::Distribution")
DISTRIBUTION = properties(DISTRIBUTION_ID)["DistributionConfig"]
[API_ID] = of_type("AWS::Serverless::Api")
[FUNCTION_ID] = of_type("AWS::CloudFront::Function")
[HEADERS_POLICY_ID] = of_type("AWS::CloudFront::ResponseHeadersPolicy")
[ACCESS_CONTROL_ID] = of_type("AWS::CloudFront::OriginAccessControl")


def origin(origin_id: str) -> dict[str, Any]:
    [found] = [entry for entry in DISTRIBUTION["Origins"] if entry["Id"] == origin_id]
    return found


def files_origin() -> dict[str, Any]:
    return origin(DISTRIBUTION["DefaultCacheBehavior"]["TargetOriginId"])


def bucket_id() -> str:
    domain = files_origin()["DomainName"]
    assert domain["Fn::GetAtt"][1] == "RegionalDomainName"
    return str(domain["Fn::GetAtt"][0])


def api_behaviour() -> dict[str, Any]:
    [behaviour] = DISTRIBUTION["CacheBehaviors"]
    return dict(behaviour)


def references(value: Any) -> set[str]:
    """The logical ids a template value refers to (Ref, GetAtt, and names inside Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value:
            found.add(str(value["Ref"]))
        if "Fn::GetAtt" in value:
            found.add(str(value["Fn::GetAtt"][0]))
        if isinstance(value.get("Fn::Sub"), str):
            found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!][^}]*)\}", value["Fn::Sub"])}
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


# -- the bucket and how CloudFront reads it ---------------------------------------------------------------


def test_the_portals_files_are_in_a_private_bucket_of_the_stack() -> None:
    bucket = properties(bucket_id())
    # Blocking public access, encryption and TLS only are checked for every bucket in test_template.py.
    assert bucket["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
    assert "WebsiteConfiguration" not in bucket  # never a public website endpoint


def test_only_this_distribution_reads_the_bucket_and_only_its_objects() -> None:
    [policy] = [
        p
        for p in of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id()}
    ]
    allowed = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allowed == [
        {
            "Sid": "ThisDistributionReadsThePortal",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": f"${{{bucket_id()}.Arn}}/*"},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                        f"${{{DISTRIBUTION_ID}}}"
                    }
                }
            },
        }
    ]


def test_cloudfront_signs_every_request_to_the_bucket_with_origin_access_control() -> None:
    control = properties(ACCESS_CONTROL_ID)["OriginAccessControlConfig"]
    assert (
        control["OriginAccessControlOriginType"],
        control["SigningBehavior"],
        control["SigningProtocol"],
    ) == (
        "s3",
        "always",
        "sigv4",
    )
    files = files_origin()
    assert files["OriginAccessControlId"] == {"Fn::GetAtt": [ACCESS_CONTROL_ID, "Id"]}
    assert files["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy origin access identity


# -- the distribution's two behaviours --------------------------------------------------------------------


def test_the_portals_files_are_cached_compressed_and_https_only() -> None:
    default = DISTRIBUTION["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert set(default["AllowedMethods"]) == {"GET", "HEAD"}
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert default["Compress"] is True
    assert DISTRIBUTION["DefaultRootObject"] == "index.html"


def test_the_api_stage_is_on_the_portals_origin_uncached_with_the_callers_headers() -> None:
    behaviour = api_behaviour()
    assert behaviour["PathPattern"] == {"Fn::Sub": "/${StageName}/*"}
    api = origin(behaviour["TargetOriginId"])
    assert api["DomainName"] == {"Fn::Sub": f"${{{API_ID}}}.execute-api.${{AWS::Region}}.amazonaws.com"}
    assert "OriginPath" not in api  # the stage is the path's first segment, as the browser sends it
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert set(behaviour["AllowedMethods"]) == ALL_METHODS
    assert behaviour["ViewerProtocolPolicy"] == "https-only"  # a redirect would turn a POST into a GET
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    # Authorization, Accept-Language, Idempotency-Key and the query reach API Gateway; Host stays its own.
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert "FunctionAssociations" not in behaviour


def test_no_stage_name_the_template_allows_takes_a_page_of_the_portal() -> None:
    """/<StageName>/* goes to the API: a stage named as the first segment of a page with more segments
    (/activity/:id) would take that page."""
    pattern = re.compile(PARAMETERS["StageName"]["AllowedPattern"])
    assert pattern.fullmatch(PARAMETERS["StageName"]["Default"])
    for route in ROUTES_JSON.values():
        first, *rest = route.strip("/").split("/")
        if rest:
            assert not pattern.fullmatch(first), route


# -- security headers -------------------------------------------------------------------------------------


def test_both_behaviours_send_the_security_headers() -> None:
    expected = {"Ref": HEADERS_POLICY_ID}
    assert DISTRIBUTION["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == expected
    assert api_behaviour()["ResponseHeadersPolicyId"] == expected


def test_the_headers_are_the_local_stacks_with_hsts() -> None:
    security = properties(HEADERS_POLICY_ID)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"]["ContentSecurityPolicy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert security["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert "ContentTypeOptions" in security
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == REFERRER_POLICY
    assert all(header["Override"] is True for header in security.values())
    local = dict(portal.SECURITY_HEADERS)
    assert local["X-Frame-Options"] == "DENY" and local["X-Content-Type-Options"] == "nosniff"


# -- pages: the viewer-request function and the local route table agree with web/routes.json -------------


def function_code() -> str:
    code: str = properties(FUNCTION_ID)["FunctionCode"]
    return code


def test_the_function_rewrites_exactly_the_routes_of_routes_json() -> None:
    [listed] = re.findall(r"var ROUTES = (\[.*?\]);", function_code())
    assert json.loads(listed) == list(ROUTES_JSON.values())
    assert portal.routes() == tuple(ROUTES_JSON.values())


def test_the_function_runs_on_every_request_of_the_portals_files() -> None:
    [association] = DISTRIBUTION["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": [FUNCTION_ID, "FunctionARN"]},
    }
    assert properties(FUNCTION_ID)["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert properties(FUNCTION_ID)["AutoPublish"] is True


def sample_paths() -> list[str]:
    pages = [re.sub(r":\w+", "INV-100482731", route) for route in ROUTES_JSON.values()]
    others = [
        "/index.html",
        "/config.json",
        "/assets/index-7XaPsO_O.js",
        "/activity",
        "/activity/",
        "/activity/INV-1/pdf",
        "/sign-in/",
        "/sign-inx",
        "/pay/now",
        "/transactions/INV-1",
        "/favicon.ico",
        "/v1/account",
    ]
    return [*pages, "/activity/INV%2F1", "/activity/a.b", *others]


def local_page_paths(site: PortalSite) -> set[str]:
    """The sample paths the local stack answers with the portal's index page."""
    gateway = Gateway(verifier=None)  # type: ignore[arg-type]  # never asked: only routing here
    for (method, path), handler in site.routes().items():
        gateway.add_local_route(method, path, handler)
    found = set()
    for path in sample_paths():
        segments = tuple(path.split("/")[1:])
        match = gateway.table.find(segments)
        if match is not None and getattr(match[1].get("GET"), "__func__", None) is PortalSite.page:
            found.add(path)
    return found


def cloudfront_rewrites(paths: list[str]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is needed (make test builds the portal with it)")
        pytest.skip("no node on PATH to run the CloudFront function")
    harness = function_code() + (
        "\nvar paths = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(paths.map(function (uri) {\n"
        "  var request = {method: 'GET', uri: uri, querystring: {}, headers: {}, cookies: {}};\n"
        "  return handler({request: request}).uri;\n"
        "})));\n"
    )
    ran = subprocess.run(  # noqa: S603 - node, on this repository's own template
        [node, "-e", harness], input=json.dumps(paths), capture_output=True, text=True, timeout=60, check=True
    )
    rewritten: list[str] = json.loads(ran.stdout)
    return rewritten


def test_cloudfront_and_the_local_stack_serve_the_portal_at_the_same_paths(tmp_path: Path) -> None:
    paths = sample_paths()
    rewritten = dict(zip(paths, cloudfront_rewrites(paths), strict=True))
    at_cloudfront = {
        path for path, uri in rewritten.items() if uri == "/index.html" and path != "/index.html"
    }
    at_cloudfront |= {"/index.html"}
    assert {path for path, uri in rewritten.items() if uri not in ("/index.html", path)} == set()
    pages = {re.sub(r":\w+", "INV-100482731", route) for route in ROUTES_JSON.values()}
    assert pages | {"/activity/INV%2F1", "/activity/a.b"} <= at_cloudfront
    assert local_page_paths(PortalSite(portal_config(defaults()), dist=built(tmp_path))) == at_cloudfront


def test_no_page_of_the_portal_is_an_api_path() -> None:
    gateway = Gateway(verifier=None)  # type: ignore[arg-type]  # the template's routes only
    for route in ROUTES_JSON.values():
        segments = tuple(re.sub(r":\w+", "x", route).split("/")[1:])
        assert gateway.table.find(segments if segments != ("",) else ()) is None, route
    pages = [re.compile(re.sub(r":\w+", "[^/]+", page)) for page in ROUTES_JSON.values()]
    for path in (route.path for route in template.routes()):
        example = re.sub(r"\{\w+\+?\}", "x", path)
        assert not any(page.fullmatch(example) for page in pages), path


# -- the portal's address and the API's CORS: following the distribution without a cycle -----------------


def test_the_stack_outputs_the_portals_address_bucket_and_distribution() -> None:
    outputs = TEMPLATE["Outputs"]
    assert outputs["PortalUrl"]["Value"] == {"Fn::Sub": f"https://${{{DISTRIBUTION_ID}.DomainName}}/"}
    assert outputs["PortalBucketName"]["Value"] == {"Ref": bucket_id()}
    assert outputs["PortalDistributionId"]["Value"] == {"Ref": DISTRIBUTION_ID}


def test_portal_url_and_web_origin_are_optional_and_default_to_the_distribution() -> None:
    for name in ("PortalUrl", "WebOrigin"):
        assert PARAMETERS[name]["Default"] == ""
        assert re.fullmatch(PARAMETERS[name]["AllowedPattern"], "")
    [parameter] = of_type("AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Name"] == PORTAL_URL_PARAMETER
    assert parameter["Properties"]["Value"] == {
        "Fn::If": [
            "HasPortalUrl",
            {"Ref": "PortalUrl"},
            {"Fn::Sub": f"https://${{{DISTRIBUTION_ID}.DomainName}}"},
        ]
    }


EMAIL_FUNCTIONS = sorted(
    logical_id
    for logical_id, function in template.functions().items()
    if "PORTAL_URL" in function.environment
)


@pytest.mark.parametrize("logical_id", EMAIL_FUNCTIONS)
def test_functions_that_link_to_the_portal_read_its_address_by_the_parameters_name(logical_id: str) -> None:
    environment = template.functions()[logical_id].environment
    assert environment["PORTAL_URL"] == {"Ref": "PortalUrl"}
    assert environment["PORTAL_URL_PARAMETER"] == PORTAL_URL_PARAMETER
    granted = [
        statement
        for policy in properties(logical_id).get("Policies", [])
        if isinstance(policy, dict)
        for statement in policy.get("Statement", [])
        if "ssm:GetParameter" in statement["Action"]
    ]
    assert granted == [
        {"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": PORTAL_URL_PARAMETER_ARN}
    ]


def test_no_function_depends_on_the_distribution_which_depends_on_the_api() -> None:
    """The cycle the design avoids: distribution -> API -> functions -> (their settings) -> distribution."""
    assert API_ID in references(DISTRIBUTION)
    reaching_the_distribution = {DISTRIBUTION_ID} | {
        logical_id for logical_id, resource in RESOURCES.items() if DISTRIBUTION_ID in references(resource)
    }
    for logical_id in template.functions():
        assert not references(RESOURCES[logical_id]) & reaching_the_distribution, logical_id
    assert not references(RESOURCES["UserPool"]) & reaching_the_distribution  # the API's authorizer
    assert not references(properties(API_ID)) & reaching_the_distribution


# -- /config.json -----------------------------------------------------------------------------------------


def defaults() -> dict[str, str]:
    return {name: str(spec["Default"]) for name, spec in PARAMETERS.items() if "Default" in spec}


def test_the_portals_brand_comes_from_the_parameters_the_functions_brand_comes_from() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert set(variables) >= BrandSettings.env_names()
    for language, fields in portal.brand_parameters().items():
        suffix = language.upper()
        assert fields == {
            "provider": variables[f"PROVIDER_NAME_{suffix}"]["Ref"],
            "portal": variables[f"PORTAL_NAME_{suffix}"]["Ref"],
            "billingEmail": variables["BILLING_EMAIL"]["Ref"],
            "billingPhone": variables[f"BILLING_PHONE_{suffix}"]["Ref"],
        }


def test_config_json_holds_the_api_base_and_the_brand_in_both_languages() -> None:
    config = portal_config(defaults(), api_base="/v1")
    assert config == {
        "apiBase": "/v1",
        "brand": {
            "en": {
                "provider": PARAMETERS["ProviderName"]["Default"],
                "portal": PARAMETERS["PortalName"]["Default"],
                "billingEmail": PARAMETERS["BillingEmail"]["Default"],
                "billingPhone": PARAMETERS["BillingPhone"]["Default"],
            },
            "fr": {
                "provider": PARAMETERS["ProviderNameFr"]["Default"],
                "portal": PARAMETERS["PortalNameFr"]["Default"],
                "billingEmail": PARAMETERS["BillingEmail"]["Default"],
                "billingPhone": PARAMETERS["BillingPhoneFr"]["Default"],
            },
        },
    }


# -- the local stack's portal, in process -----------------------------------------------------------------

INDEX = (
    b'<!doctype html><html lang="en"><head>'
    b'<script type="module" src="/assets/index-abc123.js"></script></head></html>'
)
SCRIPT = b"console.log('portal');\n" * 200  # over the size from which text is compressed


def built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (dist / "assets" / "index-abc123.css").write_bytes(b"body{margin:0}")
    (dist / "robots.txt").write_bytes(b"User-agent: *\n")
    (tmp_path / "secret.txt").write_bytes(b"outside the build")
    return dist


class Local:
    """The gateway with the portal's routes, as the local stack adds them; API routes answer 204 uninvoked."""

    def __init__(self, dist: Path) -> None:
        self.site = PortalSite(portal_config(defaults()), dist=dist)
        self.gateway = Gateway(verifier=None)  # type: ignore[arg-type]
        for (method, path), handler in self.site.routes().items():
            self.gateway.add_local_route(method, path, handler)
        self.invoked: list[str] = []

        def invoke(route: template.Route, request: Any) -> Reply:
            self.invoked.append(route.path)
            return Reply(204)

        self.gateway._invoke = invoke  # type: ignore[method-assign]

    def get(self, target: str, method: str = "GET", **headers: str) -> Reply:
        sent = [(name.replace("_", "-"), value) for name, value in headers.items()]
        return self.gateway.handle(method, target, sent, b"", "127.0.0.1")


@pytest.fixture
def local(tmp_path: Path) -> Local:
    return Local(built(tmp_path))


@pytest.mark.parametrize("route", list(ROUTES_JSON.values()))
def test_every_page_answers_the_index_with_the_security_headers(local: Local, route: str) -> None:
    reply = local.get(re.sub(r":\w+", "INV-100482731", route))
    assert reply.status == 200
    assert reply.body == INDEX
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.header("Cache-Control") == "no-cache"
    assert reply.header("Content-Security-Policy") == CONTENT_SECURITY_POLICY
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert reply.header("Referrer-Policy") == REFERRER_POLICY
    assert reply.header("Strict-Transport-Security") is None  # deployed only


def test_a_page_of_the_portal_is_not_the_api_path_beside_it(local: Local) -> None:
    assert local.get("/activity/INV-1").body == INDEX
    assert local.invoked == []
    assert local.get("/transactions/INV-1").status == 204
    assert local.invoked == ["/transactions/{id}"]


def test_assets_are_kept_a_year_with_their_content_type(local: Local) -> None:
    script = local.get("/assets/index-abc123.js")
    assert (script.status, script.body) == (200, SCRIPT)
    assert script.header("Content-Type") == "text/javascript; charset=utf-8"
    assert script.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert script.header("X-Content-Type-Options") == "nosniff"
    assert local.get("/assets/index-abc123.css").header("Content-Type") == "text/css; charset=utf-8"
    assert local.get("/robots.txt").header("Content-Type") == "text/plain; charset=utf-8"


def test_text_is_compressed_for_a_browser_that_accepts_it(local: Local) -> None:
    reply = local.get("/assets/index-abc123.js", Accept_Encoding="gzip, deflate, br")
    assert reply.header("Content-Encoding") == "gzip"
    assert gzip.decompress(reply.body) == SCRIPT
    assert reply.header("Vary") == "Accept-Encoding"
    assert local.get("/assets/index-abc123.js", Accept_Encoding="gzip;q=0").header("Content-Encoding") is None


def test_an_unchanged_file_is_not_sent_again(local: Local) -> None:
    first = local.get("/")
    tag = first.header("ETag")
    assert tag
    again = local.get("/sign-in", If_None_Match=tag)
    assert (again.status, again.body) == (304, b"")
    assert local.get("/", If_None_Match='"something-else"').status == 200


def test_head_answers_like_get_and_other_methods_are_refused_as_the_api_refuses(local: Local) -> None:
    head = local.get("/pay", method="HEAD")
    assert head.status == 200 and head.header("Content-Type") == "text/html; charset=utf-8"
    refused = local.get("/sign-in", method="POST")
    assert refused.status == 405
    assert json.loads(refused.body)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "target",
    [
        "/assets/missing.js",
        "/assets/../../secret.txt",
        "/assets/..%2F..%2Fsecret.txt",
        "/assets/%00.js",
        "/assets/",
        "/activity",
        "/activity/INV-1/extra",
        "/no/such/page",
    ],
)
def test_anything_else_is_the_apis_json_404(local: Local, target: str) -> None:
    reply = local.get(target)
    assert reply.status == 404, reply.body
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body)["code"] == "not_found"


def test_config_json_is_the_brand_of_the_stacks_parameters_with_the_api_on_the_root_paths(
    local: Local,
) -> None:
    reply = local.get("/config.json")
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("Cache-Control") == "no-cache"
    assert reply.header("Content-Security-Policy") == CONTENT_SECURITY_POLICY
    assert json.loads(reply.body) == portal_config(defaults(), api_base="")


def test_without_a_build_the_pages_say_to_build_the_portal(tmp_path: Path) -> None:
    local = Local(tmp_path / "dist")  # never built
    for target in ("/", "/activity/INV-1", "/index.html"):
        reply = local.get(target)
        assert reply.status == 503
        assert reply.header("Content-Type") == "text/html; charset=utf-8"
        assert b"make web" in reply.body
        assert reply.header("Content-Security-Policy") == CONTENT_SECURITY_POLICY
    assert local.get("/config.json").status == 200


def test_a_build_made_while_the_stack_runs_is_served_at_once(tmp_path: Path) -> None:
    local = Local(tmp_path / "dist")
    assert local.get("/").status == 503
    built(tmp_path)
    assert local.get("/").status == 200
