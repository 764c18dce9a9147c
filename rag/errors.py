"""One error family. `UserError`: the user must fix something (config, input, no index yet).
`ServiceError`: a call failed (store, provider). Every message says how to fix it, in one line, and
never carries a traceback, a key or a stack of paths: the CLI prints `str(error)` and exits 1.

Each error is raised with two wordings of the same line: `str(error)`, in English, for the CLI,
logs and scripts (stable for `grep`), and `error.zh`, in Simplified Chinese, for the chat page,
whose users are Chinese-speaking staff (`in_chinese`). Trade-off: two strings at each raise site
instead of a catalogue keyed by message, so a wording and its translation are edited together.
"""


class RagError(Exception):
    """Base of every error the product reports to a person."""

    def __init__(self, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh
        """The same line in Simplified Chinese ("" when none was given)."""


class UserError(RagError):
    """Bad input or configuration: the message says what to change."""


class ServiceError(RagError):
    """A store or provider call failed: the message says what failed and what to check."""


class Stopped(Exception):
    """The asker stopped the answer (the chat page's stop button): not an error to report."""


def in_chinese(error: BaseException) -> str:
    """The line a Chinese page shows for `error`: its Chinese wording, else a Chinese lead-in
    to the English one (an error raised without a translation is still explained)."""
    zh = getattr(error, "zh", "")
    if zh:
        return str(zh)
    if isinstance(error, UserError):
        return f"输入或设置有误：{error}"
    if isinstance(error, RagError):
        return f"服务调用失败：{error}"
    return f"内部错误（{type(error).__name__}），详见服务器日志"
