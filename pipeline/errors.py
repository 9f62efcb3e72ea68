"""The one error type the pipeline raises for a person to act on."""


class LettersError(Exception):
    """Something a person must fix: what is wrong, where, and what to do.

    Every stage translates the exceptions of the libraries it owns into this one, so the
    command line can print ``Error: …`` and stop without a traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def describe(error: BaseException) -> str:
    """Say in a few words why a file could not be read or written: the system's reason."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
