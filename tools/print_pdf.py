"""Print the book (or one page of it) to PDF with the system Chromium: offline, math and figures kept.

``make pdf`` builds the whole book as one HTML page (Sphinx's ``singlehtml`` builder, the same
sources, chapter numbers and execution cache as ``make book``) and runs::

    python tools/print_pdf.py _build/print/_build/singlehtml/book/intro.html _build/pdf/ampbook.pdf

The page is opened from ``file://`` with the network off (no host resolves; a request that would
leave the machine is aborted), the offline MathJax (book/_static/mathjax) typesets every formula
and every figure is loaded before Chromium prints it (A4, backgrounds, page numbers in the
footer). No TeX and no downloaded browser: the Chromium the browser check uses (``apt-get install
chromium``) is found on the PATH, or given with ``--chromium``; ``playwright install`` is never run.

It prints what it checked (pages, figures, formulas, chapter headings) and exits non-zero if a
figure did not load, a formula was not typeset or a request tried to leave the machine.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
# in print: no navigation, no buttons; figures and tables never wider than the page
PRINT_CSS = """
@media print {
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area, .bd-footer,
  .bd-footer-article, .bd-footer-content, .rerun-note, .sidebar-toggle, .theme-switch-button, .search-button,
  .dropdown-launch-buttons, .article-header-buttons, .skip-link, #pst-back-to-top { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
  .bd-container, .bd-page-width, .bd-main { max-width: 100% !important; }
  img { max-width: 100% !important; height: auto !important; break-inside: avoid; }
  figure, .cell_output img, table { break-inside: avoid; }
  section.ampbook-chapter { break-before: page; }
  mjx-container[display="true"] { overflow: visible !important; max-width: 100%; }
}
"""
_INSPECT = r"""
async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(img => { if (img.loading === 'lazy') img.loading = 'eager'; });
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done, {once: true}); img.addEventListener('error', done, {once: true});
    setTimeout(done, 10000); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  // every chapter starts a page: in the one-page book a chapter's title is an h2 numbered "N."
  const chapters = Array.from(document.querySelectorAll('h1, h2')).filter(h => {
    const n = h.querySelector('.section-number'); return n && /^\d+\.\s*$/.test(n.textContent); });
  chapters.forEach(h => { const s = h.closest('section'); if (s) s.classList.add('ampbook-chapter'); });
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  const visible = el => !el.closest('.rerun-note, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header');
  return {
    broken: imgs.filter(i => visible(i) && !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    figures: Array.from(document.querySelectorAll('article img, .bd-article img')).filter(visible).length,
    figureNumbers: Array.from(document.querySelectorAll('.caption-number')).map(e => e.textContent.trim()),
    math: math.length,
    untypeset: math.filter(el => !el.querySelector('mjx-container')).length,
    headings: chapters.map(h => h.textContent.replace(/#$/, '').trim()),
  };
}
"""


@dataclass
class PrintReport:
    """What was printed, and what would make the PDF wrong."""

    pdf: Path
    pages: int
    figures: int
    images_in_pdf: int
    math: int
    untypeset: int
    headings: list[str]
    figure_numbers: list[str]
    broken: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.broken or self.outside or self.untypeset) and self.pages > 0

    def summary(self) -> str:
        return (f"{self.pdf}: {self.pages} pages, {self.figures} figures ({self.images_in_pdf} images in the PDF), "
                f"{self.math} formulas ({self.untypeset} not typeset), {len(self.headings)} chapter headings; "
                f"{len(self.broken)} figures not loaded, {len(self.outside)} requests that tried to leave the machine")


def chromium_path(given: str | None = None) -> str | None:
    """The system Chromium: `given`, else the first of chromium, chromium-browser, google-chrome on the PATH."""
    if given:
        return given
    return next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF that Chromium wrote (its page objects are plain dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def pdf_images(data: bytes) -> int:
    """Image objects in a PDF (each figure is at least one)."""
    return len(re.findall(rb"/Subtype\s*/Image", data))


def print_pdf(html: Path, pdf: Path, *, chromium: str | None = None, browser: Any = None,
              timeout_ms: int = 180_000) -> PrintReport:
    """Print the page `html` to `pdf` with the system Chromium, after its math and figures are ready.

    `browser`: a playwright Chromium already launched (the browser check's); else one is launched.
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path(chromium)
    if executable is None and browser is None:
        raise FileNotFoundError("no Chromium on the PATH (apt-get install chromium, as root), nor --chromium")
    if not html.is_file():
        raise FileNotFoundError(f"{html} does not exist (build the book first: make pdf does)")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    text = html.read_text(encoding="utf-8")
    if (not (html.parent / "_static").is_dir() and (html.parent.parent / "_static").is_dir()
            and '"../_static/' not in text):
        # singlehtml writes the root page's links relative to its output folder, but puts a root
        # page that lives in a subfolder (book/intro) there: print a copy from the output folder
        copy = html.parent.parent / f"print-{html.name}"
        copy.write_text(text, encoding="utf-8")
        html = copy
    outside: list[str] = []

    def route(request_route: object) -> None:
        request = request_route.request  # type: ignore[attr-defined]
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") not in ("127.0.0.1", "localhost"):
            outside.append(request.url)
            request_route.abort("internetdisconnected")  # type: ignore[attr-defined]
        else:
            request_route.continue_()  # type: ignore[attr-defined]

    def run(browser: Any) -> dict[str, Any]:
        context = browser.new_context(viewport={"width": 1000, "height": 1400}, service_workers="block")
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.add_style_tag(content=PRINT_CSS)
            found: dict[str, Any] = page.evaluate(_INSPECT)
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf), format="A4", print_background=True, outline=True, tagged=True,
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                display_header_footer=True, header_template="<span></span>",
                footer_template='<div style="font-size:8px;width:100%;text-align:center;"><span class="pageNumber"></span></div>',
            )
            return found
        finally:
            context.close()

    if browser is not None:
        found = run(browser)
    else:
        with sync_playwright() as manager:
            launched = manager.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS, timeout=60_000)
            try:
                found = run(launched)
            finally:
                launched.close()
    data = pdf.read_bytes()
    return PrintReport(pdf=pdf, pages=pdf_pages(data), figures=found["figures"], images_in_pdf=pdf_images(data),
                       math=found["math"], untypeset=found["untypeset"], headings=found["headings"],
                       figure_numbers=found["figureNumbers"], broken=found["broken"], outside=outside)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/print_pdf.py", description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the page to print (the one-page book: .../singlehtml/book/intro.html)")
    parser.add_argument("pdf", type=Path, help="the PDF to write")
    parser.add_argument("--chromium", help="the Chromium executable (default: found on the PATH)")
    args = parser.parse_args(argv)
    try:
        report = print_pdf(args.html, args.pdf, chromium=args.chromium)
    except FileNotFoundError as exc:
        print(f"print_pdf: error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    for title in report.headings:
        print(f"  {title}")
    if not report.ok:
        print(f"print_pdf: error: the PDF is incomplete: {report.broken[:3]} {report.outside[:3]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
