"""Read the built book in a real browser: headless Chromium over every page of ``_build/html``.

Run by ``make test`` after the book is built (``pytest -m browser tests/browser``); the unit-test
run deselects it (``-m "not browser"``). Each page is opened from ``file://`` with the network
off (Chromium resolves no host but 127.0.0.1, and any request that would leave the machine is
aborted and fails the test) and must have: no error output cells (``Traceback``, ``...Error``), every
``<img>`` loaded, every math element typeset by the local MathJax (no raw ``\\(`` left), no
JavaScript errors. Chapter pages must also carry the generated "Re-run this chapter" note and
Binder/Colab launch links to the repository of ``_config.yml``; their first screen is saved to
``_build/screenshots/``. The search page is checked over ``http://127.0.0.1`` (search needs
``fetch``, which ``file://`` blocks).

``index.html`` is only a redirect and is never opened (research/toolchain.md section 5).

Without Chromium (``apt-get install chromium`` needs root) or without playwright (the ``test``
extra) every test here is skipped with a one-line reason. ``AMPBOOK_HTML`` points the tests at
another build (default ``_build/html``); screenshots go to the build's ``../screenshots``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("AMPBOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = HTML.parent / "screenshots"
SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static", "reports"}
# Never opened as pages: the meta-refresh redirect (Chromium can hang on it) and search.html,
# which has its own test over http.
NOT_PAGES = {"index.html", "search.html"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    # the network is off: no host name resolves except the loopback
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
PAGE_TIMEOUT_MS = 15_000
# JavaScript errors that are not ours and do no harm. sphinx-thebe 0.3.1 declares THEBE_JS_URL
# with `const` in two scripts of every page; thebe then loads only on a click, and works.
KNOWN_JS_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)


def _pages() -> list[Path]:
    if not HTML.is_dir():
        return []
    return sorted(
        path
        for path in HTML.rglob("*.html")
        if path.relative_to(HTML).as_posix() not in NOT_PAGES
        and not SKIP_DIRS.intersection(path.relative_to(HTML).parts)
    )


PAGES = _pages()


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _repository() -> str:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    return urlsplit(url).path.strip("/")  # owner/name


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium, as root); browser checks skipped")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]'); browser checks skipped"
    )
    if not HTML.is_dir() or not (HTML / "book" / "intro.html").is_file():
        pytest.fail(f"the book is not built at {HTML} (run `make book` first)")
    manager = sync_api.sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


class _Visit:
    """One page in a fresh browser context that records what left the machine and JS errors."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.page.on("pageerror", self._error)

    def _error(self, exc: Any) -> None:
        message = (str(exc).splitlines() or [repr(exc)])[0]
        if not any(known in message for known in KNOWN_JS_ERRORS):
            self.errors.append(message)

    def _route(self, route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") not in LOCAL_HOSTS:
            self.outside.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[_Visit]:
    v = _Visit(browser)
    try:
        yield v
    finally:
        v.close()


# Everything the page check needs, evaluated in the page after MathJax has finished.
_INSPECT = """
async () => {
  // images: lazy ones are made eager, then every <img> must have loaded with a real size
  const imgs = Array.from(document.images);
  imgs.forEach(img => { if (img.loading === 'lazy') img.loading = 'eager'; });
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done, {once: true});
    img.addEventListener('error', done, {once: true});
    setTimeout(done, 5000);
  })));
  const broken = imgs.filter(img => !(img.complete && img.naturalWidth > 0))
                     .map(img => img.getAttribute('src'));
  // math: wait for MathJax's first typeset; every .math element must hold its output
  let mathjax = 'absent';
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise; mathjax = 'typeset';
  }
  const mathNodes = Array.from(document.querySelectorAll('span.math, div.math'));
  const untypeset = mathNodes.filter(el => !el.querySelector('mjx-container, .katex'))
                             .map(el => el.textContent.trim().slice(0, 60));
  // raw TeX delimiters left in the visible text (code, pre and scripts are not text)
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest('pre, code, script, style, textarea, mjx-container, .highlight')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT });
  const raw = [];
  while (walker.nextNode()) {
    const t = walker.currentNode.nodeValue;
    if (/\\\\\\(|\\\\\\[|\\\\begin\\{/.test(t)) raw.push(t.trim().slice(0, 60));
  }
  // outputs: myst-nb renders errors as .output.traceback and stderr as .output.stderr; a chapter
  // may print the message of an exception it caught on purpose (stdout), but no traceback
  const outputs = Array.from(document.querySelectorAll('.cell_output .output'));
  const errorOutputs = outputs.filter(o =>
      o.classList.contains('traceback') || o.classList.contains('error') ||
      /Traceback \\(most recent call last\\)/.test(o.textContent) ||
      (o.classList.contains('stderr') && /\\b\\w*Error\\b/.test(o.textContent)))
    .map(o => o.className + ': ' + o.textContent.trim().slice(0, 100));
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
  return {
    title: document.title,
    h1: (document.querySelector('h1') || {textContent: ''}).textContent.trim(),
    broken, mathjax, nMath: mathNodes.length, untypeset, raw,
    nMjx: document.querySelectorAll('mjx-container').length,
    errorOutputs, nImages: imgs.length,
    rerun: Array.from(document.querySelectorAll('.rerun-note')).map(n => n.textContent),
    launch: links.filter(h => /mybinder\\.org|colab\\.research\\.google\\.com/.test(h)),
    text: document.body.innerText.length,
  };
}
"""


def _is_chapter(path: Path) -> bool:
    rel = path.relative_to(HTML)
    return rel.parts[0] == "notebooks" and re.match(r"^\d{2}_", rel.name) is not None


@pytest.mark.skipif(not PAGES, reason=f"no built pages in {HTML} (run `make book`)")
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(HTML).as_posix())
def test_page_reads_well(visit: _Visit, path: Path) -> None:
    start = time.perf_counter()
    visit.page.goto(path.as_uri(), wait_until="load")
    info = visit.page.evaluate(_INSPECT)
    rel = path.relative_to(HTML).as_posix()
    problems = []
    if not info["title"] or (rel != "genindex.html" and (not info["h1"] or info["text"] < 200)):
        problems.append(f"the page looks empty (h1 {info['h1']!r}, {info['text']} characters)")
    if info["errorOutputs"]:
        problems.append(f"error output cells: {info['errorOutputs']}")
    if info["broken"]:
        problems.append(f"images that did not load: {info['broken']}")
    if info["nMath"] and info["mathjax"] != "typeset":
        problems.append(f"{info['nMath']} math elements but MathJax did not load")
    if info["untypeset"]:
        problems.append(f"math left untypeset: {info['untypeset'][:5]}")
    if info["raw"]:
        problems.append(f"raw TeX in the text: {info['raw'][:5]}")
    if visit.errors:
        problems.append(f"JavaScript errors: {visit.errors}")
    if visit.outside:
        problems.append(f"requests that tried to leave the machine: {sorted(set(visit.outside))}")
    if _is_chapter(path):
        stem = path.stem
        topic = stem.split("_", 1)[1]
        note = " ".join(info["rerun"])
        if "Re-run this chapter" not in note or f"ampcore chapter run {topic}" not in note:
            problems.append("no generated 'Re-run this chapter' note with the ampcore command")
        elif f"papermill -k python3 --cwd notebooks notebooks/{stem}.ipynb" not in note:
            problems.append("the 'Re-run this chapter' note has no papermill command")
        repo = _repository()
        wanted = [f"mybinder.org/v2/gh/{repo}/", f"colab.research.google.com/github/{repo}/blob/"]
        for piece in wanted:
            if not any(piece in href and f"notebooks/{stem}.ipynb" in href for href in info["launch"]):
                problems.append(f"no launch link containing {piece!r} for notebooks/{stem}.ipynb: {info['launch']}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        visit.page.evaluate("window.scrollTo(0, 0)")
        visit.page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))
    elapsed = time.perf_counter() - start
    assert not problems, f"{rel}: " + "; ".join(problems)
    # a budget, not a benchmark: a page that takes this long is hanging on something
    assert elapsed < 10, f"{rel} took {elapsed:.1f} s to load and check"


def test_every_chapter_is_a_page() -> None:
    if not PAGES:
        pytest.skip(f"no built pages in {HTML} (run `make book`)")
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [nb.name for nb in notebooks if not (HTML / "notebooks" / f"{nb.stem}.html").is_file()]
    assert missing == [], f"chapters without a page in {HTML}: {missing}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()


@pytest.mark.skipif(not (HTML / "search.html").is_file(), reason=f"no {HTML / 'search.html'} (run `make book`)")
def test_search_finds_pages(visit: _Visit, server: str) -> None:
    # search for a word of the intro's title; the index is searchindex.js, loaded by JS
    title = re.search(r"<h1>(.*?)<", (HTML / "book" / "intro.html").read_text(encoding="utf-8"), re.S)
    words = re.findall(r"[A-Za-z]{5,}", title.group(1) if title else "")
    word = words[0] if words else "book"
    visit.page.goto(f"{server}/search.html?q={word}", wait_until="load")
    visit.page.wait_for_selector("#search-results ul.search li", timeout=PAGE_TIMEOUT_MS)
    hits = visit.page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))")
    assert hits, f"the search returned no result for {word!r}"
    assert not visit.errors, visit.errors
    assert not visit.outside, sorted(set(visit.outside))
    # a result opens a real page
    visit.page.click("#search-results ul.search li a")
    visit.page.wait_for_load_state("load")
    assert visit.page.locator("h1").count() >= 1


# --- the teaching layer: new pages and exercise toggles -----------------------------------------

SOLUTION_CHAPTER = "notebooks/01_question.html"  # a chapter whose first solution holds display math


@pytest.mark.parametrize(
    ("page", "must_show"),
    [
        ("notebooks/09_neighbours.html", ["Neighbouring Results", "Sample amplification", "replace versus accumulate",
                                          "What we found", "Exercises"]),
        ("book/teaching.html", ["Teaching with This Book", "Lecture 1", "Lecture 2", "The lab",
                                "Common misconceptions", "ampcore chapter run", "n_chain = 400"]),
    ],
)
def test_new_pages_have_their_sections(visit: _Visit, page: str, must_show: list[str]) -> None:
    path = HTML / page
    if not path.is_file():
        pytest.fail(f"{page} is not built (is it in _toc.yml?)")
    visit.page.goto(path.as_uri(), wait_until="load")
    text = visit.page.evaluate("document.body.innerText")
    missing = [piece for piece in must_show if piece not in text]
    assert missing == [], f"{page} lacks {missing}"
    if page.startswith("notebooks/"):
        # every exercise has a solution, hidden until asked for
        counts = visit.page.evaluate(
            "[document.querySelectorAll('.exercise').length, document.querySelectorAll('.solution.dropdown').length]")
        assert counts[0] >= 3 and counts[0] == counts[1], counts
    else:
        # the lab table is a real table with one parameter change per row, shown whole
        rows = visit.page.eval_on_selector_all("table tbody tr", "rows => rows.map(r => r.innerText)")
        lab = [row for row in rows if re.search(r"\b\d\d_[a-z_]+\b", row) and " = " in row]
        assert len(lab) >= 5, rows
        assert not [row for row in lab if "..." in row], "cut cells in the lab table"
    assert not visit.errors, visit.errors
    assert not visit.outside, sorted(set(visit.outside))


def test_a_solution_opens_on_click_and_its_math_is_typeset(visit: _Visit) -> None:
    path = HTML / SOLUTION_CHAPTER
    if not path.is_file():
        pytest.fail(f"{SOLUTION_CHAPTER} is not built")
    visit.page.goto(path.as_uri(), wait_until="load")
    visit.page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
    solution = visit.page.locator(".solution.dropdown").first
    body = solution.locator("section#solution-content")
    assert body.count() == 1
    assert not body.is_visible(), "the solution is shown before it is asked for"
    solution.locator(".toggle-button").first.click()
    body.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    # its math: every math element inside is typeset by MathJax and has a size on screen
    math = visit.page.evaluate(
        """() => {
          const body = document.querySelector('.solution.dropdown section#solution-content');
          const nodes = Array.from(body.querySelectorAll('span.math, div.math'));
          return {
            count: nodes.length,
            display: body.querySelectorAll('div.math').length,
            untypeset: nodes.filter(n => !n.querySelector('mjx-container')).length,
            sized: nodes.filter(n => { const r = n.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
          };
        }"""
    )
    assert math["count"] > 0 and math["display"] > 0, math
    assert math["untypeset"] == 0, math
    assert math["sized"] == math["count"], math
    # and a second click hides it again
    solution.locator(".toggle-button").first.click()
    body.wait_for(state="hidden", timeout=PAGE_TIMEOUT_MS)
    assert not visit.errors, visit.errors
