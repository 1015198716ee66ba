"""The statistical standard of the book's prose (CONTRIBUTING.md, "Statistical standard").

Every sentence of the chapters (the markdown cells of ``notebooks/NN_*.ipynb``) and of the other
pages (``book/*.md``, the markdown cells of ``book/*.ipynb``) that uses an *agreement word* must
carry its evidence. The sentence passes if

1. it, or the next sentence of the same cell or page, glues a test statistic in standard errors:
   a ``{glue:text}`` (or ``{glue}``) role whose key has a ``z`` part (``law_z``, ``z_floor``,
   ``gap_z_max``: the key split at ``_`` holds ``z``), or any glued value followed within three
   words by ``SE`` or ``standard error(s)`` ("differs by {glue:text}`gap:.1f` SE");
2. it labels itself an identity: it contains "identity", "identities", "by construction" or
   "by definition";
3. it is a question (ends with ``?``: an exercise or a section asking, not claiming);
4. it quotes the paper: it lies inside a ``Quoted`` admonition;
5. or it is listed in ``tests/data/prose_allow.toml`` (file, a snippet that occurs in exactly
   one sentence of that file, and the reason the word is not a claim there).

Agreement words (``AGREEMENT`` below, case-insensitive, whole words): agree, agrees, agreed,
agreeing, agreement; consistent, consistently; hold, holds; match, matches, matched; follow,
follows (not "following"); confirm, confirms, confirmed, confirming, confirmation; reproduce,
reproduces, reproduced; coincide, coincides; indistinguishable; "in line with"; "as predicted",
"as expected"; "borne out", "bears out"; "within (the / its / their / the estimator's …)
noise / error(s) / error bars / uncertainty". Phrases that use "follow" for order or logic, not
for data ("as follows", "what follows", "follows from"), are not agreement claims and are
skipped automatically.

Markdown is reduced to sentences first: code fences are dropped; the fence and option lines of
MyST directives (```` ```{note} ````, ``:::{admonition}``, ``:label:``) are dropped and their body
kept; display and inline math become ``MATH``; roles keep their text (``{doc}``, ``{term}``) or
become a glue marker; inline code becomes ``CODE``; headings, list items, table rows and blank
lines end a sentence; a sentence ends at ``.``, ``!`` or ``?`` followed by a space and a
capital, a digit, a marker or an opening bracket, except after "e.g.", "i.e.", "et al.", "cf.",
"vs.", "Fig.", "Eq." (a single capital before a full stop ends a sentence: "… at every M. Then …").
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOW_FILE = ROOT / "tests" / "data" / "prose_allow.toml"

AGREEMENT = re.compile(
    r"\b(?:agree(?:s|d|ing|ment)?|consistent(?:ly)?|holds?|match(?:es|ed)?|follows?|"
    r"confirm(?:s|ed|ing|ation)?|reproduce[sd]?|coincides?|indistinguishable|in line with|"
    r"as predicted|as expected|borne out|bears out|"
    r"within (?:the |its |their )?(?:\w+(?:'s|’s) )?(?:noise|errors?|error bars|uncertainty))\b",
    re.IGNORECASE,
)
NOT_A_CLAIM = re.compile(r"\b(?:as follows|what follows|follows from)\b", re.IGNORECASE)
IDENTITY = re.compile(r"\b(?:identity|identities|by construction|by definition)\b", re.IGNORECASE)
GLUE = "\u27e6glue:{}\u27e7"  # ⟦glue:key⟧
GLUE_RE = re.compile("\u27e6glue:([^\u27e7]*)\u27e7")
SE_AFTER_GLUE = re.compile("\u27e6glue:[^\u27e7]*\u27e7(?:\\W+\\w+){0,2}?\\W+(?:SE|standard errors?)\\b")
ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "cf.", "vs.", "Fig.", "Eq.", "eq.", "Sec.", "approx.", "resp.")


@dataclass(frozen=True)
class Sentence:
    source: str  # file relative to the repository, with "#cell N" for a notebook cell
    text: str
    quoted: bool  # inside a Quoted admonition


# --------------------------------------------------------------------------------------------------
# markdown to sentences


def _role(match: re.Match[str]) -> str:
    role, content = match.group(1), match.group(2)
    if role in ("glue:text", "glue", "glue:any", "glue:md"):
        return GLUE.format(content.split(":")[0].strip())
    if role in ("math", "eq"):
        return "MATH"
    label = re.match(r"(.*?)\s*<[^>]*>$", content)  # {doc}`text <target>`
    return label.group(1) if label else content


def _inline(text: str) -> str:
    """Roles, math and code of one line of prose replaced by their text or markers."""
    text = re.sub(r"\{([\w:-]+)\}`([^`]*)`", _role, text)
    text = re.sub(r"\$\$.*?\$\$", " MATH ", text)
    text = re.sub(r"(?<!\\)\$[^$\n]+?(?<!\\)\$", "MATH", text)
    text = re.sub(r"``[^`]+``|`[^`]+`", "CODE", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    return text


def blocks(markdown: str) -> list[tuple[str, bool]]:
    """The prose of `markdown` as blocks (paragraphs, list items, headings, table rows), each
    with a flag: inside a Quoted admonition."""
    markdown = re.sub(r"<!--.*?-->", " ", markdown, flags=re.DOTALL)
    out: list[tuple[str, bool]] = []
    current: list[str] = []
    fence: list[tuple[str, bool, bool]] = []  # (closing marker, is code, is quoted)
    in_math = False

    def flush() -> None:
        if current:
            out.append((" ".join(current), any(q for _, _, q in fence)))
            current.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        opening = re.match(r"^(`{3,}|~{3,}|:{3,})\s*(\{([\w:-]+)\})?\s*(.*)$", line)
        if fence and fence[-1][1]:  # inside code: only its own closing fence matters
            if opening and line == fence[-1][0]:
                fence.pop()
            continue
        if in_math:
            if "$$" in line:
                in_math = False
            continue
        if opening and not opening.group(2) and fence and line == fence[-1][0]:
            flush()
            fence.pop()
            continue
        if opening:
            flush()
            name = opening.group(3) or ""
            is_code = not opening.group(2) or name in ("code-cell", "code-block", "code", "math", "raw")
            if name.endswith("-end") or name.endswith("-start"):  # gated exercise/solution markers
                is_code = False
            quoted = name == "admonition" and opening.group(4).strip().lower().startswith("quoted")
            fence.append((opening.group(1), is_code, quoted))
            continue
        if line.startswith("$$"):
            flush()
            in_math = not (line.count("$$") >= 2 and len(line) > 2)
            continue
        if re.match(r"^:[\w-]+:", line):  # a directive's option
            continue
        if not line:
            flush()
            continue
        if re.match(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|\|)", line):  # heading, list item, table row
            flush()
            line = re.sub(r"^(#{1,6}|[-*+]|\d+[.)])\s+", "", line)
            if line.startswith("|"):
                if re.fullmatch(r"[|:\-\s]+", line):
                    continue
                out.append((_inline(line.replace("|", " ; ")), any(q for _, _, q in fence)))
                continue
        current.append(_inline(line))
    flush()
    return out


_BOUNDARY = re.compile("(?<=[.!?])[\"')\\]*_]*\\s+(?=[A-Z0-9(\\[\"“*_\u27e6]|MATH|CODE)")


def split_sentences(text: str) -> list[str]:
    """Split one block of prose at sentence ends (see the module docstring)."""
    protected = text
    for abbreviation in ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\u2024"))
    parts = [p.strip().replace("\u2024", ".") for p in _BOUNDARY.split(protected)]
    return [p for p in parts if p]


def sentences(markdown: str, source: str) -> list[Sentence]:
    return [Sentence(source, s, quoted) for block, quoted in blocks(markdown) for s in split_sentences(block)]


# --------------------------------------------------------------------------------------------------
# the rule


def carries_statistic(text: str) -> bool:
    """A glued z (a key with a ``z`` part) or a glued value followed by SE."""
    if any("z" in key.lower().split("_") for key in GLUE_RE.findall(text)):
        return True
    return bool(SE_AFTER_GLUE.search(text))


def is_claim(sentence: Sentence) -> bool:
    """The sentence uses an agreement word in a claim (not a question, quotation or order)."""
    text = NOT_A_CLAIM.sub(" ", sentence.text)
    return bool(AGREEMENT.search(text)) and not sentence.quoted and not sentence.text.rstrip(" )\"'").endswith("?")


def flagged(units: list[list[Sentence]], allow: list[dict[str, str]]) -> tuple[list[Sentence], list[dict[str, str]]]:
    """Claims without evidence, and allow-list entries that match no flagged sentence."""
    out: list[Sentence] = []
    used: set[int] = set()
    for unit in units:
        for i, sentence in enumerate(unit):
            if not is_claim(sentence):
                continue
            following = unit[i + 1].text if i + 1 < len(unit) else ""
            if carries_statistic(sentence.text) or carries_statistic(following) or IDENTITY.search(sentence.text):
                continue
            hits = [j for j, entry in enumerate(allow)
                    if sentence.source.split("#")[0] == entry["file"] and entry["snippet"] in sentence.text]
            if hits:
                used.update(hits)
                continue
            out.append(sentence)
    stale = [entry for j, entry in enumerate(allow) if j not in used]
    return out, stale


# --------------------------------------------------------------------------------------------------
# the book


def book_units() -> list[list[Sentence]]:
    """Sentences per markdown cell (notebooks) or page (markdown files)."""
    units: list[list[Sentence]] = []
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "book").glob("*.ipynb"))
    for path in notebooks:
        rel = str(path.relative_to(ROOT))
        for n, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "markdown":
                units.append(sentences("".join(cell["source"]), f"{rel}#cell {n}"))
    for path in sorted((ROOT / "book").glob("*.md")):
        units.append(sentences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    return units


def load_allow() -> list[dict[str, str]]:
    entries = tomllib.loads(ALLOW_FILE.read_text(encoding="utf-8")).get("allow", [])
    for entry in entries:
        assert set(entry) == {"file", "snippet", "reason"}, entry
        assert entry["reason"].strip() and entry["snippet"].strip(), entry
    return entries


def test_the_book_states_its_evidence():
    units = book_units()
    assert sum(len(u) for u in units) > 500  # the reader found the prose
    bad, stale = flagged(units, load_allow())
    lines = [f"{s.source}: {s.text}" for s in bad]
    message = (f"{len(bad)} sentence(s) use an agreement word without a glued z / SE, an identity "
               "label or an allow-list entry (tests/data/prose_allow.toml):\n" + "\n".join(lines))
    if stale:
        message += "\n\nallow-list entries that match no sentence:\n" + "\n".join(str(e) for e in stale)
    assert not bad and not stale, message


def test_every_allow_entry_names_one_sentence():
    units = book_units()
    for entry in load_allow():
        found = [s for unit in units for s in unit
                 if s.source.split("#")[0] == entry["file"] and entry["snippet"] in s.text]
        assert len(found) <= 1, (entry, [s.text for s in found])


# --------------------------------------------------------------------------------------------------
# the checker itself, on crafted prose


def check(markdown: str, allow: list[dict[str, str]] | None = None) -> list[str]:
    return [s.text for s in flagged([sentences(markdown, "page.md")], allow or [])[0]]


class TestChecker:
    def test_an_unsupported_agreement_fails(self):
        assert check("The law holds at every M. Nothing else.") == ["The law holds at every M."]
        assert check("The curves agree.") == ["The curves agree."]
        assert check("It is within the estimator's noise.") == ["It is within the estimator's noise."]
        assert check("The measured value is consistent with the law.")
        assert check("This confirms the bound, in line with the paper.")

    def test_a_glued_z_in_the_sentence_or_the_next_passes(self):
        assert check("The law holds: z = {glue:text}`law_z:.1f`.") == []
        assert check("The curves agree. The gap is {glue:text}`gap_z_max:.1f` standard errors.") == []
        assert check("They agree, within {glue:text}`gap:.2f` SE of the mean.") == []

    def test_a_glued_number_that_is_not_a_z_fails(self):
        assert check("The law holds within {glue:text}`gap:.3f` nats.") != []
        assert check("The curves agree. Then {glue:text}`law_z:.1f` is far away. Later.") == []
        assert check("The curves agree. Something else. The z is {glue:text}`law_z:.1f`.") != []  # two on

    def test_the_z_must_be_a_key_part(self):
        assert check("They agree at {glue:text}`size:.0f`.") != []  # "size" has a z, not a z part
        assert check("They agree ({glue:text}`z:.1f`).") == []

    def test_identities_questions_and_quotes_pass(self):
        assert check("That M crosses 3 at the bound holds by construction.") == []
        assert check("This agreement is an identity of the estimator.") == []
        assert check("Does the law hold at M = 3?") == []
        assert check(":::{admonition} Quoted · the abstract\n:class: tip\nThe results agree.\n:::\n") == []
        assert check(":::{admonition} Reconstructed · ours\n:class: warning\nThe results agree.\n:::\n") != []

    def test_order_and_logic_uses_of_follow_pass(self):
        assert check("The steps are as follows. In what follows we use k = 5.") == []
        assert check("The bound follows from the entropy.") == []
        assert check("The law follows the measured curve.") != []
        assert check("The following table lists them.") == []

    def test_code_math_and_roles_do_not_count_or_split(self):
        assert check("```python\n# the law holds\nx = 1\n```\n") == []
        assert check("We see $p.holds = 1$ and `holds()`.") == []
        assert check("See {doc}`the law holds <04_normal>` here.") != []  # link text is prose
        assert check("It holds. The value {glue:text}`law_z:.1f` is the z.") == []
        assert check("The value {glue:text}`law_z:.1f` is the z. It holds.") == ["It holds."]  # not before

    def test_sentence_splitting(self):
        text = "The law, e.g. at M = 2, holds. Next one, i.e. this. $a.b$ stays. Fig. 3 too."
        assert [s.text for s in sentences(text, "p.md")] == [
            "The law, e.g. at M = 2, holds.", "Next one, i.e. this.", "MATH stays.", "Fig. 3 too."]
        assert split_sentences("Watts et al. 2025 show it. At every M. Then N.") == [
            "Watts et al. 2025 show it.", "At every M.", "Then N."]
        assert split_sentences("**It holds.** The floor is low.") == ["**It holds.", "The floor is low."]
        assert split_sentences("It is 0.5 nats. (Then a bracket.) {glue} 3.") == [
            "It is 0.5 nats.", "(Then a bracket.) {glue} 3."]
        # list items and headings end a sentence even without a full stop
        assert [s.text for s in sentences("## The law holds\n- first item holds\n- second\n", "p.md")] == [
            "The law holds", "first item holds", "second"]

    def test_the_allow_list_needs_the_file_and_the_snippet(self):
        allow = [{"file": "page.md", "snippet": "bound holds for every N", "reason": "a theorem"}]
        assert check("The bound holds for every N.", allow) == []
        assert check("The bound holds for every M.", allow) != []
        other = [{"file": "other.md", "snippet": "bound holds for every N", "reason": "a theorem"}]
        assert check("The bound holds for every N.", other) != []
        assert flagged([sentences("Nothing here.", "page.md")], allow)[1] == allow  # stale entry

    def test_directive_bodies_are_prose(self):
        text = "```{note}\n:class: dropdown\nThe results agree.\n```\n"
        assert check(text) == ["The results agree."]
        gated = ":::{solution-start} ex-01\n:class: dropdown\n:::\nThe answers match.\n:::{solution-end}\n:::\n"
        assert check(gated) == ["The answers match."]


@pytest.mark.parametrize("word", ["agrees", "consistent", "holds", "matches", "follows", "confirmed",
                                  "reproduces", "indistinguishable", "as predicted", "in line with"])
def test_every_word_of_the_list_is_seen(word):
    assert check(f"The measurement {word} the law.") != []
