"""PDF rendering with WeasyPrint.

WeasyPrint never fetches anything over the network: ``PortalURLFetcher`` serves only the portal's own
static files (``/static/…`` URLs, found through Django's staticfiles finders), the report font built by
``build_report_fonts`` (``/report-fonts/…``) and ``data:`` URLs, and refuses everything else. Chinese
text is set in Noto Sans CJK SC (a cut of Debian's fonts-noto-cjk, see ``reports.fonts``), embedded in
the PDF; the font is set on ``@page`` too so running headers and footers use it.

Speed (see benchmarks/README.md): the font configuration and the parsed stylesheet ``reports/pdf.css``
are made once per thread and reused for every PDF, instead of being set up again for each one; they
are made again when the stylesheet or the font files change. The stylesheet is given to WeasyPrint
as a user stylesheet: a ``<style>`` in a template (author origin) wins over it whatever its specificity.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import fonts

logger = logging.getLogger(__name__)

BASE_URL = "https://portal.invalid/"
STYLESHEET = "reports/pdf.css"


class RefusedURL(ValueError):
    pass


class PortalURLFetcher(URLFetcher):
    """Serves /static/…, the report font and data: URLs; refuses every other URL."""

    def __init__(self):
        super().__init__(allowed_protocols=("data", "https"), fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" == BASE_URL:
            found = self._local_file(unquote(parts.path))
            if found:
                with open(found, "rb") as fh:
                    body = fh.read()
                mime = mimetypes.guess_type(str(found))[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
        self.refused.append(url)
        logger.warning("PDF renderer refused to fetch %s", url)
        raise RefusedURL(f"refused: {url}")

    @staticmethod
    def _local_file(path: str):
        static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if path.startswith(static_prefix):
            relative = path[len(static_prefix) :]
            return finders.find(relative) if ".." not in relative.split("/") else None
        if path.startswith(fonts.FONT_URL_PREFIX):
            return fonts.font_file(path[len(fonts.FONT_URL_PREFIX) :])
        return None


_local = threading.local()


def _setup() -> tuple[FontConfiguration, CSS]:
    """This thread's font configuration and parsed stylesheet (Pango's objects are not thread-safe)."""
    css_path = Path(finders.find(STYLESHEET))
    faces = fonts.built_faces()
    font_dir = fonts.font_dir()
    key = (
        css_path,
        css_path.stat().st_mtime_ns,
        font_dir,
        tuple((face.file_name, (font_dir / face.file_name).stat().st_mtime_ns) for face in faces),
    )
    cached = getattr(_local, "setup", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    font_config = FontConfiguration()
    stylesheet = CSS(
        string=fonts.font_face_css(BASE_URL) + "\n" + css_path.read_text(encoding="utf-8"),
        base_url=BASE_URL + settings.STATIC_URL.strip("/") + "/" + STYLESHEET,
        url_fetcher=PortalURLFetcher(),
        font_config=font_config,
    )
    _local.setup = (key, (font_config, stylesheet))
    return font_config, stylesheet


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    pages: int


def render_document(template_name: str, context: dict) -> RenderedPDF:
    """Render a Django template to a PDF styled by ``reports/pdf.css``, with its page count (from the
    layout itself: the PDF is not parsed again to count them)."""
    html = render_to_string(template_name, context)
    font_config, stylesheet = _setup()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=PortalURLFetcher()).render(
        stylesheets=[stylesheet], font_config=font_config
    )
    return RenderedPDF(data=document.write_pdf(), pages=len(document.pages))


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes."""
    return render_document(template_name, context).data
