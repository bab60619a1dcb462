"""Clearway: restricted-party screening for China–US science and technology cooperation."""

__version__ = "0.1.0"

__all__ = ["Query", "Screener", "compare", "__version__"]


def __getattr__(name: str):
    # The screening API loads OpenCC and pypinyin tables: import it on first use only.
    if name in ("Query", "Screener", "compare"):
        from . import screen

        return getattr(screen, name)
    raise AttributeError(name)
