"""The command reads what it prints: ``dumpxml --all`` is one or more documents in a
row, and ``validate``, ``strip`` and ``enrich`` take it from a file or stdin, each
error naming the line in the stream; ``--output-dir`` writes one file a device."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from newuser_roots import build
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.xml.safe import parse_xml, split_documents


def command(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "nodedev_xml", *args], input=stdin,
                          capture_output=True, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("streams")
    build(path, extra_vport=True)
    return str(path)


def docs(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [canonical(d.decode()) for d, _ in split_documents(data)]


def test_the_pipes_of_the_readme(root: str) -> None:
    enriched = command("--root", root, "dumpxml", "--all").stdout
    plain = command("--root", root, "dumpxml", "--all", "--profile", "libvirt").stdout
    assert len(docs(enriched)) == len(nx.scan(root)) == 9
    done = command("validate", "-", stdin=enriched)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    done = command("validate", "--profile", "libvirt", "--schema", "xsd", "-", stdin=plain)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    stripped = command("strip", "-", stdin=enriched)
    assert stripped.returncode == 0 and docs(stripped.stdout) == docs(plain)
    enriched_again = command("--root", root, "enrich", "-", stdin=plain)
    assert enriched_again.returncode == 0 and docs(enriched_again.stdout) == docs(enriched)
    assert enriched_again.stdout == enriched  # byte for byte, as dumpxml prints it


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_each_error_names_the_line_in_the_stream(root: str, tmp_path: Path) -> None:
    text = command("--root", root, "dumpxml", "--all").stdout.decode()
    bad = text.replace("<host>1002</host>", "<host>abc</host>")
    f = tmp_path / "all.xml"
    f.write_text(bad)
    done = command("validate", str(f))
    assert done.returncode == 1
    assert done.stdout.decode().startswith(f"{f}:{_line_of(bad, '<host>abc')}: ")
    # Not well-formed in the middle: that document's line; the others still checked.
    broken = text.replace("<unique_id>1001</unique_id>", "<unique_id>1001</unique>", 1)
    broken = broken.replace("<host>1002</host>", "<host>abc</host>")
    done = command("validate", "-", stdin=broken.encode())
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 1 and len(lines) == 2, lines
    assert lines[0].startswith(f"<stdin>:{_line_of(broken, '</unique>')}: not well-formed")
    assert lines[1].startswith(f"<stdin>:{_line_of(broken, '<host>abc')}: ")
    # The hardened parser judges every document: a DOCTYPE in the third is refused there.
    hostile = text.replace("<device>", "<!DOCTYPE device>\n<device>", 3).replace(
        "<!DOCTYPE device>\n<device>", "<device>", 2)  # fmt: skip
    done = command("validate", "-", stdin=hostile.encode())
    assert done.stdout.decode().startswith(f"<stdin>:{_line_of(hostile, '<!DOCTYPE')}: DOCTYPE")
    done = command("strip", "-", stdin=broken.encode())
    assert done.returncode != 0 and done.stdout == b""
    where = f"<stdin>:{_line_of(broken, '</unique>')}: "
    assert done.stderr.decode().startswith(f"nodedev-xml: error: {where}")


def test_split_documents() -> None:
    stream = (b'<?xml version="1.0" encoding="UTF-8"?>\n<a x="1>2"><b/></a>\n'
              b"<!-- the next -->\n<a><![CDATA[</a><a>]]></a>"
              b'<?xml version="1.0"?><a/>\n\n<a>\n</a>\n')  # fmt: skip
    parts = split_documents(stream)
    assert [line for _, line in parts] == [1, 3, 4, 6]
    assert parts[1][0] == b"<!-- the next -->\n<a><![CDATA[</a><a>]]></a>"
    assert parts[3][0] == b"<a>\n</a>\n"
    for doc, line in parts:  # every part is a document of its own for the hardened parser
        assert parse_xml(doc, first_line=line).tag == "a"
    assert split_documents(b"<a/>") == [(b"<a/>", 1)]
    assert split_documents(b"<a><b></a>") == [(b"<a><b></a>", 1)]  # the parser says what is wrong


def test_dumpxml_output_dir(root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "xml"
    assert main(["--root", root, "dumpxml", "--all", "--output-dir", str(out)]) == 0
    assert capsys.readouterr().out == ""
    inv = nx.scan(root)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.xml" for n in inv)
    for name, dev in inv.items():
        assert (out / f"{name}.xml").read_bytes() == nx.to_xml(dev).encode()
    assert main(["--root", root, "dumpxml", "scsi_host1001", "--profile", "libvirt",
                 "--output-dir", str(out)]) == 0  # fmt: skip
    assert (out / "scsi_host1001.xml").read_text() == nx.to_xml(inv["scsi_host1001"], "libvirt")
    assert main(["--root", root, "dumpxml", "--all", "--json", "--output-dir", str(out)]) == 2
