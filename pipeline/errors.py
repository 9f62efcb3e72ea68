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
