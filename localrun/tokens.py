"""The Cognito authorizer of the local stack: verifies an id token the way API Gateway's Cognito user pool
authorizer does (signature against the pool's JWKS, issuer, audience, token use, expiry) and hands back
its claims."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Collection
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

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
