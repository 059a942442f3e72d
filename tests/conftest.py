"""Shared test set-up: the hypothesis profiles and paths to the fixture trees."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "sysfs"
LIBVIRT_NODEDEV_RNG = Path("/usr/share/libvirt/schemas/nodedev.rng")

# A bounded example count for CI; NODEDEV_XML_HYPOTHESIS=dev explores more.
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("NODEDEV_XML_HYPOTHESIS", "ci"))


def scenarios() -> list[str]:
    """The checked-in fake roots, by name."""
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "sys").is_dir())


def pytest_addoption(parser: object) -> None:
    parser.addoption(  # type: ignore[attr-defined]
        "--regen-golden",
        action="store_true",
        help="rewrite tests/golden/ from the current output instead of comparing",
    )
