"""One error family. `UserError`: the user must fix something (config, input, no index yet).
`ServiceError`: a call failed (store, provider). Every message says how to fix it, in one line, and
never carries a traceback, a key or a stack of paths: the CLI prints `str(error)` and exits 1."""


class RagError(Exception):
    """Base of every error the product reports to a person."""


class UserError(RagError):
    """Bad input or configuration: the message says what to change."""


class ServiceError(RagError):
    """A store or provider call failed: the message says what failed and what to check."""


class Stopped(Exception):
    """The asker stopped the answer (the chat page's stop button): not an error to report."""
