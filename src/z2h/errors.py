"""Exceptions that carry a message meant for the user of the command line."""


class Z2HError(ValueError):
    """Bad input or a missing resource, with a message the user can act on.

    It subclasses ``ValueError`` so library callers can catch the usual type; the CLI prints the
    message and exits non-zero without a traceback.
    """


class DataError(Z2HError):
    """A data set could not be found, fetched, verified or parsed."""


class CheckpointError(Z2HError):
    """A checkpoint or run directory is missing, corrupted or of the wrong kind."""


class OutputError(Z2HError):
    """An output (a folder or a file a command writes) cannot be written there."""
