"""Upstream's version bytes: two ASCII digits written over a torch zip's leading `PK`.

Upstream marks its newer SoVITS exports this way (which bytes mean which family is the version
table's: `versions.version_markers`) and its loader puts `PK` back before `torch.load`. This
module only knows the bytes; reading, identifying and writing checkpoints are the other modules' jobs.
"""

from __future__ import annotations

from GPT_SoVITS.versions import version_markers, written_markers

ZIP_MAGIC = b"PK"
ZIP_LOCAL_HEADER = b"PK\x03\x04"  # every torch zip starts with a local file header


def marked_family(head: bytes) -> str | None:
    """The family named by a file's first bytes when they are a version marker over a zip, else None.

    The rest of a zip's local header (`\\x03\\x04`) must follow, so a safetensors length or other
    binary that happens to start with two digits is not mistaken for a marker.
    """
    markers = version_markers()
    if len(head) >= 4 and head[:2] in markers and head[2:4] == ZIP_LOCAL_HEADER[2:]:
        return markers[head[:2]]
    return None


def restore_zip_magic(data: bytes) -> bytes:
    """A marked file's bytes as the plain torch zip upstream's loader reads (`PK` put back)."""
    return ZIP_MAGIC + data[2:]


def mark(data: bytes, version: str) -> bytes:
    """A torch zip's bytes with upstream's marker of `version` over its `PK` (the marked versions only)."""
    written = written_markers()
    if version not in written:
        raise ValueError(f"upstream writes no version bytes for {version!r}; only for {', '.join(written)}")
    if data[:2] != ZIP_MAGIC:
        raise ValueError("not a torch zip: it does not start with PK")
    return written[version] + data[2:]
