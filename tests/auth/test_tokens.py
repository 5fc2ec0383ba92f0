from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from auth.principal import (
    INTERNAL_ROLES,
    PARTNER_ROLES,
    ROLE_AUDIENCE,
    Audience,
    InvalidToken,
    Principal,
    principal_from_claims,
)
from auth.tokens import (
    LocalSigningKey,
    SigningKeyError,
    TokenIssuer,
    TokenSettings,
    TokenVerifier,
    jwk_thumbprint,
)

IDP_ISSUER = "https://idp.example.test"


def _segment(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _valid_claims(**overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "iss": "lcs-hub-local",
        "aud": "lcs-hub",
        "sub": "worker-17",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "9f1c6f0e-token",
        "name": "Sam Okafor",
        "role": "social_worker",
        "agency": "county-council",
        "team": "north-assessment",
    }
    claims.update(overrides)
    return claims


def _sign(claims: dict[str, Any], key: LocalSigningKey, *, kid: str | None = None) -> str:
    # PyJWS signs any JSON, including claims PyJWT's encoder would refuse to produce.
    return jwt.PyJWS().encode(
        json.dumps(claims).encode(),
        key.private_key,
        algorithm=key.algorithm,
        headers={"kid": key.kid if kid is None else kid},
    )


def _reason(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(token)
    return refused.value.reason


# Principal and roles


def test_every_role_is_served_exactly_one_audience() -> None:
    assert set(ROLE_AUDIENCE) == INTERNAL_ROLES | PARTNER_ROLES
    assert not INTERNAL_ROLES & PARTNER_ROLES
    assert {ROLE_AUDIENCE[role] for role in INTERNAL_ROLES} == {Audience.INTERNAL}
    assert ROLE_AUDIENCE["police_officer"] is Audience.POLICE
    assert ROLE_AUDIENCE["health_practitioner"] is Audience.HEALTH
    assert ROLE_AUDIENCE["education_safeguarding_lead"] is Audience.EDUCATION


def test_principal_audience_follows_role() -> None:
    principal = Principal(
        subject="pc-204", name="PC Rees", role="police_officer", agency_id="constabulary",
        token_id="t-1",
    )  # fmt: skip
    assert principal.audience is Audience.POLICE
    assert principal.is_partner


def test_principal_with_unknown_role_cannot_exist() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        Principal(subject="x", name="X", role="superuser", agency_id="a", token_id="t")


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("name", "", "malformed claim name"),
        ("name", " Sam", "malformed claim name"),
        ("agency", 42, "malformed claim agency"),
        ("agency", None, "malformed claim agency"),
        ("team", ["north", "south"], "malformed claim team"),
        ("role", "Social_Worker", "unknown role"),
        ("sub", "x" * 257, "malformed claim sub"),
        ("name", "Sam\nOkafor", "malformed claim name"),
    ],
)
def test_principal_from_claims_refuses_malformed_claims(
    claim: str, value: Any, reason: str
) -> None:
    with pytest.raises(InvalidToken) as refused:
        principal_from_claims(_valid_claims(**{claim: value}))
    assert refused.value.reason == reason


def test_principal_from_claims_accepts_absent_or_null_team() -> None:
    claims = _valid_claims(team=None)
    assert principal_from_claims(claims).team_id is None
    del claims["team"]
    assert principal_from_claims(claims).team_id is None


# Issue and verify


def test_issued_token_verifies_to_the_same_principal(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue("worker-17", "Sam Okafor", "team_manager", "county-council", team="north")

    principal = verifier.verify(token)

    assert principal == Principal(
        subject="worker-17",
        name="Sam Okafor",
        role="team_manager",
        agency_id="county-council",
        team_id="north",
        token_id=principal.token_id,
    )
    assert principal.audience is Audience.INTERNAL
    assert principal.token_id
    assert principal.purpose is None


def test_partner_token_carries_audience_and_purpose(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue("hv-88", "Jo Patel", "health_practitioner", "nhs-trust")

    principal = verifier.verify(token, purpose="Section 47 enquiry")

    assert principal.audience is Audience.HEALTH
    assert principal.purpose == "Section 47 enquiry"
    assert principal.team_id is None


def test_issued_token_has_exactly_the_documented_claims_and_header(
    issuer: TokenIssuer, signing_key: LocalSigningKey
) -> None:
    token = issuer.issue("worker-17", "Sam Okafor", "social_worker", "county-council", team="n")

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})

    assert header == {"alg": "RS256", "typ": "JWT", "kid": signing_key.kid}
    assert set(claims) == {
        "iss", "aud", "sub", "iat", "nbf", "exp", "jti", "name", "role", "agency", "team",
    }  # fmt: skip
    assert claims["iss"] == "lcs-hub-local"
    assert claims["aud"] == "lcs-hub"
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 8 * 3600


def test_each_token_gets_its_own_id(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    first = verifier.verify(issuer.issue("w", "W", "social_worker", "a"))
    second = verifier.verify(issuer.issue("w", "W", "social_worker", "a"))
    assert first.token_id != second.token_id


def test_issuer_refuses_identities_the_verifier_would_refuse(issuer: TokenIssuer) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        issuer.issue("w", "W", "root", "a")
    with pytest.raises(ValueError, match="malformed claim agency"):
        issuer.issue("w", "W", "social_worker", "")
    with pytest.raises(ValueError, match="lifetime must be positive"):
        issuer.issue("w", "W", "social_worker", "a", lifetime=timedelta(0))


def test_expiry_within_leeway_is_accepted(
    token_settings: TokenSettings, signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    # Issued 8 h and 10 s ago: expired by 10 s, inside the 30 s allowance for clock skew.
    then = datetime.now(UTC) - timedelta(hours=8, seconds=10)
    token = TokenIssuer(token_settings, signing_key, clock=lambda: then).issue(
        "w", "W", "social_worker", "a"
    )
    assert verifier.verify(token).subject == "w"


# Refusals


def test_expired_token_refused(
    token_settings: TokenSettings, signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    then = datetime.now(UTC) - timedelta(hours=9)
    token = TokenIssuer(token_settings, signing_key, clock=lambda: then).issue(
        "w", "W", "social_worker", "a"
    )
    assert _reason(verifier, token) == "token expired"


def test_token_not_yet_valid_refused(
    token_settings: TokenSettings, signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    token = TokenIssuer(token_settings, signing_key, clock=lambda: later).issue(
        "w", "W", "social_worker", "a"
    )
    assert _reason(verifier, token) == "token not yet valid"


def test_wrong_issuer_refused(signing_key: LocalSigningKey, verifier: TokenVerifier) -> None:
    other = TokenIssuer(TokenSettings(issuer="https://elsewhere.example"), signing_key)
    assert _reason(verifier, other.issue("w", "W", "social_worker", "a")) == "wrong issuer"


def test_wrong_audience_refused(signing_key: LocalSigningKey, verifier: TokenVerifier) -> None:
    other = TokenIssuer(TokenSettings(audience="another-service"), signing_key)
    assert _reason(verifier, other.issue("w", "W", "social_worker", "a")) == "wrong audience"


@pytest.mark.parametrize("algorithm", ["none", "None", "NONE"])
def test_unsigned_token_refused(
    algorithm: str, signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = f"{_segment({'alg': algorithm, 'kid': signing_key.kid})}.{_segment(_valid_claims())}."
    assert _reason(verifier, token) == "algorithm not allowed"


def test_hmac_token_keyed_with_the_public_key_refused(
    signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    # The classic confusion attack: the public key is public (we serve it as JWKS), so if
    # HS256 were accepted anyone could "sign" with it. PyJWT will not even encode this, so
    # the token is built by hand.
    public_pem = signing_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": signing_key.kid}
    signing_input = f"{_segment(header)}.{_segment(_valid_claims(role='system_administrator'))}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    assert _reason(verifier, token) == "algorithm not allowed"


def test_token_signed_by_another_key_under_our_kid_refused(
    signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    impostor = LocalSigningKey.generate()
    token = _sign(_valid_claims(), impostor, kid=signing_key.kid)
    assert _reason(verifier, token) == "bad signature"


def test_token_with_unknown_kid_refused(verifier: TokenVerifier) -> None:
    token = _sign(_valid_claims(), LocalSigningKey.generate("ES256"))
    assert _reason(verifier, token) == "unknown key id"


def test_token_without_kid_refused(signing_key: LocalSigningKey, verifier: TokenVerifier) -> None:
    token = jwt.encode(_valid_claims(), signing_key.private_key, algorithm="RS256")
    assert _reason(verifier, token) == "missing key id"


def test_algorithm_must_match_the_key_named_by_kid(
    signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = _sign(_valid_claims(), LocalSigningKey.generate("ES256"), kid=signing_key.kid)
    assert _reason(verifier, token) == "algorithm does not match key"


def test_tampered_payload_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    header, _, signature = issuer.issue("w", "W", "support_officer", "a").split(".")
    escalated = _segment(_valid_claims(sub="w", role="system_administrator"))
    assert _reason(verifier, f"{header}.{escalated}.{signature}") == "bad signature"


@pytest.mark.parametrize(
    "claim", ["exp", "iat", "iss", "aud", "sub", "jti", "name", "role", "agency"]
)
def test_token_missing_a_required_claim_refused(
    claim: str, signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    claims = _valid_claims()
    del claims[claim]
    assert _reason(verifier, _sign(claims, signing_key)) == f"missing claim {claim}"


def test_token_with_unknown_role_refused(
    signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = _sign(_valid_claims(role="superuser"), signing_key)
    assert _reason(verifier, token) == "unknown role"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (_valid_claims(sub=17), "malformed claim sub"),
        (_valid_claims(iat="yesterday"), "malformed claim iat"),
        (_valid_claims(exp="tomorrow"), "malformed token"),
        (_valid_claims(jti=5), "malformed claim jti"),
        (_valid_claims(iss=["lcs-hub-local"]), "wrong issuer"),
        (_valid_claims(aud=["another-service"]), "wrong audience"),
    ],
)
def test_token_with_malformed_registered_claim_refused(
    claims: dict[str, Any], reason: str, signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    assert _reason(verifier, _sign(claims, signing_key)) == reason


def test_audience_list_containing_the_hub_is_accepted(
    signing_key: LocalSigningKey, verifier: TokenVerifier
) -> None:
    token = _sign(_valid_claims(aud=["gateway", "lcs-hub"]), signing_key)
    assert verifier.verify(token).subject == "worker-17"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "malformed token"),
        ("garbage", "malformed token"),
        ("a.b.c", "malformed token"),
        ("!!!.???.***", "malformed token"),
        (f"{_segment({'kid': 'k'})}.e30.", "algorithm not allowed"),
        ("x" * 9000, "token too long"),
    ],
)
def test_garbage_refused(token: str, reason: str, verifier: TokenVerifier) -> None:
    assert _reason(verifier, token) == reason


# Settings


@pytest.mark.parametrize("algorithms", [["HS256"], ["RS256", "none"], ["RS256", "HS512"], []])
def test_settings_refuse_symmetric_or_no_algorithms(algorithms: list[str]) -> None:
    with pytest.raises(ValidationError):
        TokenSettings.model_validate({"algorithms": algorithms})


@pytest.mark.parametrize(
    "url", ["http://idp.example.test/jwks", "file:///etc/keys.json", "ftp://idp/jwks", "https://"]
)
def test_settings_refuse_key_sets_that_could_be_swapped_in_transit(url: str) -> None:
    with pytest.raises(ValidationError, match="jwks_url must be https"):
        TokenSettings(issuer=IDP_ISSUER, jwks_url=url)


@pytest.mark.parametrize(
    "url",
    ["https://idp.example.test/jwks", "http://127.0.0.1:8080/jwks", "http://[::1]/jwks"],
)
def test_settings_accept_tls_or_loopback_key_sets(url: str) -> None:
    assert TokenSettings(issuer=IDP_ISSUER, jwks_url=url).jwks_url == url


def test_settings_need_an_explicit_issuer_with_jwks() -> None:
    with pytest.raises(ValidationError, match="issuer must be set explicitly"):
        TokenSettings(jwks_url="https://idp.example.test/jwks")


def test_settings_refuse_non_positive_lifetime() -> None:
    with pytest.raises(ValidationError, match="token lifetimes must be positive"):
        TokenSettings(token_lifetime=timedelta(0))


def test_verifier_needs_exactly_one_key_source(signing_key: LocalSigningKey) -> None:
    with pytest.raises(ValueError, match="either jwks_url or a local key"):
        TokenVerifier(TokenSettings())
    remote = TokenSettings(issuer=IDP_ISSUER, jwks_url="https://idp.example.test/jwks")
    with pytest.raises(ValueError, match="cannot be used together"):
        TokenVerifier(remote, signing_key)


def test_verifier_refuses_a_local_key_whose_algorithm_is_not_allowed() -> None:
    with pytest.raises(ValueError, match="ES256 is not among the allowed algorithms"):
        TokenVerifier(TokenSettings(algorithms=("RS256",)), LocalSigningKey.generate("ES256"))


# The local signing key


def test_kid_is_the_rfc7638_thumbprint() -> None:
    # The worked example of RFC 7638 §3.1.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
        "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YG"
        "jQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt"
        "-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_jwks_publishes_only_the_public_key(signing_key: LocalSigningKey) -> None:
    (published,) = signing_key.jwks["keys"]
    assert set(published) == {"kty", "n", "e", "kid", "alg", "use"}
    assert published["kid"] == signing_key.kid == jwk_thumbprint(published)
    assert published["alg"] == "RS256"
    assert published["use"] == "sig"
    assert repr(signing_key) == f"LocalSigningKey(algorithm='RS256', kid='{signing_key.kid}')"


def test_ec_key_publishes_an_ec_jwk() -> None:
    key = LocalSigningKey.generate("ES256")
    (published,) = key.jwks["keys"]
    assert set(published) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert published["crv"] == "P-256"
    assert key.kid == jwk_thumbprint(published)


def test_key_is_created_private_and_reused_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys" / "signing-key.pem"

    first = LocalSigningKey.load_or_create(path)
    second = LocalSigningKey.load_or_create(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert second.kid == first.kid
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]
    # A token issued before a restart still verifies after it.
    token = TokenIssuer(TokenSettings(), first).issue("w", "W", "social_worker", "a")
    assert TokenVerifier(TokenSettings(), second).verify(token).subject == "w"


def test_stored_key_keeps_its_algorithm(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    created = LocalSigningKey.load_or_create(path, "ES256")
    reloaded = LocalSigningKey.load_or_create(path, "RS256")
    assert (reloaded.algorithm, reloaded.kid) == ("ES256", created.kid)


def test_simultaneous_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing-key.pem"
    start = threading.Barrier(4)
    kids: list[str] = []

    def start_hub() -> None:
        start.wait()
        kids.append(LocalSigningKey.load_or_create(path, "ES256").kid)

    threads = [threading.Thread(target=start_hub) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(kids) == 4
    assert set(kids) == {LocalSigningKey.load_or_create(path).kid}


def test_key_file_readable_by_others_refused(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    LocalSigningKey.load_or_create(path, "ES256")
    path.chmod(0o640)
    with pytest.raises(SigningKeyError, match="accessible to other users"):
        LocalSigningKey.load_or_create(path)


def test_key_file_that_is_not_a_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    path.write_bytes(b"-----BEGIN NONSENSE-----\n")
    path.chmod(0o600)
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        LocalSigningKey.load_or_create(path)


def test_key_path_that_is_a_symlink_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.pem"
    LocalSigningKey.load_or_create(target, "ES256")
    path = tmp_path / "signing-key.pem"
    path.symlink_to(target)
    with pytest.raises(SigningKeyError, match="cannot be opened safely"):
        LocalSigningKey.load_or_create(path)


def test_short_rsa_key_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    with pytest.raises(SigningKeyError, match="shorter than 2048 bits"):
        LocalSigningKey(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505


# JWKS mode: keys published by an identity provider, fetched over HTTP


class KeySetServer:
    def __init__(self) -> None:
        self.keys: list[dict[str, str]] = []
        self.requests = 0
        self.url = ""
        # Text sent beside the keys (a member the key set does not have), to make it big.
        self.padding = ""


@pytest.fixture
def key_set_server() -> Iterator[KeySetServer]:
    served = KeySetServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests += 1
            body = json.dumps({"keys": served.keys, "padding": served.padding}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The hub may stop reading a reply over its bound and hang up.
            with contextlib.suppress(ConnectionError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def idp_key() -> LocalSigningKey:
    return LocalSigningKey.generate()


def _idp_token(key: LocalSigningKey, role: str = "police_officer") -> str:
    return TokenIssuer(TokenSettings(issuer=IDP_ISSUER), key).issue("pc-204", "PC Rees", role, "c")


def _remote_verifier(server: KeySetServer, cooldown: float = 30) -> TokenVerifier:
    return TokenVerifier(
        TokenSettings(
            issuer=IDP_ISSUER, jwks_url=server.url, jwks_refresh_cooldown_seconds=cooldown
        )
    )


def test_jwks_token_verifies_and_key_set_is_cached(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    key_set_server.keys = idp_key.jwks["keys"]
    verifier = _remote_verifier(key_set_server)

    first = verifier.verify(_idp_token(idp_key))
    second = verifier.verify(_idp_token(idp_key))

    assert (first.subject, first.audience) == ("pc-204", Audience.POLICE)
    assert second.subject == "pc-204"
    assert key_set_server.requests == 1
    assert verifier.fetches_keys


@pytest.mark.anyio
async def test_jwks_verification_runs_off_the_event_loop(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    key_set_server.keys = idp_key.jwks["keys"]
    verifier = _remote_verifier(key_set_server)

    principal = await verifier.verify_async(_idp_token(idp_key), purpose="missing child")

    assert (principal.subject, principal.purpose) == ("pc-204", "missing child")


def test_jwks_unknown_kid_does_not_refetch_within_cooldown(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    key_set_server.keys = idp_key.jwks["keys"]
    verifier = _remote_verifier(key_set_server, cooldown=30)
    verifier.verify(_idp_token(idp_key))

    for _ in range(3):
        assert _reason(verifier, _idp_token(LocalSigningKey.generate("ES256"))) == "unknown key id"

    assert key_set_server.requests == 1


def test_jwks_rotated_key_is_picked_up(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    key_set_server.keys = idp_key.jwks["keys"]
    verifier = _remote_verifier(key_set_server, cooldown=0)
    verifier.verify(_idp_token(idp_key))

    rotated = LocalSigningKey.generate("ES256")
    key_set_server.keys = [*idp_key.jwks["keys"], *rotated.jwks["keys"]]

    assert verifier.verify(_idp_token(rotated)).subject == "pc-204"
    assert key_set_server.requests == 2


def test_jwks_mode_does_not_trust_the_local_key(
    key_set_server: KeySetServer, idp_key: LocalSigningKey, signing_key: LocalSigningKey
) -> None:
    key_set_server.keys = idp_key.jwks["keys"]
    verifier = _remote_verifier(key_set_server)
    assert _reason(verifier, _idp_token(signing_key)) == "unknown key id"


def test_jwks_symmetric_key_is_never_used(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    secret = b"a shared secret somebody published by mistake"
    shared = {"kty": "oct", "kid": "shared", "k": base64.urlsafe_b64encode(secret).decode()}
    key_set_server.keys = [*idp_key.jwks["keys"], shared]
    verifier = _remote_verifier(key_set_server)
    claims = _valid_claims(iss=IDP_ISSUER)

    hmac_token = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": "shared"})
    rsa_header_token = _sign(claims, idp_key, kid="shared")

    assert _reason(verifier, hmac_token) == "algorithm not allowed"
    assert _reason(verifier, rsa_header_token) == "algorithm does not match key"


def test_jwks_unreachable_refuses_without_crashing() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token_settings = TokenSettings(issuer=IDP_ISSUER, jwks_url=f"http://127.0.0.1:{port}/jwks")
    verifier = TokenVerifier(token_settings)
    assert _reason(verifier, _idp_token(LocalSigningKey.generate("ES256"))) == (
        "signing keys unavailable"
    )


def test_jwks_reply_over_the_size_bound_is_a_key_fetch_failure(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    # A valid key set in a reply of 2 MiB: a provider (or whoever answers for it) sending
    # without end would otherwise be read whole into memory on every refresh.
    key_set_server.keys = idp_key.jwks["keys"]
    key_set_server.padding = "x" * (2 * 1024 * 1024)
    verifier = _remote_verifier(key_set_server)
    assert _reason(verifier, _idp_token(idp_key)) == "signing keys unavailable"


def test_jwks_reply_within_the_size_bound_verifies(
    key_set_server: KeySetServer, idp_key: LocalSigningKey
) -> None:
    key_set_server.keys = idp_key.jwks["keys"]
    key_set_server.padding = "x" * (512 * 1024)
    verifier = _remote_verifier(key_set_server)
    assert verifier.verify(_idp_token(idp_key)).subject == "pc-204"


def test_jwks_reply_dripping_past_the_timeout_is_a_key_fetch_failure(
    idp_key: LocalSigningKey,
) -> None:
    # Each read arrives inside the timeout, so only a bound on the whole reply stops it.
    stop = threading.Event()

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            with contextlib.suppress(ConnectionError):
                self.wfile.write(b'{"keys": [], "padding": "')
                while not stop.wait(0.2):
                    self.wfile.write(b"x")
                    self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        verifier = TokenVerifier(
            TokenSettings(
                issuer=IDP_ISSUER,
                jwks_url=f"http://127.0.0.1:{server.server_address[1]}/jwks",
                jwks_timeout_seconds=1,
            )
        )
        started = time.monotonic()
        assert _reason(verifier, _idp_token(idp_key)) == "signing keys unavailable"
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
