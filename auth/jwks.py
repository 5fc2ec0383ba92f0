"""The identity provider's key set, fetched with a bound on its size.

PyJWT's client reads the whole reply into memory before parsing it: whoever answers at the
key set's address (the provider, or anyone between) could send without end, in reads each
inside the timeout, on every refresh. Here the reply is read in chunks and refused past
`MOST_JWKS_BYTES`, or past the fetch's timeout in all, as a key fetch that failed (the
tokens it would verify are refused "signing keys unavailable", as when the provider cannot
be reached). A provider's key set is a few kilobytes.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from typing import Any, Final
from urllib.error import HTTPError, URLError

import jwt

MOST_JWKS_BYTES: Final = 1_048_576
_CHUNK_BYTES: Final = 65_536


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # As PyJWT's own client: the key set is read where it was configured, never elsewhere.
    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None


class BoundedJWKClient(jwt.PyJWKClient):
    """PyJWT's key set client, its fetch bounded in size and in time."""

    def fetch_data(self) -> Any:
        """The key set, parsed; cached and starting the refresh cooldown as PyJWT's does.

        Raises:
            jwt.PyJWKClientConnectionError: unreachable, an HTTP error, too slow in all, or
                a reply over `MOST_JWKS_BYTES`.
            jwt.PyJWKClientError: the reply is not a JSON object.
        """
        body = self._read()
        try:
            jwk_set = json.loads(body)
        except ValueError as error:
            raise jwt.PyJWKClientError("the key set is not JSON") from error
        if not isinstance(jwk_set, dict):
            raise jwt.PyJWKClientError("the key set is not a JSON object")
        if self.jwk_set_cache is not None:
            self.jwk_set_cache.put(jwk_set)
        # PyJWT's cooldown between forced refreshes counts from here (an unknown key id
        # then refetches at most once per cooldown).
        self._last_successful_fetch = time.monotonic()
        return jwk_set

    def _read(self) -> bytes:
        # The address is checked at start: https, or http on loopback (check_jwks_url).
        request = urllib.request.Request(url=self.uri, headers=self.headers)  # noqa: S310
        handlers: list[Any] = [_NoRedirects()]
        if self.ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self.ssl_context))
        opener = urllib.request.build_opener(*handlers)
        ends_at = time.monotonic() + self.timeout
        try:
            with opener.open(request, timeout=self.timeout) as response:
                chunks = bytearray()
                while chunk := response.read1(_CHUNK_BYTES):
                    chunks.extend(chunk)
                    if len(chunks) > MOST_JWKS_BYTES:
                        raise jwt.PyJWKClientConnectionError(
                            f"the key set's reply is over {MOST_JWKS_BYTES} bytes"
                        )
                    if time.monotonic() > ends_at:
                        raise jwt.PyJWKClientConnectionError(
                            f"the key set took over {self.timeout:g} s to arrive"
                        )
                return bytes(chunks)
        except (URLError, TimeoutError, http.client.HTTPException) as error:
            if isinstance(error, HTTPError):
                error.close()
            raise jwt.PyJWKClientConnectionError(f"cannot fetch the key set: {error}") from error
