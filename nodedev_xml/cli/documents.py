"""Commands about XML documents: ``validate``, ``enrich``, ``strip``, ``schema-docs``."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from typing import Any

from ..errors import ValidationError, XMLInputError
from ..vocabulary import DEFAULT_PROFILE, DEFAULT_SCHEMA_LANGUAGE, PROFILES, SCHEMA_LANGUAGES
from .common import EXIT_NO, EXIT_OK, EXIT_USAGE, PROG, fail, load


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="check node-device XML files against the schema")
    p.add_argument("files", nargs="+", metavar="FILE", help="files or glob patterns; - for stdin")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE)
    p.add_argument("--schema", choices=SCHEMA_LANGUAGES, default=DEFAULT_SCHEMA_LANGUAGE,
                   help="RelaxNG through lxml, or XSD through xmlschema")  # fmt: skip
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("enrich", help="libvirt's node-device XML in, enriched XML out")
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="default: stdin")
    p.set_defaults(handler=cmd_enrich)

    p = sub.add_parser("strip", help="enriched XML in, libvirt profile out")
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="default: stdin")
    p.set_defaults(handler=cmd_strip)

    p = sub.add_parser("schema-docs", help="print the schema reference (Markdown)")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="write FILE instead of standard output")  # fmt: skip
    p.set_defaults(handler=cmd_schema_docs)


def expand(patterns: list[str]) -> tuple[list[str], list[str]]:
    """Files named or matched; and the patterns that matched nothing."""
    files: list[str] = []
    missing: list[str] = []
    for pat in patterns:
        if pat == "-" or os.path.exists(pat) or not glob.has_magic(pat):
            files.append(pat)
            continue
        hits = sorted(glob.glob(pat, recursive=True))
        if hits:
            files.extend(hits)
        else:
            missing.append(pat)
    return files, missing


def cmd_validate(args: argparse.Namespace) -> int:
    """Every document of every file (one or more in a row, as ``dumpxml --all``
    prints them), each problem as ``FILE:LINE: message`` with the line in the file."""
    from ..api import documents
    from ..validation import validate
    from ..xml.safe import parse_xml, read_xml_stream

    files, missing = expand(args.files)
    status = EXIT_OK
    for pat in missing:
        print(f"{PROG}: error: {pat}: no file matches", file=sys.stderr)
        status = EXIT_USAGE
    for path in files:
        try:
            data, source = read_xml_stream(path)
            parts = documents(data, source=source)
        except XMLInputError as e:
            print(f"{PROG}: error: {e}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        for doc, first in parts:
            try:
                root = parse_xml(doc, source=source, first_line=first)
                validate(root, args.profile, schema=args.schema, source=source)
            except XMLInputError as e:
                print(str(e))
                status = max(status, EXIT_NO)
            except ValidationError as e:
                for line, message in e.problems:
                    print(f"{source}:{line + first - 1 if line else first}: {message}")
                status = max(status, EXIT_NO)
    return status


def cmd_enrich(args: argparse.Namespace) -> int:
    from ..api import enrich_documents, join_documents
    from ..xml.safe import read_xml_stream

    data, source = read_xml_stream(args.file)
    try:
        results = enrich_documents(data, load(args), source=source)
    except (XMLInputError, ValidationError) as e:
        return fail(str(e), EXIT_NO)
    for doc in results:
        message = doc.warning(source, args.connect or args.root)
        if message is not None and not args.quiet:
            print(f"{PROG}: warning: {message}", file=sys.stderr)
    sys.stdout.write(join_documents([d.text for d in results]))
    return EXIT_OK


def cmd_strip(args: argparse.Namespace) -> int:
    from ..api import strip
    from ..xml.safe import read_xml_stream

    data, source = read_xml_stream(args.file)
    try:
        text = strip(data, source=source)
    except (XMLInputError, ValidationError) as e:
        return fail(str(e), EXIT_NO)
    sys.stdout.write(text)
    return EXIT_OK


def cmd_schema_docs(args: argparse.Namespace) -> int:
    from ..schemadocs import generate_markdown

    text = generate_markdown()
    if args.output is None or args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return EXIT_OK
