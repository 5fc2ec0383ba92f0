from __future__ import annotations

import pytest

from auth.tokens import LocalSigningKey, TokenIssuer, TokenSettings, TokenVerifier


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def signing_key() -> LocalSigningKey:
    # One RSA key for the whole run: generating 2048-bit keys per test is slow.
    return LocalSigningKey.generate()


@pytest.fixture
def token_settings() -> TokenSettings:
    return TokenSettings()


@pytest.fixture
def issuer(token_settings: TokenSettings, signing_key: LocalSigningKey) -> TokenIssuer:
    return TokenIssuer(token_settings, signing_key)


@pytest.fixture
def verifier(token_settings: TokenSettings, signing_key: LocalSigningKey) -> TokenVerifier:
    return TokenVerifier(token_settings, signing_key)
