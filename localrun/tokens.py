"""Cognito tokens in the local stack: the authorizer, which verifies an id token the way API Gateway's
Cognito user pool authorizer does (signature against the pool's JWKS, issuer, audience, token use, expiry)
and hands back its claims; and moto's user pool made to issue and revoke tokens as Cognito does (see
`install_in_moto`)."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import urllib.request
from collections.abc import Collection, Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

ALGORITHMS = ("RS256",)
# A Cognito id token with every standard attribute is a few kilobytes; anything far bigger is not one.
MAX_TOKEN_LENGTH = 16_384


class InvalidToken(Exception):
    """The request is not signed in: no token, or one that this user pool did not issue or that expired."""


class CognitoTokenVerifier:
    def __init__(
        self, endpoint_url: str, region: str, user_pool_id: str, client_ids: Collection[str]
    ) -> None:
        self.jwks_url = f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json"
        # The issuer moto writes into its tokens, which is the one real Cognito writes too.
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_ids = sorted(client_ids)  # the pool's app clients: a token of another pool's is refused
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def keys(self) -> KeySet:
        """The pool's public keys, fetched once (API Gateway caches them too)."""
        with self._lock:
            if self._keys is None:
                # The JWKS URL is the local moto server's, built from AWS_ENDPOINT_URL: loopback only.
                with urllib.request.urlopen(self.jwks_url, timeout=5) as response:  # noqa: S310  # nosec B310
                    self._keys = KeySet.import_key_set(json.load(response))
            return self._keys

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the `Authorization: Bearer <id token>` header value."""
        if not authorization:
            raise InvalidToken("missing Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer":
            raise InvalidToken("the Authorization header must be `Bearer <id token>`")
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise InvalidToken("not a signed JWT")
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "values": self.client_ids},
            token_use={"essential": True, "value": "id"},
            exp={"essential": True},
        )
        try:
            decoded = jwt.decode(token, self.keys(), algorithms=list(ALGORITHMS))
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as error:
            # ValueError and TypeError: base64 or JSON garbage in a segment, or a claim of the wrong type.
            raise InvalidToken(str(error) or type(error).__name__) from None
        return dict(decoded.claims)


# -- moto's user pool, as Cognito ------------------------------------------------------------------------

_INSTALLED = "_portal_tokens_as_cognito"
_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_TOKEN_NAMES = {"id": "IdToken", "access": "AccessToken"}


def install_in_moto() -> None:
    """Make moto's user pool (in this process: moto in-process, or the local stack's moto server thread)
    behave as Cognito does where the portal depends on it:

    - an id or access token lasts what its app client says (`IdTokenValidity` and `TokenValidityUnits`,
      which the stack's resources take from infra/template.yaml), where moto always gives an hour;
    - RevokeToken, which moto does not have, revokes a refresh token of the app client and the access
      tokens issued from it, so that refreshing with it is refused afterwards, as after a global sign-out.
    """
    if getattr(CognitoIdpUserPool, _INSTALLED, False):
        return
    issue = CognitoIdpUserPool.create_jwt

    def create_jwt(
        self: CognitoIdpUserPool,
        client_id: str,
        username: str,
        token_use: str,
        expires_in: int = 60 * 60,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        client = self.clients.get(client_id)
        if client is not None and token_use in _TOKEN_NAMES:
            expires_in = token_validity_seconds(client.extended_config, token_use)
        return issue(self, client_id, username, token_use, expires_in, extra_data)

    CognitoIdpUserPool.create_jwt = create_jwt  # type: ignore[method-assign]
    CognitoIdpResponse.revoke_token = _revoke_token  # type: ignore[attr-defined]
    setattr(CognitoIdpUserPool, _INSTALLED, True)


def token_validity_seconds(client_config: Mapping[str, Any], token_use: str) -> int:
    """How long an app client's id or access tokens last; Cognito's default is an hour."""
    name = _TOKEN_NAMES[token_use]
    value = client_config.get(f"{name}Validity")
    if value is None:
        return 60 * 60
    unit = (client_config.get("TokenValidityUnits") or {}).get(name, "hours")
    return int(value) * _SECONDS[unit]


class UnsupportedOperationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


def _revoke_token(self: CognitoIdpResponse) -> ActionResult:
    client_id = str(self._get_param("ClientId"))
    token = str(self._get_param("Token"))
    # RevokeToken is signed by nobody (a client calls it with its refresh token): found by the client id.
    backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    for pool in backend.user_pools.values():
        client = pool.clients.get(client_id)
        if client is None:
            continue
        if not client.extended_config.get("EnableTokenRevocation", True):
            raise UnsupportedOperationException("Token revocation is not enabled for this app client.")
        issued = pool.refresh_tokens.get(token)
        if issued is not None and issued[0] == client_id:
            origin = issued[2]
            pool.refresh_tokens[token] = None
            for access_token in list(pool.access_tokens):
                if _payload(access_token).get("origin_jti") == origin:
                    del pool.access_tokens[access_token]
        # A token this client did not issue, or one revoked already, leaves nothing to revoke.
        return EmptyResult()
    raise ResourceNotFoundError(client_id)


def _payload(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified: only to find what moto itself issued."""
    try:
        segment = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}
