"""A test that reads what people read (issue 15 §2).

Logs in as every demo role, follows every link it may (GET only, same origin, bounded), renders every
demo PDF (pdftotext) and opens every export (openpyxl), and fails on text a clerk should never see:
a snake_case identifier, a dict or list literal, ``True``/``False``/``None``, an English sentence or a
rule ID without its Chinese name in front of it. Data that looks like code (user names, file names of
uploaded evidence, the API's own name) is excepted by the short explicit lists below.

The Django test client, not a browser: the whole crawl takes well under a minute."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from core.testing import login_as, require

# One account per role (every demo role; the supervisor of a town and of an industry bureau).
ROLES = [
    "bureau",
    "director_zhujiajiao",
    "supervisor_zhujiajiao",
    "supervisor_jiaoyuju",
    "auditor1",
    "useradmin",
    "auditadmin",
    "admin",
]

# Routes not followed, by path prefix: logging out ends the crawl; the ZIP of a year's reports is every
# PDF again (each PDF is read on its own below); the API's browsable pages and docs are for developers
# (the schema is English by OpenAPI's definition); the Django admin is crawled only on its index.
SKIP_PREFIXES = ("/accounts/logout/", "/api/", "/static/", "/media")
SKIP_PATTERNS = (re.compile(r"^/reports/cycles/\d+/zip/"), re.compile(r"^/admin/.+"))

# How many pages of one URL pattern (per role) are read: the tenth center page says nothing new.
PER_PATTERN = 3
PER_ROLE = 160

# Words that are data, not code, and may look like code: the demo user names, the portal's own
# technical names that the page explains in Chinese, and units.
ALLOWED_TOKENS = {
    "useradmin",
    "auditadmin",
    "admin",
    "bureau",
    "auditor1",
    # the account import template's example rows
    "li_jinze_gov",
    "zhang_jinze",
    "wang_assessor",
    # the demo year's draw seed (evaluations.demo.DEMO_SEED): data, printed so anyone can replay the draw
    "qingpu-demo-2025-80",
}
USERNAME = re.compile(r"\b(?:supervisor|director|center_staff)_[a-z0-9]+\b")

SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-])")
LITERAL = re.compile(r"[{\[]\s*['\"]|['\"]\s*:\s*['\"\d{\[]|\{\s*\}|\[\s*\]")
PYTHON_CONSTANT = re.compile(r"\b(?:True|False|None)\b")
ENGLISH = re.compile(r"\b[A-Za-z]*[a-z][A-Za-z]*(?:[ ,]+[A-Za-z]*[a-z][A-Za-z]*){2,}\b")
DOTTED = re.compile(r"(?<![\w/@-])[a-z]\w*(?:\.[A-Za-z_]\w*)+(?![\w@-])")
KEBAB = re.compile(r"(?<![\w/@.-])[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}(?![\w@.-])")
FILE_EXTENSIONS = {"pdf", "xlsx", "docx", "jpg", "jpeg", "png", "zip", "csv", "gz", "json", "txt"}
RULE_ID = re.compile(r"(?<![\w-])R-[A-Z]+-\d+(?![\w-])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Names of things that are English by their nature (software, fonts, standards) and may be printed.
ENGLISH_ALLOWED = ("Noto Sans CJK SC",)


class _Text(HTMLParser):
    """The text a person sees (and hears: title, alt, aria-label, placeholder), the page's links."""

    SKIP = {"script", "style", "template", "noscript"}
    ATTRS = ("title", "alt", "aria-label", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.described_by: list[str] = []
        self.lang = None
        self.title = ""
        self._in_title = False
        self._skip = 0
        self._open: list[tuple[str, bool]] = []  # (tag, hidden): links inside a hidden element wait

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    @property
    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        self.described_by.extend((attrs.get("aria-describedby") or "").split())
        if tag == "html":
            self.lang = attrs.get("lang")
        self._in_title = tag == "title"
        if tag in self.SKIP:
            self._skip += 1
        if tag not in self.VOID:
            self._open.append((tag, "hidden" in attrs))
        if tag == "a" and attrs.get("href") and not self._hidden:
            self.links.append(attrs["href"])
        for name in self.ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.parts.append(attrs["value"])
        if tag in {"br", "p", "div", "td", "th", "li", "tr", "option", "h1", "h2", "h3", "dt", "dd"}:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag in {"td", "th", "li", "p", "div", "option", "dt", "dd"}:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def _rule_names():
    from centers.rules import RULE_TITLES

    return RULE_TITLES


def problems(text: str) -> list[str]:
    """What in ``text`` a clerk should not have to read (each with a little context)."""
    found = []
    text = EMAIL.sub("（电子邮箱）", text)  # addresses are data

    def context(match) -> str:
        start, end = max(0, match.start() - 30), min(len(text), match.end() + 30)
        return " ".join(text[start:end].split())

    for match in SNAKE.finditer(text):
        token = match.group(0)
        if token in ALLOWED_TOKENS or USERNAME.fullmatch(token):
            continue
        found.append(f"代码名 {token!r}: …{context(match)}…")
    for match in DOTTED.finditer(text):
        token = match.group(0)
        if token.count(".") == 1 and token.rsplit(".", 1)[1].lower() in FILE_EXTENSIONS:
            continue
        if token in ALLOWED_TOKENS:
            continue
        found.append(f"代码名 {token!r}: …{context(match)}…")
    for match in KEBAB.finditer(text):
        if match.group(0) in ALLOWED_TOKENS:
            continue
        found.append(f"代码名 {match.group(0)!r}: …{context(match)}…")
    for match in LITERAL.finditer(text):
        found.append(f"字典或列表 {match.group(0)!r}: …{context(match)}…")
    for match in PYTHON_CONSTANT.finditer(text):
        found.append(f"Python 常量 {match.group(0)!r}: …{context(match)}…")
    for match in ENGLISH.finditer(text):
        if any(allowed in match.group(0) or match.group(0) in allowed for allowed in ENGLISH_ALLOWED):
            continue
        found.append(f"英文句子 {match.group(0)!r}: …{context(match)}…")
    names = _rule_names()
    for match in RULE_ID.finditer(text):
        # The name stands right before the ID: its last characters within a few of it (a PDF's table
        # cell may break the name over lines, so the whole name need not be contiguous).
        name = names.get(match.group(0))
        before = re.sub(r"\s", "", text[max(0, match.start() - 60) : match.start()])
        if not name or re.sub(r"\s", "", name)[-3:] not in before:
            found.append(f"规则编号无名称 {match.group(0)!r}: …{context(match)}…")
    return found


def page_structure(parser: _Text) -> list[str]:
    """What a screen reader relies on (issue 15 §7): hints and errors are found by the ids the fields
    name, the page says it is Chinese, the title separates the page's name from the portal's."""
    found = [
        f"aria-describedby 指向不存在的 id {ref!r}: …"
        for ref in dict.fromkeys(parser.described_by)
        if ref not in parser.ids
    ]
    if parser.lang != "zh-Hans":
        found.append(f"<html lang> 为 {parser.lang!r}: …")
    title = " ".join(parser.title.split())
    if " - " not in title or not title.split(" - ", 1)[0].strip():
        found.append(f"标题缺少分隔符或页面名称 {title!r}: …")
    return found


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        return subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, check=True, text=True
        ).stdout


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    lines = []
    for sheet in book.worksheets:
        lines.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if value is None else str(value) for value in row))
    return "\n".join(lines)


def _pattern(path: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.route or match.view_name


def crawl(client, username: str) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Every page, PDF and export the user can reach from the home page: {url: problems}, counts."""
    queue = deque(["/"])
    seen = {"/"}
    per_pattern: dict[str, int] = defaultdict(int)
    report: dict[str, list[str]] = {}
    counts = defaultdict(int)
    while queue and counts["pages"] + counts["pdf"] + counts["xlsx"] < PER_ROLE:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if urlsplit(target).netloc in ("", "testserver") and target not in seen:
                seen.add(target)
                queue.appendleft(urlsplit(target)._replace(scheme="", netloc="").geturl())
            continue
        assert response.status_code == 200, f"{username}: {url} 返回 {response.status_code}"
        kind = response.get("Content-Type", "").split(";")[0]
        if kind == "text/html":
            counts["pages"] += 1
            parser = _Text()
            parser.feed(response.content.decode())
            # the Django admin's own layout (its lang and title) is Django's; its text is still read
            found = problems(parser.text) + ([] if url.startswith("/admin/") else page_structure(parser))
            for href in parser.links:
                href, _ = urldefrag(urljoin(url, href))
                parts = urlsplit(href)
                if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                    continue
                path = parts._replace(scheme="", netloc="").geturl()
                if path in seen or path.startswith(SKIP_PREFIXES):
                    continue
                if any(pattern.match(path) for pattern in SKIP_PATTERNS):
                    continue
                pattern = _pattern(parts.path) + ("?" if parts.query else "")
                if per_pattern[pattern] >= PER_PATTERN:
                    continue
                per_pattern[pattern] += 1
                seen.add(path)
                queue.append(path)
        elif kind == "application/pdf":
            counts["pdf"] += 1
            found = problems(
                pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
            )
        elif "spreadsheetml" in kind:
            counts["xlsx"] += 1
            found = problems(xlsx_text(response.content))
        else:
            counts["other"] += 1
            found = []
        if found:
            report[url] = found
    return report, counts


def _format(report: dict[str, list[str]]) -> str:
    """One line per distinct finding (what was read, where it was read first, how often)."""
    where: dict[str, list[str]] = defaultdict(list)
    for url, found in report.items():
        for item in found:
            key = item.split(": …", 1)[0]
            where[key].append(f"{url}  {item.split(': ', 1)[1]}")
    lines = []
    for key, places in sorted(where.items()):
        lines.append(f"{key}（{len(places)} 处）")
        lines.extend(f"    {place}" for place in places[:2])
    return "\n".join(lines)


def test_the_checker_catches_what_a_clerk_should_not_read():
    """The patterns themselves, on the examples the issue quotes (and on text that is fine)."""
    bad = [
        "{'kind': 'rule', 'rule': 'R-STAFF-2'}",
        "evaluations.cycle.published",
        "work_plan = 1",
        "变更：False → True",
        "database is locked",
        "算法 ceil-share-random-sample-v1",
        "未达标：R-FUND-2",
        "['a', 'b']",
    ]
    for text in bad:
        assert problems(text), text
    good = [
        "王敏 公布了 2026 年度考评结果（第 1 版）",
        "基本运作经费保障 R-FUND-2",
        "用户名 director_zhujiajiao",
        "变更：否 → 是",
        "PDF、JPEG、PNG、DOCX、XLSX，不超过 20 MB",
        "统一社会信用代码 52310118MJ4866177X",
    ]
    for text in good:
        assert not problems(text), (text, problems(text))


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_every_page_pdf_and_export_reads_as_chinese(demo, client, username):
    from accounts.models import User

    require(shutil.which("pdftotext") is not None, "pdftotext (Debian package poppler-utils)")
    login_as(client, User.objects.get(username=username))
    report, counts = crawl(client, username)
    assert counts["pages"] >= 3, counts
    assert not report, f"{username} 读到了代码或英文（{dict(counts)}）：\n{_format(report)}"


@pytest.mark.django_db
def test_every_demo_report_reads_as_chinese(demo, client):
    """Every PDF the demo data set holds (each center report, each summary, each filing sheet)."""
    from accounts.models import User
    from reports.models import ReportDocument

    require(shutil.which("pdftotext") is not None, "pdftotext (Debian package poppler-utils)")
    login_as(client, User.objects.get(username="bureau"))
    documents = list(ReportDocument.objects.order_by("pk"))
    assert documents
    report = {}
    kinds = set()
    for document in documents:
        response = client.get(f"/reports/{document.pk}/download/")
        assert response.status_code == 200, document
        kinds.add(document.kind)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = pdf_text(content)
        found = problems(text)
        if not re.search(r"青民社评〔\d{4}〕第 \d{3} 号", text):
            found.append("没有文号（REPORT_NUMBER_PATTERN）: …")
        if found:
            report[f"{document} ({document.pk})"] = found
    assert len(kinds) == 3, kinds
    assert not report, _format(report)
