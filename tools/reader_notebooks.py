"""Executed chapters that read anywhere: numbers in the prose, plain Markdown, no MyST roles.

``python tools/reader_notebooks.py [SOURCE] [TARGET]`` (``make reader-notebooks``; defaults
``_build/jupyter_execute/notebooks`` and ``_build/notebooks``) writes, for every executed chapter
``NN_topic.ipynb`` in SOURCE, a notebook for Jupyter, Colab or a download, whose Markdown has

* every ``{glue:text}`key:fmt``` replaced by the value of this run, formatted as in the book;
* ``{cite:t}`` and ``{cite:p}`` as "Watts and Crow (2025)" and "(Watts and Crow, 2025)" (from
  ``book/references.bib``), ``{term}`` as its text, ``{doc}`` as a link to the chapter's
  notebook beside it, ``{ref}``/``{numref}``/``{prf:ref}``/``{eq}`` as their text or label;
* ``:::`` fences as plain Markdown: admonitions and notes as block quotes with a bold title,
  exercises and solutions as bold headings, propositions and proofs likewise;
* labels dropped (``(label)=`` lines, ``$$ ... $$ (label)``).

Code cells and their outputs (figures included) are kept as executed. ``make book`` also puts them
where the book's download button points (``_build/html/_sources/notebooks/``), so a downloaded
chapter reads like the page.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_CHAPTER = re.compile(r"^\d\d_[A-Za-z0-9_]+\.ipynb$")
LABEL_KINDS = {"prop": "proposition", "ex": "exercise", "sol": "solution", "fig": "figure", "tab": "table",
               "eq": "equation", "sec": "section", "def": "definition", "thm": "theorem"}
ADMONITION_TITLES = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important",
                     "prf:proposition": "Proposition", "prf:proof": "Proof", "prf:theorem": "Theorem"}


def glue_values(nb: dict[str, Any], sidecar: dict[str, Any] | None = None) -> dict[str, Any]:
    """name → value of every ``glue`` output of an executed notebook (MyST-NB / scrapbook).

    `sidecar`: the ``NN_topic.glue.json`` that MyST-NB writes beside the notebooks it executes for
    the book (``_build/jupyter_execute``), whose copies hold no glue outputs themselves.
    """
    values: dict[str, Any] = {}
    outputs = [output for cell in nb.get("cells", []) for output in cell.get("outputs", [])]
    outputs += list((sidecar or {}).values())
    for output in outputs:
        meta = (output.get("metadata") or {}).get("scrapbook") or {}
        name = meta.get("name")
        if not name:
            continue
        data = output.get("data") or {}
        text = next((v for k, v in data.items() if k.endswith("text/plain")), None)
        if text is None:
            continue
        text = "".join(text) if isinstance(text, list) else str(text)
        try:
            values[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            values[name] = text.strip("'\"")
    return values


def _format(value: Any, spec: str) -> str:
    try:
        return format(value, spec) if spec else str(value)
    except (ValueError, TypeError):
        return str(value)


def bib_names(bib: Path) -> dict[str, tuple[str, str]]:
    """BibTeX key → (authors in words, year), from `bib`."""
    out: dict[str, tuple[str, str]] = {}
    if not bib.is_file():
        return out
    text = bib.read_text(encoding="utf-8")
    for match in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,(.*?)\n\}", text, flags=re.S):
        key, body = match.group(1), match.group(2)
        author = re.search(r"author\s*=\s*\{(.*?)\}\s*,?\s*\n", body, flags=re.S)
        year = re.search(r"year\s*=\s*\{?(\d{4})", body)
        surnames = [part.split(",")[0].strip(" {}") for part in (author.group(1) if author else key).split(" and ")]
        words = surnames[0] if len(surnames) == 1 else (
            f"{surnames[0]} and {surnames[1]}" if len(surnames) == 2 else f"{surnames[0]} et al.")
        out[key] = (words, year.group(1) if year else "n.d.")
    return out


def plain_markdown(text: str, glue: dict[str, Any], bib: dict[str, tuple[str, str]], titles: dict[str, str]) -> str:
    """`text` (MyST) as plain Markdown with this run's numbers."""

    def glue_role(m: re.Match[str]) -> str:
        body = m.group(1)
        key, _, spec = body.partition(":")
        return _format(glue[key], spec) if key in glue else f"`{body}`"

    def cite(m: re.Match[str]) -> str:
        kind, keys = m.group(1), [k.strip() for k in m.group(2).split(",")]
        names = [bib.get(k, (k, "")) for k in keys]
        if kind == "t":
            return "; ".join(f"{a} ({y})" for a, y in names)
        return "(" + "; ".join(f"{a}, {y}" for a, y in names) + ")"

    def titled(m: re.Match[str]) -> str:
        body = m.group(2)
        inner = re.match(r"^(.*?)\s*<([^>]+)>$", body, flags=re.S)
        if inner:
            return inner.group(1)
        if m.group(1) == "term":
            return body
        kind = LABEL_KINDS.get(body.split("-", 1)[0])
        return f"the {kind} ({body})" if kind else f"({body})"

    def doc(m: re.Match[str]) -> str:
        body = m.group(1)
        inner = re.match(r"^(.*?)\s*<([^>]+)>$", body, flags=re.S)
        label, target = (inner.group(1), inner.group(2)) if inner else (None, body)
        name = Path(target).name
        if re.match(r"^\d\d_", name):
            return f"[{label or titles.get(name, name)}]({name}.ipynb)"
        return label or titles.get(name, name)

    text = re.sub(r"\{glue(?::text|:any|:)?\}`([^`]+)`", glue_role, text)
    text = re.sub(r"\{cite:([tp])\}`([^`]+)`", cite, text)
    text = re.sub(r"\{cite\}`([^`]+)`", lambda m: cite(re.match(r"(p)(.*)", "p" + m.group(1), flags=re.S)), text)  # type: ignore[arg-type]
    text = re.sub(r"\{doc\}`([^`]+)`", doc, text)
    text = re.sub(r"\{(term|ref|numref|prf:ref)\}`([^`]+)`", titled, text)
    text = re.sub(r"\{eq\}`([^`]+)`", r"(\1)", text)
    text = re.sub(r"^\([A-Za-z0-9_:.-]+\)=\s*$\n?", "", text, flags=re.M)
    text = re.sub(r"^\$\$\s*\([A-Za-z0-9_:.-]+\)\s*$", "$$", text, flags=re.M)
    return _fences(text)


def _fences(text: str) -> str:
    """``:::{name} title`` ... ``:::`` blocks (nested too) as plain Markdown."""
    out: list[str] = []
    stack: list[str] = []
    for line in text.split("\n"):
        opening = re.match(r"^(:{3,})\{([a-z:-]+)\}\s*(.*)$", line)
        if opening:
            name, title = opening.group(2), opening.group(3).strip()
            stack.append(opening.group(1))
            if name in ("exercise-end", "solution-end"):
                out.append("")
            elif name in ("exercise-start", "exercise"):
                out.append(f"**Exercise.** {title}".rstrip())
            elif name in ("solution-start", "solution"):
                out.append("**Solution.**")
            elif name == "admonition":
                out.append(f"> **{title}**" if title else ">")
            else:
                label = ADMONITION_TITLES.get(name, name.split(":")[-1].capitalize())
                out.append(f"> **{label}{' (' + title + ')' if title else ''}.**")
            continue
        if stack and re.match(r"^:{3,}\s*$", line):
            stack.pop()
            out.append("")
            continue
        if stack and re.match(r"^:[a-z-]+:", line):  # directive options (:label:, :class:, ...)
            continue
        quoted = out and out[-1].startswith(">") and stack
        out.append(("> " + line).rstrip() if quoted else line)
    return "\n".join(out)


def reader_notebook(nb: dict[str, Any], bib: dict[str, tuple[str, str]], titles: dict[str, str],
                    sidecar: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the executed `nb` whose Markdown cells are plain Markdown with its numbers."""
    glue = glue_values(nb, sidecar)
    out = json.loads(json.dumps(nb))
    for cell in out.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            plain = plain_markdown(text, glue, bib, titles)
            parts = plain.split("\n")
            cell["source"] = [p + "\n" for p in parts[:-1]] + [parts[-1]]
    out.setdefault("metadata", {})["ampbook_reader"] = "numbers substituted by tools/reader_notebooks.py"
    return out


def _titles(folder: Path) -> dict[str, str]:
    titles = {}
    for path in folder.glob("[0-9][0-9]_*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                match = re.search(r"^#\s+(.+?)\s*$", "".join(cell.get("source", [])), flags=re.M)
                if match:
                    titles[path.stem] = match.group(1)
                    break
    return titles


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else ROOT / "_build" / "jupyter_execute" / "notebooks"
    target = Path(args[1]) if len(args) > 1 else ROOT / "_build" / "notebooks"
    paths = sorted(p for p in source.glob("*.ipynb") if _CHAPTER.match(p.name)) if source.is_dir() else []
    if not paths:
        print(f"reader_notebooks: error: no executed chapters NN_topic.ipynb in {source} (build the book first)",
              file=sys.stderr)
        return 1
    bib = bib_names(ROOT / "book" / "references.bib")
    titles = _titles(ROOT / "notebooks")
    target.mkdir(parents=True, exist_ok=True)
    left = missing = 0
    for path in paths:
        glue_file = path.with_suffix(".glue.json")
        sidecar = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else None
        nb = reader_notebook(json.loads(path.read_text(encoding="utf-8")), bib, titles, sidecar)
        text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        left += sum(text.count(role) for role in ("{glue", "{cite", "{term}", "{doc}", ":::{"))
        missing += len(re.findall(r"`[A-Za-z_][A-Za-z0-9_]*:[<>^=+ ,#0-9.]*[dfeg%s]`", text))
        (target / path.name).write_text(text, encoding="utf-8")
    print(f"reader_notebooks: {len(paths)} chapters written to {target} ({left} MyST roles or fences left, "
          f"{missing} glued values not found)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
