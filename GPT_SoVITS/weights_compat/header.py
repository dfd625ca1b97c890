"""Upstream's version bytes: two ASCII digits written over a torch zip's leading `PK`.

Upstream marks its newer SoVITS exports this way (`05` v2Pro, `06` v2ProPlus; `02`-`04` the
v3/v4 family) and its loader puts `PK` back before `torch.load`. This module only knows the
bytes; reading, identifying and writing checkpoints are the other modules' jobs.
"""

from __future__ import annotations

ZIP_MAGIC = b"PK"
ZIP_LOCAL_HEADER = b"PK\x03\x04"  # every torch zip starts with a local file header
# Upstream's lookup of the two bytes (V2PRO_NOTES §5): every family it has ever written there.
VERSION_MARKERS = {
    b"00": "v1", b"01": "v2", b"02": "v3", b"03": "v3", b"04": "v4", b"05": "v2Pro", b"06": "v2ProPlus",
}
SUPPORTED_MARKED = ("v1", "v2", "v2Pro", "v2ProPlus")
# What upstream's export (`savee`) writes for the families we write: only the Pro family is marked.
WRITTEN_MARKERS = {"v2Pro": b"05", "v2ProPlus": b"06"}


def marked_family(head: bytes) -> str | None:
    """The family named by a file's first bytes when they are a version marker over a zip, else None.

    The rest of a zip's local header (`\\x03\\x04`) must follow, so a safetensors length or other
    binary that happens to start with two digits is not mistaken for a marker.
    """
    if len(head) >= 4 and head[:2] in VERSION_MARKERS and head[2:4] == ZIP_LOCAL_HEADER[2:]:
        return VERSION_MARKERS[head[:2]]
    return None


def restore_zip_magic(data: bytes) -> bytes:
    """A marked file's bytes as the plain torch zip upstream's loader reads (`PK` put back)."""
    return ZIP_MAGIC + data[2:]


def mark(data: bytes, version: str) -> bytes:
    """A torch zip's bytes with upstream's marker of `version` over its `PK` (v2Pro / v2ProPlus)."""
    if version not in WRITTEN_MARKERS:
        raise ValueError(f"upstream writes no version bytes for {version!r}; only for {', '.join(WRITTEN_MARKERS)}")
    if data[:2] != ZIP_MAGIC:
        raise ValueError("not a torch zip: it does not start with PK")
    return WRITTEN_MARKERS[version] + data[2:]
