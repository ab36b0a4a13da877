"""The error taxonomy: every error stancekit raises on purpose is a :class:`StancekitError`.

Messages say what was wrong, what was found and what to do (STYLE.md). Each subclass also
inherits the matching builtin so that ``except ValueError`` / ``except OSError`` keep working.
"""

from __future__ import annotations

__all__ = ["StancekitError", "InputError", "DatasetError", "ModelLoadError", "DeviceError", "OutputError"]


class StancekitError(Exception):
    """Base class of all stancekit errors."""


class InputError(StancekitError, ValueError):
    """Input text or a file of articles cannot be read (bad encoding, not a file, wrong type)."""


class DatasetError(StancekitError, ValueError):
    """A labelled data file is missing or has a malformed row (the message names file and line)."""


class ModelLoadError(StancekitError, OSError):
    """A model directory is missing, incomplete, corrupted or from an incompatible version."""


class DeviceError(StancekitError, RuntimeError):
    """A requested device (``cuda``, ``cuda:1``) is not available."""


class OutputError(StancekitError, OSError):
    """An output cannot be written: the disk is full, a folder is not writable, or another run holds it.

    The message names the file, what happened and what to do (for ``score``: committed chunks are
    kept and ``--resume`` continues).
    """
