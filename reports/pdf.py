"""PDF rendering with WeasyPrint.

WeasyPrint never fetches anything over the network: ``PortalURLFetcher`` serves only the portal's own
static files (``/static/…`` URLs, found through Django's staticfiles finders) and ``data:`` URLs, and
refuses everything else. Chinese text is set in Noto Sans/Serif CJK SC (Debian's fonts-noto-cjk),
embedded in the PDF; the font is set on ``@page`` too so running headers and footers use it.
"""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

BASE_URL = "https://portal.invalid/"


class RefusedURL(ValueError):
    pass


class PortalURLFetcher(URLFetcher):
    """Serves /static/… from the portal's static files and data: URLs; refuses every other URL."""

    def __init__(self):
        super().__init__(allowed_protocols=("data", "https"), fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if f"{parts.scheme}://{parts.netloc}/" == BASE_URL and parts.path.startswith(static_prefix):
            relative = unquote(parts.path[len(static_prefix) :])
            found = finders.find(relative) if ".." not in relative.split("/") else None
            if found:
                with open(found, "rb") as fh:
                    body = fh.read()
                mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
        self.refused.append(url)
        logger.warning("PDF renderer refused to fetch %s", url)
        raise RefusedURL(f"refused: {url}")


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=PortalURLFetcher()).write_pdf()
