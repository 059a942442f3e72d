"""Markdown text: code spans, escaped prose and GitHub's heading anchors."""

from __future__ import annotations

import re
from typing import Final


def collapse(text: str) -> str:
    """``text`` with every run of white space one blank."""
    return " ".join(text.split())


def code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_MD_SPECIAL: Final = re.compile(r"([\\*\[\]<>])")


def prose(text: str) -> str:
    """Documentation text as Markdown: code spans kept, other markup characters escaped."""
    out: list[str] = []
    for i, part in enumerate(re.split(r"(`[^`]*`)", collapse(text))):
        out.append(part if i % 2 else _MD_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")
