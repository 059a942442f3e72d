"""The version of nodedev-xml: its one home (``pyproject.toml`` reads it, and so do
``--version``, the man page and the Debian changelog's check)."""

__version__ = "0.1.0"
