"""The book's other surfaces in a real browser: a re-run page, a 390-px phone, the student edition, print.

Run with the browser check (``pytest -m browser tests/browser``, after ``make book``). Like
``test_pages.py`` the pages are opened from ``file://`` with the network off, in the system
Chromium; without Chromium or playwright every test is skipped with the reason.

* A re-run page (``ampcore chapter run``'s render of chapter 4 from ``make test``'s run, or of its
  source) opens with the banner of what changed, typesets its math offline, loads its figures, and
  fits a phone.
* On a 390-px phone no page of the book overflows sideways, and no display formula or figure is
  wider than the screen unless it sits in a box that scrolls (never clipped, e.g. by an admonition).
* The student edition (``make student``, skipped if not built) has no solutions and no answer key.
* Print: one chapter page printed to PDF (``tools/print_pdf.py``, what ``make pdf`` does for the
  one-page book) keeps its figures, typeset math and chapter numbers; the whole-book PDF is
  checked when ``make pdf`` has made it. The whole book is not printed here (about a minute).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("AMPBOOK_HTML", ROOT / "_build" / "html")).resolve()
STUDENT = Path(os.environ.get("AMPBOOK_STUDENT_HTML", ROOT / "_build" / "student" / "_build" / "html")).resolve()
PDF = Path(os.environ.get("AMPBOOK_PDF", ROOT / "_build" / "pdf" / "ampbook.pdf")).resolve()
PHONE = {"width": 390, "height": 844}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


def _chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium, as root); browser checks skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    manager = sync_api.sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=executable, headless=True, args=FLAGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


# after MathJax and the images: sideways overflow of the page, and formulas or figures that are
# wider than the screen without a scrolling box around them, or clipped by a box that hides overflow
_LAYOUT = """
async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { if (i.loading === 'lazy') i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(d => {
    i.addEventListener('load', d, {once: true}); i.addEventListener('error', d, {once: true}); setTimeout(d, 5000); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const vw = document.documentElement.clientWidth;
  const bad = [];
  const items = document.querySelectorAll('mjx-container[display="true"], article img, .bd-article img, figure img');
  for (const el of items) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('.bd-sidebar-primary, .bd-sidebar-secondary, .bd-header')) continue;
    let scrolls = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'auto' || style.overflowX === 'scroll') { scrolls = true; break; }
      if ((style.overflowX === 'hidden' || style.overflowX === 'clip') && r.right > a.getBoundingClientRect().right + 1) {
        bad.push('clipped: ' + (el.getAttribute('src') || el.textContent).slice(0, 60)); break; }
    }
    if (!scrolls && r.right > vw + 1) bad.push('wider than the screen: ' + (el.getAttribute('src') || el.textContent).slice(0, 60));
  }
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  return {
    overflow: document.scrollingElement.scrollWidth - vw, bad,
    untypeset: math.filter(el => !el.querySelector('mjx-container')).length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0, 60)),
    banner: document.querySelectorAll('.rerun-banner').length,
    claims: document.querySelectorAll('.rerun-claims').length,
    solutions: document.querySelectorAll('.solution, .solution-title').length,
    answerKey: document.querySelectorAll('.tag_answer-key').length,
  };
}
"""


def _open(browser: Any, url: str, viewport: dict[str, int]) -> dict[str, Any]:
    context = browser.new_context(viewport=viewport, service_workers="block")
    outside: list[str] = []

    def route(r: Any) -> None:
        parts = urlsplit(r.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") not in ("127.0.0.1", "localhost", ""):
            outside.append(r.request.url)
            r.abort("internetdisconnected")
        else:
            r.continue_()

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url, wait_until="load")
        found: dict[str, Any] = page.evaluate(_LAYOUT)
    finally:
        context.close()
    found["outside"] = outside
    return found


def _chapter_pages() -> list[Path]:
    return sorted((HTML / "notebooks").glob("[0-9][0-9]_*.html")) if (HTML / "notebooks").is_dir() else []


@pytest.fixture(scope="module")
def rerun_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ampcore.book.render import render_chapter
    from ampcore.book.runner import find_chapters, resolve_chapter

    chapter = resolve_chapter("normal", find_chapters(ROOT / "notebooks"))
    executed = Path(os.environ.get("AMPBOOK_EXECUTED") or ROOT / "_build" / "executed") / chapter.path.name
    notebook = executed if executed.is_file() else chapter.path
    banner = (":::{admonition} What this run changed\n:class: note rerun-banner\nN = 500 (book: 2000).\n\n"
              "$$\nN_G \\ge N^{3/2} \\quad\\text{a display formula in a box, as wide as a phone allows}\\quad "
              "2 \\ln N_G \\ge 3 \\ln N\n$$\n:::\n")
    target = tmp_path_factory.mktemp("rerun") / f"{chapter.stem}.html"
    return render_chapter(notebook, target, book=ROOT, title=f"{chapter.title} (re-run: N=500)", banner=banner).path


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_rerun_page(browser: Any, rerun_page: Path, viewport: dict[str, int]) -> None:
    found = _open(browser, rerun_page.as_uri(), viewport)
    assert found["banner"] == 1
    assert found["untypeset"] == 0 and not found["broken"] and not found["outside"]
    assert found["overflow"] <= 1 and not found["bad"], found["bad"]


@pytest.mark.parametrize("page", [HTML / "book" / "intro.html", *_chapter_pages()], ids=lambda p: p.stem)
def test_phone_has_no_sideways_overflow(browser: Any, page: Path) -> None:
    if not page.is_file():
        pytest.skip(f"{page} is not built (make book)")
    found = _open(browser, page.as_uri(), PHONE)
    assert found["overflow"] <= 1, f"the page is {found['overflow']} px wider than a 390-px screen"
    assert not found["bad"], found["bad"]


def test_student_edition_has_no_solutions_nor_answer_key(browser: Any) -> None:
    if not (STUDENT / "book" / "intro.html").is_file():
        pytest.skip("the student edition is not built (make student)")
    chapters = sorted((STUDENT / "notebooks").glob("[0-9][0-9]_*.html"))
    assert chapters
    for page in chapters:
        found = _open(browser, page.as_uri(), {"width": 1280, "height": 900})
        assert found["solutions"] == 0, page.name
    teaching = _open(browser, (STUDENT / "book" / "teaching.html").as_uri(), {"width": 1280, "height": 900})
    assert teaching["answerKey"] == 0
    full = _open(browser, (HTML / "book" / "teaching.html").as_uri(), {"width": 1280, "height": 900})
    assert full["answerKey"] >= 1  # the book itself keeps the key


def test_a_printed_chapter_keeps_figures_math_and_numbers(browser: Any, tmp_path: Path) -> None:
    pages = _chapter_pages()
    if not pages:
        pytest.skip("the book is not built (make book)")
    from tools.print_pdf import print_pdf

    page = next((p for p in pages if p.name.startswith("04_")), pages[0])
    report = print_pdf(page, tmp_path / "chapter.pdf", browser=browser)
    assert report.ok, report.summary()
    assert report.pages >= 2 and report.figures >= 1 and report.images_in_pdf >= report.figures
    number = int(page.name[:2])
    numbers = [n.split(" ", 1)[1] for n in report.figure_numbers]  # "Fig. 4.1", "Exercise 4.2", ...
    assert numbers and all(n.startswith(f"{number}.") for n in numbers), report.figure_numbers


def test_whole_book_pdf() -> None:
    if not PDF.is_file():
        pytest.skip("the PDF is not built (make pdf)")
    from tools.print_pdf import pdf_images, pdf_pages

    data = PDF.read_bytes()
    figures = len(list((HTML / "_images").glob("*.png"))) if (HTML / "_images").is_dir() else 1
    assert pdf_pages(data) >= 50
    assert pdf_images(data) >= figures
