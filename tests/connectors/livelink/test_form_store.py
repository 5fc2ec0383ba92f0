"""The LCS form store: content-addressed, verified on every read."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.livelink.content_store import ContentIntegrityError, sha256_hex
from connectors.livelink.form_store import FormBytesMissing, FormStore

pytestmark = pytest.mark.anyio


async def test_bytes_are_kept_once_under_their_checksum_and_read_back(tmp_path: Path) -> None:
    forms = FormStore(tmp_path / "forms")

    first = await forms.put(b"%PDF-1.7 form")
    second = await forms.put(b"%PDF-1.7 form")

    assert first == second == sha256_hex(b"%PDF-1.7 form")
    assert len(list((tmp_path / "forms").rglob(first))) == 1
    assert await forms.get(first) == b"%PDF-1.7 form"


async def test_changed_bytes_are_detected_and_a_crafted_checksum_names_nothing(
    tmp_path: Path,
) -> None:
    forms = FormStore(tmp_path / "forms")
    checksum = await forms.put(b"original")
    next((tmp_path / "forms").rglob(checksum)).write_bytes(b"tampered")

    with pytest.raises(ContentIntegrityError):
        await forms.get(checksum)
    with pytest.raises(FormBytesMissing):
        await forms.get("../../etc/passwd")
    with pytest.raises(FormBytesMissing):
        await forms.get(sha256_hex(b"never stored"))
    assert await forms.discard([checksum, sha256_hex(b"never stored")]) == 1
