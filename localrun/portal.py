"""The customer portal's hosting rules, the same locally and deployed: which paths are the portal's pages
(web/routes.json), what `/config.json` says, the security headers, and each file's content type and caching.

Locally, `PortalSite` serves the built portal (web/dist) from the API's own origin, beside the API's root
paths: every page's address answers index.html (so reloading any page works), `/assets/*` the hashed
files, `/config.json` the portal's configuration, made from the template's parameters as the functions'
brand settings are. Deployed, CloudFront does the same (infra/template.yaml: the viewer-request function
holds the same routes, the response headers policy the same headers) and `infra/publish_web.py` uploads
web/dist with these content types and caching, and writes config.json from the deployed stack's parameters.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from localrun import template
from localrun.gateway import LocalHandler, Reply, Request, error_reply

WEB = template.ROOT / "web"
DIST = WEB / "dist"
ROUTES_FILE = WEB / "routes.json"
LANGUAGES = ("en", "fr")

# What the portal may load and from where: itself only (no inline script or style, no third party). The
# distribution's response headers policy sends the same (tests/infrastructure keep them equal).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
# Deployed, CloudFront adds Strict-Transport-Security too; over the local stack's plain HTTP it means nothing.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", REFERRER_POLICY),
)

# Vite names each built asset by a hash of its content: a new build is new names, so they are kept a year.
# Everything else (index.html, config.json) is asked again on every load, so a deploy shows at once.
ASSETS_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Compressed as CloudFront compresses (text, from 1 KB): Lighthouse measures the local portal as served.
COMPRESSED_TYPES = ("text/", "application/json", "application/manifest+json", "image/svg+xml")
COMPRESS_FROM_BYTES = 1024
MAX_COMPRESSED = 64  # contents kept compressed in memory: a build's few files, several builds over

_ROUTE_PARAMETER = re.compile(r":([A-Za-z0-9_]+)")

NOT_BUILT_PAGE = b"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Customer portal not built</title></head>
<body>
<h1>The customer portal is not built yet</h1>
<p>Build it with <code>make web</code> (<code>make run</code> builds it before starting the stack), then
reload this page. The API answers meanwhile.</p>
</body>
</html>
"""


# -- what both hosts share -------------------------------------------------------------------------------


@cache
def routes(path: Path = ROUTES_FILE) -> tuple[str, ...]:
    """The portal's page patterns, as web/routes.json writes them (`/activity/:id`)."""
    table = json.loads(path.read_text(encoding="utf-8"))["routes"]
    return tuple(str(pattern) for pattern in table.values())


def gateway_path(pattern: str) -> str:
    """A page pattern in the route table's notation: `/activity/:id` is `/activity/{id}`."""
    return _ROUTE_PARAMETER.sub(lambda found: "{" + found.group(1) + "}", pattern)


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), DEFAULT_CONTENT_TYPE)


def cache_control(key: str) -> str:
    """How long a browser (and CloudFront) keeps a file of the build, by its path in web/dist."""
    return IMMUTABLE if PurePosixPath(key).parts[:1] == (ASSETS_DIR,) else REVALIDATE


@cache
def brand_parameters() -> dict[str, dict[str, str]]:
    """Which template parameter gives each brand field of config.json, in each language: the parameter the
    functions' own brand settings come from (Globals: PROVIDER_NAME_EN is !Ref ProviderName, ...), so the
    portal and the API's messages can never name the provider differently."""
    variables = template.load()["Globals"]["Function"]["Environment"]["Variables"]

    def parameter(variable: str) -> str:
        value = variables[variable]
        if not (isinstance(value, dict) and set(value) == {"Ref"}):
            raise ValueError(f"Globals sets {variable} to {value!r}, not to a parameter")
        return str(value["Ref"])

    return {
        language: {
            "provider": parameter(f"PROVIDER_NAME_{language.upper()}"),
            "portal": parameter(f"PORTAL_NAME_{language.upper()}"),
            "billingEmail": parameter("BILLING_EMAIL"),
            "billingPhone": parameter(f"BILLING_PHONE_{language.upper()}"),
        }
        for language in LANGUAGES
    }


def portal_config(parameters: Mapping[str, str], api_base: str = "") -> dict[str, Any]:
    """`/config.json`: where the API is (`""` on the local stack's root paths, `/<StageName>` behind
    CloudFront) and whose portal this is, from the stack's parameter values."""
    return {
        "apiBase": api_base,
        "brand": {
            language: {field: parameters[name] for field, name in fields.items()}
            for language, fields in brand_parameters().items()
        },
    }


# -- the local host ----------------------------------------------------------------------------------------


class PortalSite:
    """web/dist as the local stack serves it. The files are read at each request, so a `make web` while the
    stack runs shows on the next reload; until web/dist is built, the pages answer a 503 that says so."""

    def __init__(self, config: Mapping[str, Any], dist: Path = DIST) -> None:
        self.dist = dist
        self.config = json.dumps(config, ensure_ascii=False, indent=2).encode()
        self._compressed: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return (self.dist / "index.html").is_file()

    def routes(self) -> dict[tuple[str, str], LocalHandler]:
        """GET and HEAD of each page, of /index.html, /config.json and /assets/..., and of the other files
        at the build's top level when the stack starts (what Vite copies from web/public)."""
        handlers: dict[str, LocalHandler] = {gateway_path(pattern): self.page for pattern in routes()}
        handlers["/index.html"] = self.page
        handlers["/config.json"] = self.configuration
        handlers[f"/{ASSETS_DIR}/{{path+}}"] = self.asset
        if self.dist.is_dir():
            for found in sorted(self.dist.iterdir()):
                if found.is_file() and found.name not in ("index.html", "config.json"):
                    handlers[f"/{found.name}"] = self.top_level_file
        return {(method, path): handler for path, handler in handlers.items() for method in ("GET", "HEAD")}

    # -- handlers ----------------------------------------------------------------------------------------

    def page(self, request: Request) -> Reply:
        if not self.built:
            return Reply(
                503,
                (("Content-Type", CONTENT_TYPES[".html"]), ("Cache-Control", "no-store"), *SECURITY_HEADERS),
                NOT_BUILT_PAGE,
            )
        return self._file(request, "index.html")

    def configuration(self, request: Request) -> Reply:
        return self._answer(request, self.config, "application/json", REVALIDATE)

    def asset(self, request: Request) -> Reply:
        return self._file(request, f"{ASSETS_DIR}/{request.path_parameters['path']}")

    def top_level_file(self, request: Request) -> Reply:
        return self._file(request, request.path.lstrip("/"))

    # -- files -------------------------------------------------------------------------------------------

    def _file(self, request: Request, key: str) -> Reply:
        found = self._inside_dist(key)
        if found is None:
            return _not_found(request)
        try:
            body = found.read_bytes()
        except OSError:
            return _not_found(request)  # removed by a build in progress
        return self._answer(request, body, content_type(key), cache_control(key))

    def _inside_dist(self, key: str) -> Path | None:
        """The file of web/dist at `key`; None for anything else, a path that climbs out of it included."""
        try:
            root = self.dist.resolve()
            found = (root / key).resolve()
        except (OSError, ValueError):  # ValueError: a NUL byte in the path
            return None
        if not found.is_relative_to(root) or not found.is_file():
            return None
        return found

    def _answer(self, request: Request, body: bytes, kind: str, caching: str) -> Reply:
        gzipped = (
            _accepts_gzip(request) and kind.startswith(COMPRESSED_TYPES) and len(body) >= COMPRESS_FROM_BYTES
        )
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + ('-gzip"' if gzipped else '"')
        headers = [
            ("Content-Type", kind),
            ("Cache-Control", caching),
            ("ETag", tag),
            ("Vary", "Accept-Encoding"),
            *SECURITY_HEADERS,
        ]
        if tag in _listed(request.header("If-None-Match")):
            return Reply(304, tuple(headers))
        if gzipped:
            body = self._gzip(tag, body)
            headers.append(("Content-Encoding", "gzip"))
        return Reply(200, tuple(headers), body)

    def _gzip(self, tag: str, body: bytes) -> bytes:
        """Each content (its ETag) is compressed once; forgotten wholesale now and then, as builds come."""
        with self._lock:
            if tag not in self._compressed:
                if len(self._compressed) >= MAX_COMPRESSED:
                    self._compressed.clear()
                self._compressed[tag] = gzip.compress(body, compresslevel=6, mtime=0)
            return self._compressed[tag]


def _accepts_gzip(request: Request) -> bool:
    for coding in (request.header("Accept-Encoding") or "").split(","):
        name, _, weight = coding.strip().partition(";")
        refused = weight.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        if name.strip().lower() in ("gzip", "*") and not refused:
            return True
    return False


def _listed(if_none_match: str | None) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",") if tag.strip()}


def _not_found(request: Request) -> Reply:
    """As the gateway answers a path it has no resource at."""
    return error_reply(404, f"There is no resource at {request.path}.", "not_found")
