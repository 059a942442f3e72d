"""The one hardened entry point for untrusted node-device XML.

Every command and API that takes XML from a file, standard input, libvirt or a
user goes through :func:`parse_xml` (or :func:`parse_file`).  Anything hostile
or malformed is refused with a one-line :class:`~nodedev_xml.errors.XMLInputError`
that names the source, the line where there is one, and what was expected.

Policy
------
* Size: at most :data:`MAX_INPUT_BYTES` bytes, refused before parsing (and
  :func:`read_xml_source` never reads more than one byte past the cap).
* Streams: what ``dumpxml --all`` prints, documents one after another, is cut
  into documents by :func:`split_documents` (at most :data:`MAX_STREAM_BYTES`
  bytes and :data:`MAX_DOCUMENTS` documents, read by :func:`read_xml_stream`);
  each document then goes through :func:`parse_xml` and every check above.
* Nesting: at most :data:`MAX_DEPTH` levels of elements (the root is level 1).
* Text: at most :data:`MAX_TEXT_CHARS` characters in any one text node, tail,
  comment or attribute value.
* DOCTYPE: refused outright, before the parser sees the document.  libvirt
  node-device XML never has one; refusing it removes entity declarations
  (billion laughs, parameter entities) and external entities/DTDs in one go.
  The parser is also configured never to resolve entities, load a DTD or use
  the network, as a second line of defence.
* Encoding: node-device XML is UTF-8.  Accepted: UTF-8 with or without a BOM,
  with no XML declaration or one declaring UTF-8 (``UTF-8``/``utf8``) or
  ASCII (``US-ASCII``/``ASCII``, then every byte must be ASCII).  Refused:
  any other declared encoding (even when the bytes happen to be ASCII),
  UTF-16/UTF-32 (with or without BOM), bytes that are not valid UTF-8, NUL
  bytes (binary data).
* Processing instructions other than the XML declaration are refused (libvirt
  never writes them; none is ever acted on).  Comments are allowed and kept.
* XInclude is never processed: an ``xi:include`` element stays an ordinary
  element in the tree (which schema validation then rejects).
* Nothing is stripped: whitespace, comments and CDATA content stay as written;
  :func:`strip_ignorable` removes comments and whitespace-only text on request.
  Elements keep their ``sourceline``.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO, Final, TypeVar

from lxml import etree

from nodedev_xml.errors import XMLInputError

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENTS",
    "MAX_INPUT_BYTES",
    "MAX_STREAM_BYTES",
    "MAX_TEXT_CHARS",
    "parse_file",
    "parse_with",
    "parse_xml",
    "read_xml_source",
    "read_xml_stream",
    "split_documents",
    "strip_ignorable",
]

T = TypeVar("T")

#: Largest document accepted, in bytes (node-device XML is a few KiB).
MAX_INPUT_BYTES: Final = 4 * 1024 * 1024
#: Deepest element nesting accepted (the root element is level 1).
MAX_DEPTH: Final = 64
#: Longest text node, tail, comment or attribute value accepted, in characters.
MAX_TEXT_CHARS: Final = 64 * 1024

#: Largest stream of documents accepted (``dumpxml --all`` of a host), in bytes.
MAX_STREAM_BYTES: Final = 64 * 1024 * 1024
#: Most documents accepted in one stream.
MAX_DOCUMENTS: Final = 65536

STDIN_NAME: Final = "<stdin>"

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_ACCEPTED_UTF8: Final = frozenset({"utf-8", "utf8"})
_ACCEPTED_ASCII: Final = frozenset({"us-ascii", "ascii"})
# The XML declaration: "<?xml" followed by white space (not "<?xml-stylesheet").
_XML_DECL: Final = re.compile(rb"<\?xml[ \t\r\n][^>]*?\?>")
_ENCODING_IN_DECL: Final = re.compile(rb"""encoding\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XML_SPACE: Final = " \t\r\n"
_SPACE_RUN: Final = re.compile(r"[ \t\r\n]+")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """Make a message or source name safe to print as one line."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).strip()


def _error(message: str, source: str, line: int | None = None) -> XMLInputError:
    return XMLInputError(_one_line(message), source=_one_line(source), line=line)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _too_large(size: str, source: str) -> XMLInputError:
    return _error(
        f"document too large ({size}): node-device XML is at most {MAX_INPUT_BYTES} bytes",
        source,
    )


# --------------------------------------------------------------------------- bytes


def _to_bytes(data: str | bytes, source: str) -> bytes:
    """UTF-8 bytes of the document, size-capped, BOM removed, encoding checked."""
    if isinstance(data, str):
        if len(data) > MAX_INPUT_BYTES:  # every character is at least one byte
            raise _too_large(f"{len(data)} characters", source)
        data = data.removeprefix("\ufeff")
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = data.count("\n", 0, exc.start) + 1
            raise _error(
                f"invalid character U+{ord(data[exc.start]):04X} (lone surrogate):"
                " expected Unicode text",
                source,
                line,
            ) from None
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise TypeError(f"parse_xml() takes str or bytes, not {type(data).__name__}")

    if len(raw) > MAX_INPUT_BYTES:
        raise _too_large(f"{len(raw)} bytes", source)
    raw = raw.removeprefix(_UTF8_BOM)
    _check_encoding(raw, source)
    return raw


def _check_encoding(raw: bytes, source: str) -> None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        raise _error(
            "document is UTF-16 or UTF-32 (byte order mark): node-device XML must be UTF-8",
            source,
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        if raw[:2] in (b"<\x00", b"\x00<") or raw[:4] == b"\x00\x00\x00<":
            raise _error(
                "document looks like UTF-16 or UTF-32 without a byte order mark:"
                " node-device XML must be UTF-8",
                source,
            )
        raise _error("NUL byte: binary data, expected UTF-8 XML text", source, _line_of(raw, nul))

    declared: str | None = None
    decl = _XML_DECL.match(raw)
    if decl is not None:
        enc = _ENCODING_IN_DECL.search(decl.group())
        if enc is not None:
            name = enc.group(1) if enc.group(1) is not None else enc.group(2)
            declared = name.decode("ascii", "backslashreplace").strip().lower()
            if declared not in _ACCEPTED_UTF8 | _ACCEPTED_ASCII:
                raise _error(
                    f"encoding {declared.upper()!r} declared: node-device XML must be UTF-8"
                    " (declare encoding='UTF-8' or none)",
                    source,
                    1,
                )

    try:
        if not raw.isascii():  # ASCII is UTF-8: no decode needed for most documents
            raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(
            f"invalid UTF-8 byte 0x{raw[exc.start]:02X} at offset {exc.start}:"
            " expected UTF-8 XML text",
            source,
            _line_of(raw, exc.start),
        ) from None
    if declared in _ACCEPTED_ASCII and not raw.isascii():
        offset = next(i for i, b in enumerate(raw) if b >= 0x80)
        raise _error(
            f"non-ASCII byte 0x{raw[offset]:02X} in a document declared {declared.upper()!r}:"
            " declare encoding='UTF-8' instead",
            source,
            _line_of(raw, offset),
        )


# --------------------------------------------------------------------------- prolog


def _check_prolog(raw: bytes, source: str) -> None:
    """Refuse a DOCTYPE (and processing instructions) before the parser sees them.

    Walks the prolog as XML defines it -- XML declaration, then white space,
    comments and PIs -- up to the first other markup.  A DOCTYPE can only
    legally appear there, so the parser never reads an internal subset or an
    external DTD.
    """
    decl = _XML_DECL.match(raw)
    # The common case: the root element's start tag right after the declaration (if any)
    # and white space; no comment, PI or DOCTYPE to walk.
    start = raw[decl.end() if decl is not None else 0 :].lstrip(b" \t\r\n")[:2]
    if start[:1] == b"<" and start[1:2] not in (b"?", b"!", b""):
        return
    text = raw.decode("utf-8")
    pos = 0
    if decl is not None:
        pos = len(decl.group().decode("utf-8"))
    elif text.startswith("<?xml"):
        # A malformed declaration: skip it (the parser reports it), keep looking.
        close = text.find(">")
        pos = close + 1 if close >= 0 else len(text)
    end = len(text)
    while pos < end:
        if text[pos] in _XML_SPACE:
            space = _SPACE_RUN.match(text, pos)
            pos = space.end() if space is not None else pos + 1
        elif text.startswith("<!--", pos):
            close = text.find("-->", pos + 4)
            if close < 0:
                return  # unterminated comment: the parser reports it
            pos = close + 3
        elif text.startswith("<?", pos):
            raise _pi_error(text, pos, source)
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            raise _error(
                "DOCTYPE not allowed: node-device XML has no DTD, entity declarations"
                " or external references",
                source,
                text.count("\n", 0, pos) + 1,
            )
        else:
            return


def _pi_error(text: str, pos: int, source: str) -> XMLInputError:
    target = re.match(r"<\?([^\s?>]{0,40})", text[pos : pos + 50])
    name = target.group(1) if target else ""
    return _error(
        f"processing instruction <?{name}?> not allowed: node-device XML has none"
        " (only the <?xml ...?> declaration at the very start)",
        source,
        text.count("\n", 0, pos) + 1,
    )


# --------------------------------------------------------------------------- parse


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser (parsers are not thread-safe; each parse resets the error
    log :func:`_syntax_error` reads), made on first use: making one per document costs
    as much as parsing a small one."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        no_network=True,
        huge_tree=False,
        recover=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=False,
        collect_ids=False,
    )


def _syntax_error(exc: etree.XMLSyntaxError, parser: etree.XMLParser, source: str) -> XMLInputError:
    # The parser's own log: the exception's log may also hold earlier, unrelated errors.
    message: str | None = None
    line: int | None = None
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            message, line = entry.message, entry.line
            break
    if message is None:
        message = re.sub(r", line \d+, column \d+$", "", str(exc.msg or exc))
        line = exc.lineno
    if "Excessive depth" in message or "XML_PARSE_HUGE" in message:
        return _error(f"elements nested deeper than {MAX_DEPTH} levels", source, line)
    return _error(f"not well-formed XML: {message}", source, line if line else None)


# Any element nested deeper than MAX_DEPTH, found by libxml2 in C.
_TOO_DEEP: Final = etree.XPath("/*" + "/*" * MAX_DEPTH)


def _check_tree(root: etree._Element, source: str, size: int, *, deep: bool = True) -> None:
    """Nesting depth, text sizes, PIs, entity references; stops at the first problem.

    The common case costs little: PIs and entities are found by lxml's own
    iterator, depth by one XPath, and text sizes need no look at all when the
    whole input is shorter than the limit.  ``deep`` false says the input holds too
    few ``<`` for that many elements, so the depth needs no look either.
    """
    doc = root.getroottree()
    if doc.docinfo.internalDTD is not None or doc.docinfo.doctype:
        raise _error("DOCTYPE not allowed: node-device XML has no DTD", source)
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in outside:
        _check_node(node, source)
    _check_text(root.tail, root, source, "text after the root element")
    for node in root.iter(etree.ProcessingInstruction, etree.Entity):
        _check_node(node, source)
    found = _TOO_DEEP(root) if deep else None
    if isinstance(found, list) and found:
        first = found[0]
        line = first.sourceline if isinstance(first, etree._Element) else None
        raise _error(f"elements nested deeper than {MAX_DEPTH} levels", source, line)
    if size <= MAX_TEXT_CHARS:
        return
    for node in root.iter():
        for name, value in node.attrib.items() if isinstance(node.tag, str) else ():
            if len(value) > MAX_TEXT_CHARS:
                raise _error(
                    f"attribute {name!s} is {len(value)} characters long:"
                    f" at most {MAX_TEXT_CHARS} expected",
                    source,
                    node.sourceline,
                )
        what = "comment" if isinstance(node, etree._Comment) else "text"
        _check_text(node.text, node, source, what)
        if node is not root:
            _check_text(node.tail, node, source, "text")


def _check_node(node: etree._Element, source: str) -> None:
    if isinstance(node, etree._ProcessingInstruction):
        raise _error(
            f"processing instruction <?{node.target}?> not allowed: node-device XML has none",
            source,
            node.sourceline,
        )
    if isinstance(node, etree._Entity):
        raise _error(
            f"entity reference &{node.name}; not allowed: node-device XML has no entities",
            source,
            node.sourceline,
        )
    _check_text(node.text, node, source, "comment")
    _check_text(node.tail, node, source, "text")


def _check_text(text: str | None, node: etree._Element, source: str, what: str) -> None:
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise _error(
            f"{what} of {len(text)} characters: at most {MAX_TEXT_CHARS} expected",
            source,
            node.sourceline,
        )


def parse_xml(
    data: str | bytes, *, source: str = "<string>", first_line: int = 1
) -> etree._Element:
    """Parse untrusted node-device XML and return its root element.

    Raises :class:`XMLInputError` (one line: ``SOURCE[:LINE]: message``) for
    anything that is not a safe, well-formed UTF-8 XML document; see the
    module documentation for the policy and limits.  ``first_line`` is the line
    of a larger stream where ``data`` starts (see :func:`split_documents`): the
    error's line counts from there.  Elements' ``sourceline`` counts from the
    document's own first line (libxml2 keeps line numbers in 16 bits).
    """
    if first_line == 1:
        return _parse_one(data, source)
    try:
        return _parse_one(data, source)
    except XMLInputError as e:
        shift = first_line - 1
        line = e.line + shift if e.line is not None else first_line
        # libxml2 names lines in some messages too ("... in tag device line 1").
        message = re.sub(r"(?<= line )(\d+)$", lambda m: str(int(m.group()) + shift), e.message)
        raise XMLInputError(message, source=e.source, line=line) from None


def parse_with(data: str | bytes, reader: Callable[[etree._Element], T], *,
               source: str = "<string>") -> T:  # fmt: skip
    """``reader`` applied to the root of :func:`parse_xml`'s tree.

    Raises :class:`XMLInputError`: the parser's, or the reader's, which names
    ``source`` (a reader names the tree's, which a string has none of).
    """
    root = parse_xml(data, source=source)
    try:
        return reader(root)
    except XMLInputError as e:
        if e.source == "<string>" and source != "<string>":
            raise XMLInputError(e.message, source=source, line=e.line) from None
        raise


def _parse_one(data: str | bytes, source: str) -> etree._Element:
    raw = _to_bytes(data, source)
    if not raw.strip(_XML_SPACE.encode()):
        raise _error("empty input: expected an XML document", source)
    _check_prolog(raw, source)
    parser = _parser()
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, parser, source) from None
    except (etree.Error, ValueError, LookupError) as exc:
        raise _error(f"not well-formed XML: {exc}", source) from None
    if root is None:  # pragma: no cover - lxml raises for an empty document
        raise _error("empty input: expected an XML document", source)
    _check_tree(root, source, len(raw), deep=raw.count(b"<") > MAX_DEPTH)
    return root


# --------------------------------------------------------------------------- streams

# A start or end tag: "<", an optional "/", a name, then attributes (quoted values
# may hold ">" but never "<"), to the ">".  Never reaches past the next "<".
_TAG: Final = re.compile(rb"""<(/?)[^\s/>"'<]+(?:[^>"'<]|"[^"<]*"|'[^'<]*')*>""")
# Markup that holds no element, and where it ends.
_OPAQUE: Final = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"), (b"<!", b">"))


def split_documents(data: bytes, *, source: str = "<string>") -> list[tuple[bytes, int]]:
    """Cut a stream of documents one after another (what ``dumpxml --all`` prints)
    into ``(document, first line)`` pairs, the line counted in the stream.

    The stream is cut after each root element's end tag when another element
    follows; white space between documents is dropped, comments go with the
    document after them.  Nothing is judged here: what is not well-formed stays
    in a document for :func:`parse_xml` to refuse, naming the line.  Input that is
    not UTF-8-like (NUL bytes, a UTF-16 byte order mark) is one document.  Raises
    :class:`XMLInputError` for more than :data:`MAX_STREAM_BYTES` bytes or
    :data:`MAX_DOCUMENTS` documents.
    """
    if len(data) > MAX_STREAM_BYTES:
        raise _error(f"input too large: at most {MAX_STREAM_BYTES} bytes of documents", source)
    if b"\x00" in data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return [(data, 1)]
    cuts: list[int] = []
    depth, pos, ended = 0, 0, -1
    while (lt := data.find(b"<", pos)) >= 0:
        opaque = next(((o, c) for o, c in _OPAQUE if data.startswith(o, lt)), None)
        if opaque is not None:
            close = data.find(opaque[1], lt + len(opaque[0]))
            if close < 0:
                break  # unterminated: the parser says so
            pos = close + len(opaque[1])
            continue
        tag = _TAG.match(data, lt)
        if tag is None:
            break  # not a tag: the parser says what it is
        pos = tag.end()
        if tag.group(1):
            depth -= 1
        else:
            if depth == 0 and ended >= 0:  # a root element after a document: cut there
                cuts.append(ended)
                if len(cuts) >= MAX_DOCUMENTS:
                    raise _error(f"more than {MAX_DOCUMENTS} documents in one input", source)
            if not data.endswith(b"/>", 0, pos):
                depth += 1
                continue
        if depth <= 0:  # a root element ended here
            depth, ended = 0, pos
    parts: list[tuple[bytes, int]] = []
    line, start = 1, 0
    for end in [*cuts, len(data)]:
        chunk = data[start:end]
        if start:  # after a document: its trailing white space goes, lines still count
            stripped = chunk.lstrip(b" \t\r\n")
            line += chunk.count(b"\n", 0, len(chunk) - len(stripped))
            chunk = stripped
        parts.append((chunk, line))
        line += chunk.count(b"\n")
        start = end
    return parts


# --------------------------------------------------------------------------- files


def _read_capped(stream: BinaryIO, cap: int = MAX_INPUT_BYTES) -> bytes:
    chunks: list[bytes] = []
    remaining = cap + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_xml_source(path: str) -> tuple[bytes, str]:
    """Read an XML file named on the command line, or standard input for ``-``.

    Returns ``(data, source)`` where ``source`` names the input in messages
    (the path, or ``<stdin>``).  Never reads more than ``MAX_INPUT_BYTES + 1``
    bytes; raises :class:`XMLInputError` for a document over the cap and for
    any file that cannot be read (missing, a directory, no permission...).
    """
    return _read_source(path, MAX_INPUT_BYTES)


def read_xml_stream(path: str) -> tuple[bytes, str]:
    """:func:`read_xml_source` for a stream of documents (:func:`split_documents`
    cuts it): the cap is :data:`MAX_STREAM_BYTES`."""
    return _read_source(path, MAX_STREAM_BYTES)


def _read_source(path: str, cap: int) -> tuple[bytes, str]:
    source = STDIN_NAME if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            if stream is not None:
                data = _read_capped(stream, cap)
            elif sys.stdin is not None:  # a text stream without a buffer (tests, IDEs)
                data = sys.stdin.read(cap + 1).encode("utf-8", "surrogateescape")
            else:
                raise _error("cannot read: standard input is closed", source)
        else:
            with open(path, "rb") as f:
                data = _read_capped(f, cap)
    except XMLInputError:
        raise
    except FileNotFoundError:
        raise _error("cannot read: no such file", source) from None
    except IsADirectoryError:
        raise _error("cannot read: is a directory, expected an XML file", source) from None
    except NotADirectoryError:
        raise _error("cannot read: a path component is not a directory", source) from None
    except PermissionError:
        raise _error("cannot read: permission denied", source) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise _error(f"cannot read: {reason}", source) from None
    except (UnicodeError, ValueError) as exc:
        raise _error(f"cannot read: {exc}", source) from None
    if len(data) > cap:
        if cap == MAX_INPUT_BYTES:
            raise _too_large(f"more than {MAX_INPUT_BYTES} bytes", source)
        raise _error(f"input too large: at most {cap} bytes of documents expected", source)
    return data, source


def parse_file(path: str) -> etree._Element:
    """:func:`read_xml_source` then :func:`parse_xml`: the root element of a file or stdin."""
    data, source = read_xml_source(path)
    return parse_xml(data, source=source)


# --------------------------------------------------------------------------- helpers


def strip_ignorable(root: etree._Element) -> etree._Element:
    """Remove comments and whitespace-only text between elements, in place.

    Text of leaf elements is kept even when blank (it is a value).  A removed
    comment's non-blank tail is kept (appended to the preceding text).
    Returns ``root`` for chaining.  Line numbers are unaffected.
    """
    had_children = [el for el in root.iter(etree.Element) if len(el)]
    comments = [c for c in root.iter(etree.Comment) if c is not root]
    for comment in comments:
        parent = comment.getparent()
        if parent is None:  # pragma: no cover - root's descendants all have parents
            continue
        tail = comment.tail
        if tail and tail.strip():
            prev = comment.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        parent.remove(comment)
    for el in had_children:
        if el.text is not None and not el.text.strip():
            el.text = None
    for el in root.iter():
        if el is not root and el.tail is not None and not el.tail.strip():
            el.tail = None
    return root
