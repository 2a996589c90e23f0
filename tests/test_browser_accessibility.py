"""axe-core (npm, loaded from node_modules — never served by the portal) over a handful of pages in
real Chromium, and the organisation list at 320 px scrolling inside its wrapper (issue 15 §7)."""

from pathlib import Path

import pytest

from core.testing import require

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/", "/centers/overview/", "/centers/organizations/", "/evaluations/", "/staffing/district/"]


def test_axe_finds_nothing_and_the_organisation_list_scrolls_in_its_wrapper(page, live_server, login, demo):
    require(AXE.exists(), "axe-core in node_modules (npm ci)")
    page.add_init_script(path=str(AXE))
    login(page, "bureau")
    found = {}
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        violations = page.evaluate(
            """() => axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa"]})
                 .then(r => r.violations.map(v => v.id + "：" + v.nodes.map(n => n.target.join(" ")).slice(0, 3)))"""
        )
        if violations:
            found[path] = violations
    assert not found, found

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/centers/organizations/")
    widths = page.evaluate(
        """() => { const w = document.querySelector('[data-testid="organizations"]').closest('.table-wrap');
                   return {page: document.documentElement.scrollWidth, wrap: w.clientWidth,
                           table: w.scrollWidth, overflow: getComputedStyle(w).overflowX}; }"""
    )
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 321
                   && (!e.closest('.table-wrap') || !e.offsetParent || !e.offsetParent.closest('.table-wrap'))).slice(0, 8).map(e => e.tagName + '.' + e.className + ' '
                   + Math.round(e.getBoundingClientRect().right))"""
    )
    assert widths["page"] <= 320, (widths, wide)  # the page itself does not scroll sideways
    assert widths["overflow"] == "auto" and widths["table"] > widths["wrap"], widths
