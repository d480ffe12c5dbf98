"""The exceptions nnfit raises for its users' mistakes.

Every entry point (the Python API, the estimators, TOML files, the command line, run folders)
reports bad input as an :class:`InvalidOptionError`: one line that names the value (and the file,
when there is one) and says how to fix it. It is a ``ValueError`` *and* a ``TypeError``, so code
written against scikit-learn's conventions (which raise either) keeps catching it, and the command
line catches it, and only it, to exit with status 2: any other exception is a bug in nnfit and
keeps its traceback.
"""

from __future__ import annotations


class InvalidOptionError(ValueError, TypeError):
    """A value given by the user that nnfit cannot use; the message names it and the fix."""


class RunFolderError(InvalidOptionError):
    """A run folder (or saved fit) that cannot be read as it is; the message names the file."""
