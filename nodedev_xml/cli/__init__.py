"""The ``nodedev-xml`` command."""

from .main import main

__all__ = ["main"]
