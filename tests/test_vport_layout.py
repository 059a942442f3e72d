"""One vport layout: a vHBA laid out by the builder and one the kernel emulator makes
when ``vport_create`` is written are the same tree, path for path, byte for byte and
link for link, for every vport-capable driver preset, several cards and host numbers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nodedev_xml.testing import DRIVERS, FCHostSpec, SysfsBuilder
from nodedev_xml.testing.emulator import KernelEmulator

NODE, PORT = 0x2001001B32A9DA4E, 0x2101001B32A9DA4E
VPORT_NODE, VPORT_PORT = 0x5001A4A000000001, 0x5001A4A000000002

#: (driver, card or None for the driver's default, first host number, vports already
#: on the port, ports of the same driver before it)
CASES = [
    ("qla2xxx", None, 0, 0, 0),
    ("qla2xxx", "QLE2670", 7, 2, 1),
    ("lpfc", None, 3, 1, 1),
    ("lpfc", "LPe16002B-M6", 12, 0, 2),
    ("bfa", None, 5, 0, 0),
    ("bfa", "Brocade-825", 2, 3, 1),
    ("qedf", None, 9, 1, 0),
]


def tree(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry below ``root``: a directory, a link's target, a file's mode and bytes."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            else:
                with open(path, "rb") as f:
                    out[rel] = ("file", stat.S_IMODE(st.st_mode), f.read())
    return out


def san(root: Path, driver: str, model: str | None, first: int, vports: int, before: int) -> (
    tuple[SysfsBuilder, FCHostSpec]
):  # fmt: skip
    """A complete tree (every uevent and subsystem, as the emulator writes them):
    ``before`` ports of ``driver`` then the port under test, on the fabric, with
    ``vports`` vports already (each with its vHBA)."""
    b = SysfsBuilder(root, first_host=first, complete=True)
    vendor, device, *_ = DRIVERS[driver].pci
    for fn in range(before + 1):
        b.add_pci_function(f"0000:04:00.{fn}", vendor=vendor, device=device,
                           parent="0000:00:03.0", driver=driver, sriov_totalvfs=8)  # fmt: skip
        hba = b.add_fc_host(f"0000:04:00.{fn}", driver, node_name=NODE + fn,
                            port_name=PORT + fn, model=model)  # fmt: skip
    for n in range(vports):
        b.add_vport(hba, node_name=0x5001A4A0000001 + 2 * n, port_name=0x5001A4A0000002 + 2 * n)
    return b, hba


@pytest.mark.parametrize(("driver", "model", "first", "vports", "before"), CASES)
def test_the_builder_and_the_emulator_lay_out_the_same_vhba(
    tmp_path: Path, driver: str, model: str | None, first: int, vports: int, before: int
) -> None:
    laid, made = tmp_path / "laid", tmp_path / "made"
    b, hba = san(laid, driver, model, first, vports, before)
    vport = b.add_vport(hba, node_name=VPORT_NODE, port_name=VPORT_PORT)
    _, hba2 = san(made, driver, model, first, vports, before)
    with KernelEmulator(made) as kernel:
        kernel.write(f"{made}/sys/class/fc_host/{hba2.name}/vport_create",
                     f"{VPORT_PORT:016x}:{VPORT_NODE:016x}\n")  # fmt: skip
    assert vport.host is not None
    vhba = f"sys/{vport.host.rel}/fc_host/{vport.host.name}/port_name"
    expected = tree(laid)
    assert expected[vhba] == ("file", 0o644, f"0x{VPORT_PORT:x}\n".encode())
    got = tree(made)
    assert sorted(set(got) ^ set(expected)) == []
    assert {k: v for k, v in got.items() if v != expected[k]} == {}


@pytest.mark.parametrize(
    ("driver", "model", "first", "vports", "before"), [c for c in CASES if c[3] > 0]
)
def test_the_emulator_deletes_a_vport_the_builder_laid_out_leaving_the_tree_without_it(
    tmp_path: Path, driver: str, model: str | None, first: int, vports: int, before: int
) -> None:
    """(With a vport left on the port: the builder makes ``class/fc_vports`` with the
    first vport, the emulator leaves it when the last goes, as the kernel does.)"""
    laid, without = tmp_path / "laid", tmp_path / "without"
    b, hba = san(laid, driver, model, first, vports, before)
    b.add_vport(hba, node_name=VPORT_NODE, port_name=VPORT_PORT)
    san(without, driver, model, first, vports, before)
    with KernelEmulator(laid) as kernel:
        kernel.write(f"{laid}/sys/class/fc_host/{hba.name}/vport_delete",
                     f"{VPORT_PORT:016x}:{VPORT_NODE:016x}")  # fmt: skip
    assert tree(laid) == tree(without)
