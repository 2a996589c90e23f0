"""Fingerprints and QR codes: what makes a stored PDF checkable by anyone holding it."""

from __future__ import annotations

import hashlib
import json

import segno
from django.core.serializers.json import DjangoJSONEncoder


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(fh, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(chunk_size), b""):
        digest.update(chunk)
    return digest.hexdigest()


def inputs_fingerprint(inputs) -> str:
    """SHA-256 of the report's input data in a canonical form (key order and spacing do not matter)."""
    canonical = json.dumps(
        inputs, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return sha256_bytes(canonical.encode("utf-8"))


def qr_png_data_uri(url: str) -> str:
    """The verification URL as a QR code: a PNG ``data:`` URL, one pixel per module.

    The PDF stylesheet scales it to 15 mm with ``image-rendering: pixelated`` (the PDF image is not
    interpolated, so the modules keep hard edges at any zoom). One small image, embedded once and
    placed on every page, costs far less than drawing an SVG's rectangles again on each page.
    """
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=0)
