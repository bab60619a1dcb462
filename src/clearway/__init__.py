"""Clearway: restricted-party screening for China–US science and technology cooperation."""

__version__ = "0.1.0"
