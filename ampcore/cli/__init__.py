"""The ``ampcore`` command: the bound, GenCopy, the kNN divergence and chapter re-runs from a shell.

Use it when you want a number without writing Python, or to re-run a chapter of the book at other
parameters::

    ampcore bound 2000
    ampcore amplify train.npy --gain 50 --m 2.5 --seed 1 -o amplified.npy
    ampcore kld amplified.npy reference.npy -k 5
    ampcore audit train.npy amplified.npy --law norm -o report.html
    ampcore chapter list
    ampcore chapter run normal -p N 5000 -p seed 20

``python -m ampcore`` is the same command. Exit codes: 0 success; 2 the command line is wrong
(unknown sub-command, option, chapter or parameter; a value of the wrong type or out of range;
an output that exists without ``--force``, or that is an input); 1 the command could not
complete (an input file missing, empty or not numeric, an output folder missing, a chapter that
failed, more memory than the machine has); 130 interrupted by Ctrl-C; 143 (129) ended by SIGTERM
(SIGHUP), after the same clean-up as Ctrl-C: partial outputs removed, the chapter's kernel and
every process it started ended. Errors are one line on stderr; ``--traceback`` shows the Python
traceback as well.

Nothing of the user's is destroyed (every output goes through :mod:`ampcore._output`): an
output that is one of the inputs (under any spelling of the path, through links too) is refused,
a symbolic link at an output path is refused (nothing is written through a link, even with
``--force``), an existing output is replaced only with ``--force`` (keeping its permissions), and
outputs are written to a hidden temporary file renamed into place at the end, so an interrupted
command leaves the old file, or nothing. Chapter outputs under the book's ``notebooks/`` folder are
refused (nbval would collect them as chapters). Every input file passes the same checks as the
API (:mod:`ampcore._validation`): complex, boolean, masked or non-finite data is refused, not
converted.

Every number comes from the tested functions of :mod:`ampcore` (the formulas and their provenance
are documented there); chapter parameters are parsed by their declared type and checked against
the chapter's own rules (:func:`ampcore.book.parameters.chapter_spec`) before anything runs, and
chapters are executed with :func:`ampcore.book.runner.execute_chapter` (papermill), never over the
source notebook. The chapters are found in the repository around the current folder (or
``--notebooks DIR``, or ``$AMPBOOK_NOTEBOOKS``).

The package has one module per sub-command (:mod:`~ampcore.cli.bound`, :mod:`~ampcore.cli.amplify`,
:mod:`~ampcore.cli.kld`, :mod:`~ampcore.cli.audit`, :mod:`~ampcore.cli.chapter`), each with its
parser and its ``cmd_*`` function; :mod:`~ampcore.cli.base` holds the exit-code errors, the
signals and the parser class, :mod:`~ampcore.cli.files` the reading and writing of files, and
:mod:`~ampcore.cli.app` the parser and :func:`main`.
"""

from __future__ import annotations

from .app import build_parser, main
from .base import PROG

__all__ = ["main", "build_parser", "PROG"]
