"""The schema registry: the grammar files shipped in this folder, and their compiled forms.

Each (document kind, profile) has two equivalent grammars, RelaxNG (``.rng``,
compiled by lxml) and XML Schema 1.1 (``.xsd``, loaded by xmlschema); the file
names come from :func:`nodedev_xml.vocabulary.schema_file`.  Every grammar the
package ships -- the node-device profiles and the vHBA definition -- is served
from here, built on first use and cached by file, so a grammar two (kind,
profile) pairs share is compiled once, and every user (validation, the typed
JSON view, the definition document in ``xml/definition.py``) shares one copy
and, for RelaxNG, one lock.  xmlschema is imported only when an XSD is first
needed, so that ``import nodedev_xml`` stays fast.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..vocabulary import (
    DocumentKind,
    check_profile,
    check_schema_language,
    schema_file,
)

if TYPE_CHECKING:
    import xmlschema
    from lxml import etree

__all__ = [
    "SCHEMA_DIR",
    "compiled_relaxng",
    "compiled_xsd",
    "grammar_path",
    "relaxng_with_lock",
    "schema_path",
]

#: The folder holding the grammar files (this package's own folder).
SCHEMA_DIR: Final = Path(__file__).resolve().parent


def schema_path(name: str) -> Path:
    """The path of a schema file shipped in the package, e.g. ``schema_path("nodedev.rng")``.

    Raises :class:`ValueError` for anything but a bare file name and
    :class:`FileNotFoundError` when the package was installed without it.
    """
    if not name or name in {".", ".."} or Path(name).name != name or "\\" in name:
        raise ValueError(f"schema name {name!r}: expected a bare file name such as 'nodedev.rng'")
    path = SCHEMA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"schema {name!r} not found in {SCHEMA_DIR}"
            " (package installed without its data files?)"
        )
    return path


def grammar_path(profile: str, language: str, kind: DocumentKind = "device") -> Path:
    """The grammar file of ``kind`` documents of ``profile`` in ``language`` (``rng``, ``xsd``).

    Raises :class:`ValueError` for an unknown profile or language, or a
    (kind, profile) without a grammar; :class:`FileNotFoundError` as
    :func:`schema_path`.
    """
    return schema_path(schema_file(check_profile(profile), check_schema_language(language), kind))


@functools.cache
def _relaxng(path: Path) -> tuple[etree.RelaxNG, threading.Lock]:
    from lxml import etree

    # The schema is the package's own (trusted) file; include hrefs resolve relative to it.
    return etree.RelaxNG(file=str(path)), threading.Lock()


@functools.cache
def relaxng_with_lock(
    profile: str = "enriched", kind: DocumentKind = "device"
) -> tuple[etree.RelaxNG, threading.Lock]:
    """The compiled RelaxNG grammar of ``kind`` documents of ``profile``, and the lock
    to hold while it validates (an lxml validator keeps its error log on itself).
    Raises as :func:`grammar_path`.  Cached by name too: a validation asks for it
    every time, and finding the file costs more than validating a small document."""
    return _relaxng(grammar_path(profile, "rng", kind))


def compiled_relaxng(profile: str = "enriched", kind: DocumentKind = "device") -> etree.RelaxNG:
    """The compiled RelaxNG grammar of ``kind`` documents of ``profile`` (compiled on
    first use, then cached)."""
    return relaxng_with_lock(profile, kind)[0]


@functools.cache
def _xsd(path: Path) -> xmlschema.XMLSchema11:
    import xmlschema  # lazy: a heavy import, needed only here

    return xmlschema.XMLSchema11(str(path))


@functools.cache
def compiled_xsd(profile: str = "enriched", kind: DocumentKind = "device") -> xmlschema.XMLSchema11:
    """The XML Schema 1.1 of ``kind`` documents of ``profile`` (loaded on first use,
    then cached).  Raises as :func:`grammar_path`."""
    return _xsd(grammar_path(profile, "xsd", kind))
