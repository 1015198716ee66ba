"""tools/reader_notebooks.py: executed chapters whose prose carries numbers, not MyST roles."""

from __future__ import annotations

from tools.reader_notebooks import glue_values, plain_markdown, reader_notebook

BIB = {"watts2025limit": ("Watts and Crow", "2025"), "a2020": ("Axelrod et al.", "2020")}
TITLES = {"02_entropy_bound": "The Entropy Bound"}


def _glue_output(name: str, text: str) -> dict:
    return {"output_type": "display_data", "data": {"application/papermill.record/text/plain": text},
            "metadata": {"scrapbook": {"mime_prefix": "application/papermill.record/", "name": name}}}


def test_roles_become_numbers_text_and_links() -> None:
    md = ("The floor is {glue:text}`floor:.3f` nats at $N$ = {glue:text}`n:,d`, as {cite:t}`watts2025limit` "
          "and {cite:p}`watts2025limit,a2020` say; a {term}`gain <amplification gain>` of {glue:text}`g`. "
          "See {doc}`02_entropy_bound`, {doc}`the book <../book/intro>`, {prf:ref}`prop-bound` and {eq}`eq-bound`.")
    out = plain_markdown(md, {"floor": 0.0123456, "n": 20000, "g": 5}, BIB, TITLES)
    assert out == ("The floor is 0.012 nats at $N$ = 20,000, as Watts and Crow (2025) and (Watts and Crow, 2025; "
                   "Axelrod et al., 2020) say; a gain of 5. See [The Entropy Bound](02_entropy_bound.ipynb), "
                   "the book, the proposition (prop-bound) and (eq-bound).")


def test_fences_labels_and_gated_exercises_become_plain_markdown() -> None:
    md = ("(sec-x)=\n:::{admonition} Quoted · Watts and Crow\n:class: tip\nThe bound.\n:::\n\n"
          "$$\nx = 1\n$$ (eq-x)\n\n:::{exercise-start} Check\n:label: ex-1\n:::\nDo it.\n:::{exercise-end}\n:::\n"
          ":::{solution-start} ex-1\n:class: dropdown\n:::\nDone.\n:::{solution-end}\n:::\n:::{note}\nMind it.\n:::")
    out = plain_markdown(md, {}, BIB, TITLES)
    assert ":::" not in out and "(sec-x)=" not in out and ":class:" not in out and ":label:" not in out
    assert "> **Quoted · Watts and Crow**\n> The bound." in out
    assert "$$\nx = 1\n$$\n" in out
    assert "**Exercise.** Check" in out and "**Solution.**" in out and "> **Note.**\n> Mind it." in out


def test_a_whole_notebook_keeps_its_code_and_outputs() -> None:
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["Value {glue:text}`v:.1f`."]},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["record(v=2.25)"],
         "outputs": [_glue_output("v", "2.25")]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    assert glue_values(nb) == {"v": 2.25}
    out = reader_notebook(nb, BIB, TITLES)
    assert out["cells"][0]["source"] == ["Value 2.2."] and out["cells"][1] == nb["cells"][1]
