"""Bearer tokens: the hub's local signing key, issuing tokens, and verifying them."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import stat
import tempfile
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.exceptions import InvalidJTIError, InvalidSubjectError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

from auth.jwks import BoundedJWKClient
from auth.principal import InvalidToken, Principal, principal_from_claims

__all__ = [
    "REQUIRED_CLAIMS",
    "AsymmetricAlgorithm",
    "InvalidToken",
    "LocalSigningKey",
    "SigningKeyError",
    "TokenIssuer",
    "TokenSettings",
    "TokenVerifier",
    "jwk_thumbprint",
]

# Only public-key algorithms can be configured at all: with an HMAC algorithm allowed, a
# published public key (our JWKS is served to anyone) could be used as the shared secret to
# forge tokens. "none" is likewise unrepresentable.
AsymmetricAlgorithm = Literal[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"
]
LocalKeyAlgorithm = Literal["RS256", "ES256"]

# Checked by PyJWT before the hub looks at any other claim; `jti`, `name`, `role` and
# `agency` are then required by `principal_from_claims`.
REQUIRED_CLAIMS: Final = ("exp", "iat", "iss", "aud", "sub")

# Real tokens are a few hundred bytes to a couple of kilobytes; refusing oversized input
# early keeps an unauthenticated caller from making the hub base64- and JSON-decode megabytes.
_MAX_TOKEN_LENGTH: Final = 8192
_RSA_KEY_SIZE: Final = 2048
_LOOPBACK_HOSTS: Final = frozenset({"localhost"})


class SigningKeyError(Exception):
    """The local signing key file cannot be used safely (unreadable, wrong type, exposed)."""


class TokenSettings(BaseModel):
    """How the hub checks (and, in local mode, issues) bearer tokens.

    With `jwks_url` set the hub trusts only the identity provider's published keys; without
    it the hub runs in local mode with a key it generates under `key_path`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str = Field(default="lcs-hub-local", min_length=1)
    audience: str = Field(default="lcs-hub", min_length=1)
    jwks_url: str | None = None
    key_path: Path = Path("var/keys/signing-key.pem")
    local_key_algorithm: LocalKeyAlgorithm = "RS256"
    algorithms: tuple[AsymmetricAlgorithm, ...] = Field(default=("RS256", "ES256"), min_length=1)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    token_lifetime: timedelta = timedelta(hours=8)
    # A stolen token is good until it expires: refuse any whose validity (exp - iat) is
    # longer than a working day, however the identity provider was configured.
    max_token_lifetime: timedelta = timedelta(hours=12)
    jwks_cache_seconds: float = Field(default=300, gt=0)
    # After an unknown `kid` forces a refetch of the key set, further unknown kids are
    # refused from cache for this long, so forged kids cannot hammer the identity provider.
    jwks_refresh_cooldown_seconds: float = Field(default=30, ge=0)
    jwks_timeout_seconds: float = Field(default=5, gt=0)

    @field_validator("jwks_url")
    @classmethod
    def _keys_fetched_over_tls(cls, url: str | None) -> str | None:
        return None if url is None else check_jwks_url(url)

    @field_validator("token_lifetime", "max_token_lifetime")
    @classmethod
    def _positive_lifetime(cls, lifetime: timedelta) -> timedelta:
        if lifetime <= timedelta(0):
            raise ValueError("token lifetimes must be positive")
        return lifetime

    @model_validator(mode="after")
    def _issuer_named_for_identity_provider(self) -> TokenSettings:
        # The local default issuer must never be what a production deployment trusts.
        if self.jwks_url is not None and "issuer" not in self.model_fields_set:
            raise ValueError("issuer must be set explicitly when jwks_url is set")
        if self.token_lifetime > self.max_token_lifetime:
            raise ValueError("token_lifetime must not exceed max_token_lifetime")
        return self


def check_jwks_url(url: str) -> str:
    """`url` if keys may be fetched from it.

    Raises:
        ValueError: it is not https (plain http only for a loopback host).
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    # Whoever can change the key set in transit can mint tokens; plain http is only
    # acceptable when the identity provider is on this machine.
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url
    raise ValueError("jwks_url must be https (http only for a loopback host)")


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# RFC 7638 §3.2: the members that define a public key, and the only ones hashed for its
# thumbprint. Publishing exactly these also guarantees no private member ever reaches the JWKS.
_KEY_MEMBERS: Final[Mapping[str, tuple[str, ...]]] = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
}


def _key_members(jwk: Mapping[str, Any]) -> dict[str, str]:
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _KEY_MEMBERS:
        raise ValueError(f"unsupported key type {kty!r}")
    return {member: str(jwk[member]) for member in _KEY_MEMBERS[kty]}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public RSA or EC JWK, base64url-encoded."""
    canonical = json.dumps(_key_members(jwk), separators=(",", ":"), sort_keys=True)
    return _base64url(hashlib.sha256(canonical.encode("utf-8")).digest())


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class LocalSigningKey:
    """The key the hub signs its own tokens with when no identity provider is configured."""

    def __init__(self, private_key: PrivateKey) -> None:
        if isinstance(private_key, rsa.RSAPrivateKey):
            if private_key.key_size < _RSA_KEY_SIZE:
                raise SigningKeyError("RSA signing key is shorter than 2048 bits")
            self._algorithm: LocalKeyAlgorithm = "RS256"
            jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            if not isinstance(private_key.curve, ec.SECP256R1):
                raise SigningKeyError("EC signing key is not on curve P-256")
            self._algorithm = "ES256"
            jwk = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        else:
            raise SigningKeyError("signing key must be RSA or EC P-256")
        self._private_key = private_key
        self._kid = jwk_thumbprint(jwk)
        self._public_jwk: dict[str, str] = {
            **_key_members(jwk),
            "kid": self._kid,
            "alg": self._algorithm,
            "use": "sig",
        }

    @classmethod
    def generate(cls, algorithm: LocalKeyAlgorithm = "RS256") -> LocalSigningKey:
        """A fresh key held only in memory."""
        if algorithm == "RS256":
            return cls(rsa.generate_private_key(public_exponent=65537, key_size=_RSA_KEY_SIZE))
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def load_or_create(cls, path: Path, algorithm: LocalKeyAlgorithm = "RS256") -> LocalSigningKey:
        """Load the key stored at `path`, creating it (mode 0600) on first use.

        Tokens issued before a restart stay valid because the same key is reloaded; a key
        that exists keeps its own algorithm whatever `algorithm` says.

        Raises:
            SigningKeyError: the file is not a private RSA/P-256 key in PEM, or other users
                may read it.
        """
        try:
            return cls._load(path)
        except FileNotFoundError:
            pass
        key = cls.generate(algorithm)
        if _store_new_key(path, key._private_pem()):
            return key
        # Another process created the file between our look and our write: use theirs so
        # both processes sign and verify with the same key.
        return cls._load(path)

    @classmethod
    def _load(cls, path: Path) -> LocalSigningKey:
        # O_NOFOLLOW: a symlink planted at the key path must not redirect us to another file.
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            raise
        except OSError as error:
            raise SigningKeyError(f"{path} cannot be opened safely: {error.strerror}") from None
        with os.fdopen(descriptor, "rb") as key_file:
            # Like ssh with its identity files: a private key others can read is refused,
            # because anyone who can read it can mint tokens for any role.
            if stat.S_IMODE(os.fstat(key_file.fileno()).st_mode) & 0o077:
                raise SigningKeyError(f"{path} is accessible to other users; chmod 600 it")
            pem = key_file.read()
        try:
            private_key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as error:
            raise SigningKeyError(f"{path} is not an unencrypted PEM private key") from error
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise SigningKeyError(f"{path} holds neither an RSA nor an EC key")
        return cls(private_key)

    @property
    def algorithm(self) -> LocalKeyAlgorithm:
        return self._algorithm

    @property
    def kid(self) -> str:
        """The RFC 7638 thumbprint of the public key: stable for as long as the key is."""
        return self._kid

    @property
    def private_key(self) -> PrivateKey:
        return self._private_key

    @property
    def public_key(self) -> PublicKey:
        return self._private_key.public_key()

    @property
    def public_jwk(self) -> dict[str, str]:
        return dict(self._public_jwk)

    @property
    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set to serve at `/.well-known/jwks.json` (public part only)."""
        return {"keys": [self.public_jwk]}

    def _private_pem(self) -> bytes:
        # Unencrypted on disk: local mode has nowhere safer to keep a passphrase, so the
        # file's 0600 mode is the protection. Production uses an identity provider instead.
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        return f"LocalSigningKey(algorithm={self._algorithm!r}, kid={self._kid!r})"


def _store_new_key(path: Path, pem: bytes) -> bool:
    """Write `pem` to `path` unless the file exists; False when another writer won."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file 0600 from the start, so the key is never readable by others,
    # not even for an instant; the hard link then publishes the complete file atomically
    # and fails if the path already exists, so two first starts cannot both win.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(pem)
            key_file.flush()
            os.fsync(key_file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
    finally:
        os.unlink(temporary)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TokenIssuer:
    """Issues tokens signed by the local key (local mode, the demo and tests)."""

    def __init__(
        self,
        settings: TokenSettings,
        key: LocalSigningKey,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._settings = settings
        self._key = key
        self._clock = clock

    def issue(
        self,
        subject: str,
        name: str,
        role: str,
        agency: str,
        team: str | None = None,
        lifetime: timedelta | None = None,
    ) -> str:
        """A signed token for one user.

        Raises:
            ValueError: the lifetime is not positive, or the identity would be refused by
                `TokenVerifier` (unknown role, blank or oversized values).
        """
        lifetime = self._settings.token_lifetime if lifetime is None else lifetime
        if lifetime <= timedelta(0):
            raise ValueError("lifetime must be positive")
        if lifetime > self._settings.max_token_lifetime:
            raise ValueError("lifetime exceeds max_token_lifetime")
        issued_at = int(self._clock().timestamp())
        claims: dict[str, Any] = {
            "iss": self._settings.issuer,
            "aud": self._settings.audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + int(lifetime.total_seconds()),
            "jti": str(uuid.uuid4()),
            "name": name,
            "role": role,
            "agency": agency,
        }
        if team is not None:
            claims["team"] = team
        try:
            # The verifier's own rules, so the hub never hands out a token it would refuse.
            principal_from_claims(claims)
        except InvalidToken as error:
            raise ValueError(error.reason) from None
        return jwt.encode(
            claims,
            self._key.private_key,
            algorithm=self._key.algorithm,
            headers={"kid": self._key.kid},
        )


class TokenVerifier:
    """Turns a bearer token into a `Principal`, or refuses it with `InvalidToken`.

    Local mode trusts only the hub's own key; JWKS mode trusts only the identity provider's
    published keys (the local key is then not accepted at all).
    """

    def __init__(self, settings: TokenSettings, local_key: LocalSigningKey | None = None) -> None:
        self._settings = settings
        self._algorithms = frozenset(settings.algorithms)
        self._local_key: LocalSigningKey | None = None
        self._jwks_client: jwt.PyJWKClient | None = None
        if settings.jwks_url is not None:
            if local_key is not None:
                # Accepting both would let a leaked development key sign production tokens.
                raise ValueError("a local key cannot be used together with jwks_url")
            self._jwks_client = BoundedJWKClient(
                settings.jwks_url,
                # Per-kid caching is off on purpose: PyJWT keeps those entries forever, so a
                # key the provider withdrew (say, after a compromise) would stay trusted. The
                # whole key set is cached instead and expires after jwks_cache_seconds.
                cache_keys=False,
                cache_jwk_set=True,
                lifespan=settings.jwks_cache_seconds,
                timeout=settings.jwks_timeout_seconds,
                cooldown_duration=settings.jwks_refresh_cooldown_seconds,
                headers={"User-Agent": "lcs-hub", "Accept": "application/json"},
            )
        elif local_key is None:
            raise ValueError("either jwks_url or a local key is needed to verify tokens")
        else:
            if local_key.algorithm not in self._algorithms:
                raise ValueError(f"{local_key.algorithm} is not among the allowed algorithms")
            self._local_key = local_key

    @property
    def fetches_keys(self) -> bool:
        """True when verifying may fetch the key set over the network (blocking I/O)."""
        return self._jwks_client is not None

    def verify(self, token: str, *, purpose: str | None = None) -> Principal:
        """Verify signature, issuer, audience and validity period; build the principal.

        Raises:
            InvalidToken: with a short reason that is safe to log.
        """
        if len(token) > _MAX_TOKEN_LENGTH:
            raise InvalidToken("token too long")
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidToken("malformed token") from None
        # Checked before any key is looked up: "none" and HS256 must never reach a code path
        # where the public key could be treated as an HMAC secret.
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise InvalidToken("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("missing key id")
        key_algorithm, key = self._signing_key(kid)
        # The algorithm comes from the trusted key, not the token; the header only has to agree.
        if algorithm != key_algorithm:
            raise InvalidToken("algorithm does not match key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key_algorithm],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason_for(error)) from None
        issued_at, expires = claims["iat"], claims["exp"]
        if not _is_number(issued_at) or not _is_number(expires):
            raise InvalidToken("malformed claim exp")
        if expires - issued_at > self._settings.max_token_lifetime.total_seconds():
            raise InvalidToken("token lifetime too long")
        return principal_from_claims(claims, purpose=purpose)

    async def verify_async(self, token: str, *, purpose: str | None = None) -> Principal:
        """`verify`, moved to a worker thread when it may fetch keys.

        PyJWKClient fetches with blocking urllib; on the event loop a slow identity provider
        would stall every request, not just this one.
        """
        if self._jwks_client is None:
            return self.verify(token, purpose=purpose)
        return await run_in_threadpool(self.verify, token, purpose=purpose)

    def _signing_key(self, kid: str) -> tuple[str, Any]:
        if self._jwks_client is not None:
            return self._published_key(self._jwks_client, kid)
        if self._local_key is None or kid != self._local_key.kid:
            raise InvalidToken("unknown key id")
        return self._local_key.algorithm, self._local_key.public_key

    def _published_key(self, client: jwt.PyJWKClient, kid: str) -> tuple[str, Any]:
        try:
            known = {candidate.key_id: candidate for candidate in client.get_signing_keys()}
        except jwt.PyJWTError:
            raise InvalidToken("signing keys unavailable") from None
        jwk = known.get(kid)
        if jwk is None:
            try:
                # Refetches the set at most once per cooldown, which picks up a rotated key.
                jwk = client.get_signing_key(kid)
            except jwt.PyJWKClientConnectionError:
                raise InvalidToken("signing keys unavailable") from None
            except jwt.PyJWTError:
                raise InvalidToken("unknown key id") from None
        # PyJWK infers HS256 for an "oct" key; such a key must never verify anything.
        if jwk.algorithm_name not in self._algorithms:
            raise InvalidToken("algorithm does not match key")
        return jwk.algorithm_name, jwk.key


# Most specific first: InvalidSignatureError is a DecodeError, and every one of these is an
# InvalidTokenError.
_REASONS: Final[tuple[tuple[type[jwt.PyJWTError], str], ...]] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuedAtError, "malformed claim iat"),
    (InvalidSubjectError, "malformed claim sub"),
    (InvalidJTIError, "malformed claim jti"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.DecodeError, "malformed token"),
)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reason_for(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        # The claim name comes from REQUIRED_CLAIMS, never from the token, so it is safe to log.
        return f"missing claim {error.claim}"
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "invalid token"
