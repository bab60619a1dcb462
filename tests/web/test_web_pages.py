"""The web pages in a real headless Chromium against a real ``clearway serve``.

Each test opens a fresh browser context (no cookies) and signs in through the sign-in form, as a
person would. Screenshots of every page go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("web")

DAYA_BAY = Path(__file__).resolve().parents[2] / "examples" / "cases" / "daya-bay.yaml"

# Every visible form control has a label: <label for>, a wrapping label, or aria-label(ledby).
UNLABELLED_JS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !el.hidden)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""


# Text whose contrast with its background is under WCAG AA (4.5:1, 3:1 for large text).
LOW_CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c; }
    return [255, 255, 255]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none' || !el.getClientRects().length) continue;
    if (el.closest('.skip, .chart, meter, progress, option, select')) continue;
    const a = lum(rgb(st.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && +st.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2) + ' ' + el.textContent.trim().slice(0, 40));
  }
  return bad;
}"""


def real_errors(pg) -> list[str]:
    """Console errors other than the HTTP statuses a test provoked on purpose."""
    return [e for e in pg.console_errors if "Failed to load resource" not in e]


def check_page_basics(pg) -> None:
    """lang attribute, one h1, labelled controls, readable contrast, no script or CSP errors."""
    assert pg.get_attribute("html", "lang") in ("en", "zh-Hans")
    assert pg.locator("h1").count() == 1
    assert pg.evaluate(UNLABELLED_JS) == []
    assert pg.evaluate(LOW_CONTRAST_JS) == []
    assert real_errors(pg) == []


# -- signing in ------------------------------------------------------------------------------

def test_sign_in_with_an_api_key(page, signed_in, shot, web):
    page.goto("/search")
    assert "/signin" in page.url  # not signed in: sent to the sign-in page, and back afterwards
    check_page_basics(page)
    shot(page, "signin")
    signed_in(page, key_role="analyst")
    assert page.inner_text("h1") == "Search the lists"
    assert "test-analyst" in page.inner_text("header")  # a key is named by its name
    # The session cookie is HttpOnly and SameSite=Lax, and holds no key.
    cookie = next(c for c in page.context.cookies() if c["name"] == "cw_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert web.keys["analyst"].split("_", 2)[2] not in cookie["value"]
    # Signing out ends the session.
    page.click("form.signout button")
    page.wait_for_url("**/signin")
    page.goto("/search")
    assert "/signin" in page.url


def test_sign_in_with_a_username_and_password(page, signed_in):
    page.goto("/signin")
    page.fill("#username", "alice")
    page.fill("#password", "not the password")
    page.click("#pw-h ~ form button[type=submit]")
    assert page.locator("#signin-error").is_visible()
    signed_in(page, user="alice")
    assert "alice" in page.inner_text("header")
    assert "reviewer" in page.inner_text("header")


def test_a_revoked_key_signs_the_session_out(page, signed_in, web):
    from service_support import Cli

    key = Cli(web.home).create_key("analyst", web.db_url, name="to revoke")
    page.goto("/signin")
    page.fill("#api_key", key)
    page.click("#key-h ~ form button[type=submit]")
    page.wait_for_url("**/search")
    run = Cli(web.home)("keys", "revoke", key.split("_", 2)[1], "--db", web.db_url)
    assert run.returncode == 0, run.stderr
    page.goto("/search")
    assert "/signin" in page.url


# -- search and compare ----------------------------------------------------------------------

def test_search_in_chinese_finds_the_entity_as_you_type(page, signed_in, shot):
    signed_in(page, user="alice")
    check_page_basics(page)
    page.click("#q")
    page.keyboard.type("华为技术有限公司", delay=20)
    # The results of the whole name (not of a prefix typed on the way) are in.
    page.wait_for_function("() => (document.querySelector('#results .summary') || {}).textContent?.includes('华为技术有限公司')")
    first = page.locator("ol.matches > li").first
    assert "HUAWEI TECHNOLOGIES" in first.locator("h2").inner_text().upper()
    assert first.locator("ul.badges li", has_text="EL").count() >= 1
    assert first.locator(".explanation").inner_text().strip()
    # The legal effect, with links to the Federal Register citation and the publisher's page.
    fr = first.locator("a[href^='https://www.federalregister.gov/citation/']").first
    assert re.fullmatch(r"https://www\.federalregister\.gov/citation/\d+-FR-\d+", fr.get_attribute("href"))
    assert first.locator(".listing", has_text="Entity List").count() >= 1
    assert "q=" in page.url  # the address follows the box, so a result can be shared
    check_page_basics(page)
    shot(page, "search", full_page=False)

    # Traditional characters find the university by its English name.
    page.fill("#q", "電子科技大學")
    page.wait_for_function(
        "() => (document.querySelector('ol.matches h2') || {}).textContent?.includes('Electronic Science and Technology')")
    assert "University of Electronic Science and Technology of China" in page.locator("ol.matches h2").first.inner_text()
    assert page.locator("ol.matches mark").count() >= 1  # the matched name form is marked


def test_search_works_without_script(browser, web):
    ctx = browser.new_context(base_url=web.base_url, java_script_enabled=False)
    try:
        pg = ctx.new_page()
        pg.goto("/signin")
        pg.fill("#api_key", web.keys["analyst"])
        pg.click("#key-h ~ form button[type=submit]")
        pg.wait_for_url("**/search")
        pg.goto("/search?q=Beihang+University")
        assert "Beihang University" in pg.locator("ol.matches h2").first.inner_text()
    finally:
        ctx.close()


def test_compare_two_names_side_by_side(page, signed_in, shot):
    signed_in(page, key_role="analyst", next_path="/compare")
    page.fill("#a", "Tsinghua University")
    page.fill("#b", "清华大学")
    page.click(".compare-form button[type=submit]")
    page.wait_for_selector(".compare-result")
    assert page.locator(".verdict.yes").count() == 1
    assert page.locator(".compare-result .card").count() == 2
    check_page_basics(page)
    shot(page, "compare")


# -- cases -----------------------------------------------------------------------------------

def test_case_uploaded_then_a_hit_adjudicated_commented_and_reported(page, signed_in, shot):
    signed_in(page, user="alice", next_path="/cases")
    check_page_basics(page)
    page.set_input_files("#case_file", str(DAYA_BAY))
    page.click("#upload-h ~ button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/case_[0-9a-f]+$"))
    assert page.locator(".assessment-box .assess").inner_text() == "legal-review"
    # Every finding names its rule and its citations.
    findings = page.locator("article.finding")
    assert findings.count() >= 5
    assert findings.first.locator(".mono").inner_text().startswith("listing.")
    assert findings.first.locator("text=Citations").count() == 1
    check_page_basics(page)
    shot(page, "case", full_page=False)

    party = page.locator("article.party", has_text="China General Nuclear Power").first
    form = party.locator("form.decide").first
    form.locator("input[value='true-match']").check()
    form.locator("textarea").fill("Same company: CGN, Shenzhen; the plant operator named in the proposal.")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("p.notice")
    assert "Decision recorded" in page.inner_text("p.notice")
    party = page.locator("article.party", has_text="China General Nuclear Power").first
    assert "true-match" in party.locator("p.decision").first.inner_text()

    page.fill("#comment-text", "请确认设备出口许可证的申请进度")
    page.click("#comments button[type=submit]")
    page.wait_for_selector("#comments .comment")
    assert "出口许可证" in page.inner_text("#comments")

    with page.expect_download() as dl:
        page.click("a[href$='/report.pdf']")
    pdf = Path(dl.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    md = page.context.request.get(page.url.split("?")[0].split("#")[0] + "/report.md")
    assert md.ok and "true-match" in md.text()

    page.goto("/cases")
    assert page.locator("table.data tbody tr").count() >= 1
    shot(page, "cases", full_page=False)


def test_a_case_written_in_the_form(page, signed_in):
    signed_in(page, user="alice", next_path="/cases")
    page.fill("#title", "Open climate data exchange")
    page.check("#act-publish-openly")
    page.fill("#party0_name", "Example University")
    page.fill("#party0_country", "US")
    page.fill("#party1_name", "电子科技大学")
    page.fill("#party1_country", "CN")
    page.click("#write-h ~ button[type=submit]")
    page.wait_for_url(re.compile(r".*/cases/case_[0-9a-f]+$"))
    assert "Electronic Science and Technology" in page.locator("article.party", has_text="电子科技大学").inner_text()
    # A bad form is shown again with its error, the values kept.
    page.goto("/cases")
    page.fill("#title", "No activities")
    page.fill("#party0_name", "Example University")
    page.click("#write-h ~ button[type=submit]")
    assert page.locator("#case-error").is_visible()
    assert page.input_value("#title") == "No activities"


def test_a_viewer_reads_cases_but_may_not_decide_or_search(page, signed_in):
    signed_in(page, user="vera", next_path="/landscape")
    page.goto("/cases")
    assert page.locator("#new-h").count() == 0  # no form to create one
    resp = page.goto("/search")
    assert resp.status == 403
    assert "analyst" in page.inner_text("p.error")


# -- batch -----------------------------------------------------------------------------------

def test_batch_file_uploaded_progress_shown_results_downloaded(page, signed_in, shot, tmp_path):
    pytest.importorskip("clearway.batch")
    rows = [("p1", "华为技术有限公司", "CN"), ("p2", "Beihang University", "CN"), ("p3", "Example Bakery Ltd", "US"),
            ("p4", "", "CN"), ("p5", "電子科技大學", "CN")]
    src = tmp_path / "partners.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "country"])
        w.writerows(rows)
    signed_in(page, key_role="analyst", next_path="/batch")
    check_page_basics(page)
    page.set_input_files("#file", str(src))
    page.click("#up-h ~ button[type=submit]")
    page.wait_for_url(re.compile(r".*/batch/[0-9a-f]{16}$"))
    page.wait_for_selector("#job[data-status='done']", timeout=90_000)
    assert page.locator("#job-results").is_visible()
    assert page.inner_text("#c-matched").strip() == "3"
    assert page.inner_text("#c-rejected").strip() == "1"
    check_page_basics(page)
    shot(page, "batch")

    with page.expect_download() as dl:
        page.click("#dl-output")
    assert dl.value.suggested_filename == "partners-screened.csv"
    out = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text("utf-8-sig"))))
    by_id = {r["id"]: r for r in out}
    assert by_id["p1"]["clearway_status"] == "match" and "EL" in by_id["p1"]["clearway_lists"]
    assert by_id["p3"]["clearway_status"] == "clear"
    with page.expect_download() as dl:
        page.click("#dl-matches")
    assert "华为技术有限公司" in Path(dl.value.path()).read_text("utf-8")

    page.goto("/batch")
    assert page.locator("table.data a", has_text="partners.csv").count() >= 1


def test_a_batch_is_private_to_its_owner(page, signed_in, browser, web, tmp_path):
    pytest.importorskip("clearway.batch")
    src = tmp_path / "one.csv"
    src.write_text("name\nTsinghua University\n", encoding="utf-8")
    signed_in(page, key_role="analyst", next_path="/batch")
    page.set_input_files("#file", str(src))
    page.click("#up-h ~ button[type=submit]")
    page.wait_for_url(re.compile(r".*/batch/[0-9a-f]{16}$"))
    job_url = page.url
    other = browser.new_context(base_url=web.base_url)
    try:
        pg = other.new_page()
        pg.goto("/signin")
        pg.fill("#username", "alice")
        pg.fill("#password", "alice-correct-horse-7")
        pg.click("#pw-h ~ form button[type=submit]")
        pg.wait_for_url("**/search")
        assert pg.goto(job_url).status == 404
    finally:
        other.close()


# -- lists and landscape ---------------------------------------------------------------------

def test_lists_page_shows_versions_last_update_diff_and_alerts(page, signed_in, shot):
    signed_in(page, user="vera", next_path="/lists")
    assert page.locator("table.data", has_text="Entity List").count() >= 1
    assert page.locator("details.source summary", has_text="csl").count() == 1
    assert page.locator("#diffs-h ~ article", has_text="csl").count() == 1  # the bundle has CSL 2022 and 2026
    assert page.locator("#watch-h").is_visible() and page.locator("text=Alerts").count() >= 1
    check_page_basics(page)
    shot(page, "lists", full_page=False)
    page.click("a[href='/lists/diff/csl']")
    page.wait_for_url("**/lists/diff/csl")
    assert page.locator("#added-h").is_visible()
    shot(page, "diff", full_page=False)


def test_landscape_charts_render(page, signed_in, shot):
    signed_in(page, user="vera", next_path="/landscape")
    el_china = int(page.inner_text("#el-china").replace(",", ""))
    assert el_china > 800  # "over 800 Chinese entities are on the Entity List", checkable here
    ids = ["chart-lists", "chart-countries", "chart-years", "chart-china-years", "chart-sectors", "chart-additions"]
    for cid in ids:
        page.wait_for_selector(f"#{cid}[data-rendered]")
        drawn = page.evaluate("""(id) => {
            const c = document.querySelector('#' + id + ' canvas');
            if (!c || !c.width || !c.height) return 0;
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 16) if (data[i] > 0) painted++;
            return painted;
        }""", cid)
        assert drawn > 500, f"{cid} is empty"
    # Hovering shows a tooltip without breaking the Content-Security-Policy (checked below).
    chart = page.locator("#chart-countries")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + 40)
    page.wait_for_timeout(300)
    page.select_option("#country-list", "EL")
    page.wait_for_timeout(300)
    check_page_basics(page)
    shot(page, "landscape")


# -- language --------------------------------------------------------------------------------

def test_language_switch_and_browser_preference(page, signed_in, shot, browser, web):
    signed_in(page, user="alice")
    assert page.inner_text("h1") == "Search the lists"
    page.click("a[hreflang='zh-Hans']")
    page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'")
    assert page.inner_text("h1") == "检索名单"
    assert page.locator("nav a", has_text="合作项目").count() == 1
    page.fill("#q", "华为技术有限公司")
    page.locator("ol.matches > li").first.wait_for()
    assert "匹配" in page.locator("ol.matches .explanation").first.inner_text()
    shot(page, "search-zh", full_page=False)
    page.goto("/landscape")
    assert page.inner_text("h1") == "名单概览"
    page.wait_for_selector("#chart-sectors[data-rendered]")
    shot(page, "landscape-zh", full_page=False)
    page.click("a[hreflang='en']")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.inner_text("h1") == "The landscape of the lists"

    # A browser that prefers Chinese gets Chinese without touching the switch.
    ctx = browser.new_context(base_url=web.base_url, locale="zh-CN")
    try:
        pg = ctx.new_page()
        pg.goto("/signin")
        assert pg.inner_text("h1") == "登录"
        assert pg.get_attribute("html", "lang") == "zh-Hans"
    finally:
        ctx.close()


# -- security and accessibility --------------------------------------------------------------

def test_a_form_post_without_the_csrf_token_is_refused(page, signed_in, web):
    signed_in(page, user="alice", next_path="/cases")
    status = page.evaluate("""async () => {
        const f = new FormData();
        f.append('title', 'forged'); f.append('activities', 'publish-openly');
        f.append('party0_name', 'Example University');
        const r = await fetch('/cases', {method: 'POST', body: f, credentials: 'same-origin'});
        return r.status;
    }""")
    assert status == 403
    status = page.evaluate("""async () => {
        const f = new FormData(); f.append('csrf_token', 'not-the-token');
        const r = await fetch('/signout', {method: 'POST', body: f, credentials: 'same-origin'});
        return r.status;
    }""")
    assert status == 403
    page.goto("/cases")  # still signed in
    assert "/cases" in page.url
    # Headers on every page.
    r = httpx.get(f"{web.base_url}/signin")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Lax" in r.headers["set-cookie"]


def test_keyboard_navigation_skip_link_and_focus(page, signed_in):
    signed_in(page, key_role="analyst")
    page.goto("/search")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # The search box is reachable by keyboard and takes typing.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"


def test_phone_width_search_is_usable(browser, web, shot):
    ctx = browser.new_context(base_url=web.base_url, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True)
    try:
        pg = ctx.new_page()
        pg.goto("/signin")
        pg.fill("#username", "alice")
        pg.fill("#password", "alice-correct-horse-7")
        pg.click("#pw-h ~ form button[type=submit]")
        pg.wait_for_url("**/search")
        box = pg.locator("#q").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 40
        pg.locator("#q").tap()
        pg.keyboard.type("Beihang University")
        pg.wait_for_function("() => (document.querySelector('#results .summary') || {}).textContent?.includes('Beihang University')")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the screen
        button = pg.locator(".searchbox button").bounding_box()
        assert button and button["height"] >= 40
        shot(pg, "search-phone", full_page=False)
    finally:
        ctx.close()
