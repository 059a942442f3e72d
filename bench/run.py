#!/usr/bin/env python3
"""The performance figures (docs/performance.md), measured side by side in one run.

Run by hand from the repository root (it is no test and no part of the package)::

    python bench/run.py                   # build the trees, measure, delete the trees
    python bench/run.py --keep /dev/shm/nxb --repeat 9   # build once, reuse later

It builds the benchmark host with the project's fixture builder (8 dual-port
qla2xxx cards, 16 HBAs with 255 vHBAs each: 4,096 Scsi_Hosts) and the same host
with 128 vHBAs per HBA, under /dev/shm (tmpfs) when it exists.  Then it measures,
taking the best of ``--repeat`` runs of each figure, the in-process figures
interleaved round by round so that a noisy machine slows all of them alike:

* scan + enriched XML of every device against the *floor*, a bare loop that opens
  and reads just the attribute files the enriched XML needs (target: <= 1.2x);
* the same against ``systool -v`` on the classes holding those facts, run on the
  same tree through a private mount namespace (target: at least 1.5x faster);
* the same at 128 and at 255 vHBAs per HBA (linear: doubling the vHBAs at most
  doubles the time);
* the udev backend's scan beside the sysfs backend's (and the live watch's
  re-reading of one HBA a uevent names), run on a copy of the
  255-vHBA tree in a private mount namespace where it is ``/sys`` (libudev reads
  only ``/sys``; root only, else the figure is skipped and says why);
* ``nodedev-xml list --cap vports``, start-up included (<= 0.25 s);
* validation with the cached RelaxNG schema (>= 20,000 documents/s), and of text
  beside lxml's bare parse + RelaxNG validate of the same documents (<= 1.3x);
* ``dumpxml --all --json`` beside ``dumpxml --all``, both processes (<= 1.5x);
* peak memory of scan + enriched XML of every device (< 64 MB);
* start-up of ``nodedev-xml --version`` (< 100 ms, no heavy imports);
* scan + enriched XML of the benchmark host with 4 LUNs behind every vHBA (16,320
  LUNs, each with its WWID, VPD pages, disk and by-id links) against the floor
  extended to the LUN files.

Each figure is one line: what was measured, the target, the ratio, PASS or FAIL.
The exit status is 1 when a figure fails, 0 otherwise (skipped figures do not fail).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Measure the checkout this script is in, not whatever copy is installed; so do the
# child processes (PYTHONPATH comes before site-packages and its editable finders).
REPO = str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, REPO)
CHILD_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, (REPO, os.environ.get("PYTHONPATH")))),
}

from lxml import etree  # noqa: E402

import nodedev_xml  # noqa: E402
from nodedev_xml.schemas import compiled_relaxng  # noqa: E402
from nodedev_xml.testing import build_benchmark_host  # noqa: E402
from nodedev_xml.testing.udevview import (  # noqa: E402
    complete_class_devices,
    run_in_udev_view,
    unavailable,
)
from nodedev_xml.validation import validate  # noqa: E402
from nodedev_xml.xml.document import to_xml  # noqa: E402
from nodedev_xml.xml.safe import parse_xml  # noqa: E402

PY = sys.executable
TREES = (("h255", 255), ("h128", 128))
DONE = ".built"  # marks a tree the builder finished writing

#: What the enriched XML of a host needs from its fc_host directory.
FC_ATTRS = (
    "node_name",
    "port_name",
    "fabric_name",
    "port_state",
    "port_type",
    "port_id",
    "speed",
    "symbolic_name",
)
VPORT_ATTRS = ("node_name", "port_name", "vport_state")
NPIV_ATTRS = ("max_npiv_vports", "npiv_vports_inuse")
PCI_ATTRS = ("vendor", "device", "class", "config", "numa_node")
HEAVY_MODULES = ("lxml", "xmlschema", "elementpath", "pyudev")

MEMORY_CHILD = """
import sys
import nodedev_xml
from nodedev_xml.xml.document import to_xml
inv = nodedev_xml.scan(sys.argv[1])
docs = [to_xml(dev, "enriched") for dev in inv.values()]
"""
MEMORY_BASELINE = """
import nodedev_xml
from nodedev_xml.xml.document import to_xml
"""
#: Run in the namespace where the tree is /sys: both backends, interleaved round by round.
UDEV_CHILD = """
import time
import nodedev_xml
from nodedev_xml.events import rescan
times = {"udev": [], "sysfs": [], "rescan": []}
base = nodedev_xml.scan("/", backend="udev")
hba = frozenset({min(d.scsi_host.host for d in base.values()
                     if d.scsi_host is not None and d.scsi_host.phys_hba is None)})
for _ in range(REPEAT):
    for backend in ("udev", "sysfs"):
        t0 = time.perf_counter()
        inv = nodedev_xml.scan("/", backend=backend)
        times[backend].append(time.perf_counter() - t0)
        hosts = sum(1 for d in inv.values() if d.scsi_host is not None)
        if hosts != 4096 or inv.warnings:
            raise SystemExit(f"{backend}: {hosts} hosts, {len(inv.warnings)} warnings")
    t0 = time.perf_counter()
    again = rescan(base, hba, backend="udev")
    times["rescan"].append(time.perf_counter() - t0)
same = list(base.items()) == list(nodedev_xml.scan("/", backend="sysfs").items())
same = same and list(again.items()) == list(base.items())
result = ({k: min(v) for k, v in times.items()}, same)
"""
REPORT_HWM = """
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]))
        break
else:
    import resource
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# ----------------------------------------------------------------------------- the floor


def _read_all(prefix: str, names: Sequence[str], out: list[bytes | None]) -> None:
    """Open and read ``prefix + name`` for each name: the cheapest calls Python has."""
    flags = os.O_RDONLY | os.O_CLOEXEC
    for name in names:
        try:
            fd = os.open(prefix + name, flags)
        except FileNotFoundError:
            out.append(None)
            continue
        out.append(os.read(fd, 4097))
        os.close(fd)


def _resolve(class_dir: str, link: str) -> str:
    """A class link's target: ``sys/class/C/../../devices/...`` read textually."""
    if link.startswith("../../"):
        return class_dir.rsplit("/", 2)[0] + "/" + link[6:]
    return os.path.normpath(os.path.join(class_dir, link))


def floor(root: str, *, libvirt_checks: bool = False) -> int:
    """The bare loop: read the attribute files the enriched XML of every device needs
    and nothing else, build no model and no XML.  Returns the number of files it opens.

    It lists ``scsi_host``, ``fc_host`` and ``fc_vports``, resolves each scsi_host and
    fc_vports link (the device paths), then reads each host's ``unique_id`` and its
    eight fc_host attributes; on each HBA (a host not under a ``vport-*``) it checks
    ``vport_create``, reads ``max_npiv_vports``, ``npiv_vports_inuse`` and
    ``model_name``; each vport's ``node_name``, ``port_name`` and ``vport_state``; for
    every function of the PCI bus its ``vendor``, ``device``, ``class``, ``config``
    space and ``numa_node``, its ``iommu_group`` link and the group's members; and
    the root's pci.ids (the vendor and product names).

    With ``libvirt_checks``, it also makes the existence checks libvirt makes and the
    scanner copies: ``vport_create`` in fc_host, then in scsi_host, on every host."""
    classes = root + "/sys/class/"
    data: list[bytes | None] = []
    fc_hosts = set(os.listdir(classes + "fc_host"))
    sh_class = classes + "scsi_host"
    for name in os.listdir(sh_class):
        sh_dir = _resolve(sh_class, os.readlink(f"{sh_class}/{name}"))
        dev_dir = sh_dir.rsplit("/", 2)[0]
        _read_all(sh_dir + "/", ("unique_id",), data)
        if name not in fc_hosts:
            continue
        fc_dir = f"{dev_dir}/fc_host/{name}/"
        _read_all(fc_dir, FC_ATTRS, data)
        if "/vport-" not in dev_dir:  # an HBA, not a vHBA
            if os.path.lexists(fc_dir + "vport_create"):
                _read_all(fc_dir, NPIV_ATTRS, data)
            elif libvirt_checks:
                os.path.lexists(sh_dir + "/vport_create")
            _read_all(sh_dir + "/", ("model_name",), data)
        elif libvirt_checks and not os.path.lexists(fc_dir + "vport_create"):
            os.path.lexists(sh_dir + "/vport_create")
    vp_class = classes + "fc_vports"
    for name in os.listdir(vp_class):
        _read_all(_resolve(vp_class, os.readlink(f"{vp_class}/{name}")) + "/", VPORT_ATTRS, data)
    bus = root + "/sys/bus/pci/devices/"
    for name in os.listdir(bus):
        function = os.path.normpath(bus + os.readlink(bus + name)) + "/"
        _read_all(function, PCI_ATTRS, data)
        try:
            group = os.readlink(function + "iommu_group").rpartition("/")[2]
        except FileNotFoundError:
            continue
        os.listdir(f"{root}/sys/kernel/iommu_groups/{group}/devices")
    with open(root + "/usr/share/misc/pci.ids", "rb") as ids:
        data.append(ids.read())
    return len(data)


# ----------------------------------------------------------------------------- workloads


def scan_and_xml(root: str) -> int:
    """What the figure is about: scan, then the enriched XML of every device."""
    inv = nodedev_xml.scan(root)
    docs = [to_xml(dev, "enriched") for dev in inv.values()]
    return len(docs)


def systool_command(tree: str, body: str) -> list[str]:
    """``body`` in a private mount namespace where the tree's ``sys`` is ``/sys``."""
    script = f'mount --bind "$0/sys" /sys && {body}'
    return ["unshare", "-m", "sh", "-c", script, tree]


SYSTOOL = "systool -v -c fc_host && systool -v -c scsi_host && systool -v -c fc_vports"


def run_quiet(cmd: Sequence[str]) -> None:
    subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=CHILD_ENV
    )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], object], repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def rounds(workloads: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Run each workload once per round, ``repeat`` rounds: side by side."""
    times: dict[str, list[float]] = {name: [] for name in workloads}
    for _ in range(repeat):
        for name, fn in workloads.items():
            times[name].append(timed(fn))
    return times


# ----------------------------------------------------------------------------- reporting


@dataclass
class Figure:
    name: str
    value: str
    target: str
    ratio: str
    verdict: str  # PASS, FAIL, SKIP or "-" (a reference, no target)
    note: str = ""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def print_table(figures: list[Figure], markdown: bool) -> None:
    if markdown:
        print("| figure | measured | target | ratio | verdict | notes |")
        print("|---|--:|---|--:|---|---|")
        for f in figures:
            cells = (f.name, f.value, f.target, f.ratio, f.verdict, f.note)
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return
    widths = [max(len(getattr(f, k)) for f in figures) for k in ("name", "value", "target")]
    head = ("figure", "measured", "target")
    w0, w1, w2 = (max(w, len(h)) for w, h in zip(widths, head, strict=True))
    print(f"{head[0]:<{w0}}  {head[1]:>{w1}}  {head[2]:<{w2}}  ratio    verdict")
    for f in figures:
        print(f"{f.name:<{w0}}  {f.value:>{w1}}  {f.target:<{w2}}  {f.ratio:<7}  {f.verdict}")
        if f.note:
            print(f"{'':<{w0}}    {f.note}")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import lxml.etree as etree

    lxml = ".".join(map(str, etree.LXML_VERSION[:3]))
    libxml = ".".join(map(str, etree.LIBXML_VERSION))
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, lxml {lxml} (libxml2 {libxml})"
    )


def load() -> str:
    """The 1, 5 and 15 minute load averages: a busy machine makes every figure worse."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


# ----------------------------------------------------------------------------- set-up


def build_trees(base: Path) -> dict[str, Path]:
    """The benchmark trees under ``base``, built unless a finished one is there."""
    trees: dict[str, Path] = {}
    for name, vports in TREES:
        tree = base / name
        if not (tree / DONE).exists():
            shutil.rmtree(tree, ignore_errors=True)
            start = time.perf_counter()
            build_benchmark_host(tree, vports_per_port=vports)
            (tree / DONE).touch()
            took = time.perf_counter() - start
            print(f"built {tree} ({vports} vHBAs per HBA) in {took:.1f} s", file=sys.stderr)
        trees[name] = tree
    return trees


def namespace_works(tree: str) -> str | None:
    """``None`` when systool can run on the tree; else why not."""
    for tool in ("systool", "unshare"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = subprocess.run(
        systool_command(tree, "test -d /sys/class/fc_vports"), capture_output=True, text=True
    )
    if probe.returncode != 0:
        why = probe.stderr.strip().splitlines()[-1:] or [f"exit status {probe.returncode}"]
        return f"private mount namespace not allowed here: {why[0]}"
    return None


def udev_tree(base: Path) -> Path:
    """A copy of the 255-vHBA tree whose class devices libudev can list (built once)."""
    tree = base / "h255-udev"
    if not (tree / DONE).exists():
        shutil.rmtree(tree, ignore_errors=True)
        start = time.perf_counter()
        shutil.copytree(base / "h255", tree, symlinks=True)
        complete_class_devices(tree)
        (tree / DONE).touch()
        took = time.perf_counter() - start
        print(f"built {tree} (for libudev) in {took:.1f} s", file=sys.stderr)
    return tree


def udev_figures(base: Path, repeat: int) -> list[Figure]:
    """The udev backend's scan time beside the sysfs backend's, in the namespace."""
    why = unavailable()
    if why is None and platform.system() != "Linux":
        why = "libudev is Linux's"
    if why is not None:
        return [Figure("scan through udev vs sysfs", "-", "(comparison)", "-", "SKIP", why)]
    tree = udev_tree(base)
    print("measuring the udev backend ...", file=sys.stderr)
    code = UDEV_CHILD.replace("REPEAT", str(repeat))
    try:
        best, same = run_in_udev_view(tree, code, timeout=60 + 30 * repeat)
    except RuntimeError as e:
        last = (str(e).strip().splitlines() or ["?"])[-1]
        return [Figure("scan through udev vs sysfs", "-", "(comparison)", "-", "SKIP", last)]
    t_udev, t_sysfs = best["udev"], best["sysfs"]
    return [
        Figure(
            "scan through udev (libudev lists the devices)",
            ms(t_udev),
            "(comparison)",
            f"{t_udev / t_sysfs:.2f}x",
            "-",
            f"4,096 hosts; the same inventory as sysfs: {'yes' if same else 'NO'}; "
            "a copy of the tree as /sys in a private mount namespace",
        ),
        Figure(
            "scan through sysfs, same namespace and tree",
            ms(t_sysfs),
            "(comparison)",
            "1.00x",
            "-",
            "the ratio above is udev / sysfs",
        ),
        Figure(
            "  watch --backend udev: re-reading one HBA a uevent names",
            ms(best["rescan"]),
            "(comparison)",
            f"{best['rescan'] / t_udev:.2f}x",
            "-",
            "the HBA, its 255 vHBAs, spliced into the last scan (ratio: of the udev scan)",
        ),
    ]


def heavy_imports_of_version() -> list[str]:
    """Heavy modules ``nodedev-xml --version`` imports (from ``-X importtime``)."""
    cmd = [PY, "-X", "importtime", "-m", "nodedev_xml", "--version"]
    err = subprocess.run(cmd, capture_output=True, text=True, check=True, env=CHILD_ENV).stderr
    names = {m[1].split(".")[0] for m in re.finditer(r"\|\s*\d+ \|\s+(\S+)$", err, re.M)}
    return sorted(names & set(HEAVY_MODULES))


def json_heavy_imports(tree: str) -> list[str]:
    """Heavy modules ``dumpxml --json`` of one device imports (from ``-X importtime``)."""
    cmd = [PY, "-X", "importtime", "-m", "nodedev_xml", "--root", tree, "dumpxml",
           "scsi_host0", "--json"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=CHILD_ENV)
    names = {m[1].split(".")[0] for m in re.finditer(r"\|\s*\d+ \|\s+(\S+)$", done.stderr, re.M)}
    return sorted(names & set(HEAVY_MODULES))


def peak_kib(code: str, *args: str) -> int:
    cmd = [PY, "-c", code + REPORT_HWM, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=CHILD_ENV)
    out.check_returncode()
    return int(out.stdout.split()[-1])


# ----------------------------------------------------------------------------- LUNs

LUNS_PER_VHBA = 4
LUN_TREE = "h255-luns"
#: What the enriched XML of a LUN needs from its SCSI device directory.
LUN_ATTRS = ("type", "vendor", "model", "rev", "wwid", "vpd_pg80")


def build_lun_tree(base: Path) -> Path:
    """The benchmark host with a SAN behind it (:mod:`nodedev_xml.testing.fabric`): every
    vHBA zoned to a target of its own exporting ``LUNS_PER_VHBA`` disks, each with its
    ``wwid``, VPD pages, block device and ``/dev/disk/by-id`` links."""
    from nodedev_xml.testing.fabric import Fabric, FabricLun
    from nodedev_xml.testing.specs import FCHostSpec

    tree = base / LUN_TREE
    if (tree / DONE).exists():
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    start = time.perf_counter()
    builder = build_benchmark_host(tree)
    fabric = Fabric()
    for spec in list(builder.hosts.values()):
        if not isinstance(spec, FCHostSpec) or spec.vport is None:
            continue
        luns = [FabricLun(n, f"naa.600a0b8000{spec.number:06x}{n:016x}")
                for n in range(LUNS_PER_VHBA)]  # fmt: skip
        fabric.zone(spec.port_name, fabric.add_target(0x2011000200000000 | spec.number, luns,
                                                      port_id=0x400000 + spec.number))  # fmt: skip
        fabric.attach(builder, spec)
    (tree / DONE).touch()
    print(f"built {tree} (LUNs behind every vHBA) in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)  # fmt: skip
    return tree


def floor_luns(root: str) -> int:
    """:func:`floor` extended to the LUN files: each target's remote-port name; each
    LUN's :data:`LUN_ATTRS` and ``driver`` link, its disk's ``size`` and ``holders``;
    the ``block`` class and ``/dev/disk/by-id`` links.  Returns the files opened."""
    opened = floor(root)
    data: list[bytes | None] = []
    bus = root + "/sys/bus/scsi/devices/"
    for name in os.listdir(bus):
        if name.startswith("host"):
            continue
        dev = os.path.normpath(bus + os.readlink(bus + name)) + "/"
        if name.startswith("target"):
            rport = dev[:-1].rpartition("/")[0]
            _read_all(f"{rport}/fc_remote_ports/{rport.rpartition('/')[2]}/", ("port_name",), data)
            continue
        _read_all(dev, LUN_ATTRS, data)
        os.readlink(dev + "driver")
        try:
            disks = os.listdir(dev + "block")
        except FileNotFoundError:
            continue
        for disk in disks:
            _read_all(f"{dev}block/{disk}/", ("size",), data)
            if os.path.isdir(f"{dev}block/{disk}/holders"):
                os.listdir(f"{dev}block/{disk}/holders")
    for where in (root + "/sys/class/block/", root + "/dev/disk/by-id/"):
        for name in os.listdir(where):
            os.readlink(where + name)
    return opened + len(data)


def lun_figures(base: Path, repeat: int) -> list[Figure]:
    """Scan + enriched XML of the benchmark host with LUNs behind every vHBA, against
    the floor extended to the LUN files (and the same host without LUNs)."""
    tree = str(build_lun_tree(base))
    inv = nodedev_xml.scan(tree)
    luns = sum(1 for dev in inv.values() if dev.scsi is not None)
    if inv.warnings or luns != 4080 * LUNS_PER_VHBA:
        raise SystemExit(f"unexpected LUN host: {luns} LUNs, {len(inv.warnings)} warnings")
    files = floor_luns(tree)
    best = {name: min(t) for name, t in rounds({
        "floor": lambda: floor_luns(tree),
        "full": lambda: scan_and_xml(tree),
    }, repeat).items()}  # fmt: skip
    ratio = best["full"] / best["floor"]
    return [
        Figure(
            f"floor with LUNs: bare loop reading {files:,} files",
            ms(best["floor"]),
            "-",
            "-",
            "-",
            f"{best['floor'] / files * 1e6:.2f} us per file opened and read",
        ),
        Figure(
            f"scan + enriched XML, {len(inv):,} devices ({luns:,} LUNs)",
            ms(best["full"]),
            "<= 1.2x floor",
            f"{ratio:.2f}x",
            verdict(ratio <= 1.2),
            f"{best['full'] / len(inv) * 1e6:.0f} us per device",
        ),
    ]


# ----------------------------------------------------------------------------- main


def measure(trees: dict[str, Path], repeat: int, base: Path) -> list[Figure]:
    h255, h128 = str(trees["h255"]), str(trees["h128"])
    figures: list[Figure] = []

    # Sanity: the trees are what the figures claim, and the scan trusts all of it.
    inv = nodedev_xml.scan(h255)
    hosts = sum(1 for dev in inv.values() if dev.scsi_host is not None)
    hosts128 = sum(1 for dev in nodedev_xml.scan(h128).values() if dev.scsi_host is not None)
    if hosts != 4096 or inv.warnings:
        raise SystemExit(f"unexpected benchmark host: {hosts} hosts, {len(inv.warnings)} warnings")
    docs = [to_xml(dev, "enriched") for dev in inv.values()]
    files = floor(h255)

    # -- in-process figures, interleaved; systool in the same rounds ---------------------
    why_not = namespace_works(h255)
    workloads: dict[str, Callable[[], object]] = {
        "floor": lambda: floor(h255),
        "floor_libvirt": lambda: floor(h255, libvirt_checks=True),
        "full": lambda: scan_and_xml(h255),
        "scan": lambda: nodedev_xml.scan(h255),
        "xml": lambda: [to_xml(dev, "enriched") for dev in inv.values()],
        "full128": lambda: scan_and_xml(h128),
        "floor128": lambda: floor(h128),
    }
    if why_not is None:
        workloads["systool"] = lambda: run_quiet(systool_command(h255, SYSTOOL))
        workloads["namespace"] = lambda: run_quiet(systool_command(h255, "true"))
    print(f"measuring {repeat} rounds ...", file=sys.stderr)
    times = rounds(workloads, repeat)
    best = {name: min(t) for name, t in times.items()}
    spread = {name: statistics.median(t) / min(t) for name, t in times.items()}

    t_floor, t_full = best["floor"], best["full"]
    figures.append(
        Figure(
            f"floor: bare loop reading {files:,} files",
            ms(t_floor),
            "reference",
            "1.00x",
            "-",
            f"{t_floor / files * 1e6:.2f} us per file opened and read",
        )
    )
    figures.append(
        Figure(
            f"scan + enriched XML, {len(docs):,} documents",
            ms(t_full),
            "<= 1.2x floor",
            f"{t_full / t_floor:.2f}x",
            verdict(t_full <= 1.2 * t_floor),
            f"{t_full / hosts * 1e6:.1f} us per host; median/best {spread['full']:.2f}; "
            f"{t_full / best['floor_libvirt']:.2f}x a floor that also checks vport_create "
            "on every host as libvirt does",
        )
    )
    figures.append(
        Figure(
            "  of which: scan alone",
            ms(best["scan"]),
            "(breakdown)",
            f"{best['scan'] / t_floor:.2f}x",
            "-",
        )
    )
    figures.append(
        Figure(
            "  of which: enriched XML alone",
            ms(best["xml"]),
            "(breakdown)",
            f"{best['xml'] / t_floor:.2f}x",
            "-",
            f"{best['xml'] / len(docs) * 1e6:.1f} us per document",
        )
    )
    if why_not is None:
        t_sys = best["systool"] - best["namespace"]
        figures.append(
            Figure(
                "systool -v -c fc_host, scsi_host, fc_vports",
                ms(t_sys),
                ">= 1.5x our time",
                f"{t_sys / t_full:.2f}x",
                verdict(t_sys >= 1.5 * t_full),
                f"namespace + bind mount ({ms(best['namespace'])}) subtracted",
            )
        )
    else:
        figures.append(Figure("systool -v (3 classes)", "-", ">= 1.5x", "-", "SKIP", why_not))
    t128 = best["full128"]
    figures.append(
        Figure(
            f"scan + XML at 128 -> 255 vHBAs/HBA ({hosts128:,} -> {hosts:,} hosts)",
            f"{ms(t128)} -> {ms(t_full)}",
            "<= 2x time",
            f"{t_full / t128:.2f}x",
            verdict(t_full <= 2 * t128),
            f"{t128 / hosts128 * 1e6:.1f} -> {t_full / hosts * 1e6:.1f} us per host; "
            f"the floor itself: {t_floor / best['floor128']:.2f}x",
        )
    )

    figures.extend(udev_figures(base, repeat))

    # -- list --cap vports, start-up included --------------------------------------------
    list_cmd = [PY, "-m", "nodedev_xml", "--root", h255, "list", "--cap", "vports"]
    listed = subprocess.run(
        list_cmd, capture_output=True, text=True, check=True, env=CHILD_ENV
    ).stdout.split()
    t_list = best_of(lambda: run_quiet(list_cmd), max(repeat, 5))
    figures.append(
        Figure(
            "nodedev-xml list --cap vports (process)",
            ms(t_list),
            "<= 250 ms",
            f"{t_list / 0.25:.2f}x",
            verdict(t_list <= 0.25 and len(listed) == 16),
            f"{len(listed)} HBAs listed",
        )
    )

    # -- validation with the cached schema -------------------------------------------------
    validate(docs[0])  # compiles and caches the grammar
    trees_parsed = [parse_xml(doc) for doc in docs]

    def validate_texts() -> None:
        for doc in docs:
            validate(doc)

    def validate_trees() -> None:
        for tree in trees_parsed:
            validate(tree)

    grammar = compiled_relaxng("enriched")

    def validate_bare() -> None:
        for doc in docs:
            grammar.validate(etree.fromstring(doc))

    vtimes = rounds(
        {"text": validate_texts, "tree": validate_trees, "bare": validate_bare}, max(repeat, 5)
    )
    rate_text = len(docs) / min(vtimes["text"])
    rate_tree = len(docs) / min(vtimes["tree"])
    t_text, t_bare = min(vtimes["text"]), min(vtimes["bare"])
    figures.append(
        Figure(
            f"validate {len(docs):,} parsed documents (RelaxNG)",
            f"{rate_tree:,.0f} docs/s",
            ">= 20,000 docs/s",
            f"{rate_tree / 20000:.2f}x",
            verdict(rate_tree >= 20000),
            "validate(element): the cached schema alone",
        )
    )
    figures.append(
        Figure(
            f"validate {len(docs):,} documents as text",
            f"{rate_text:,.0f} docs/s",
            ">= 20,000 docs/s",
            f"{rate_text / 20000:.2f}x",
            verdict(rate_text >= 20000),
            "validate(str): the hardened parse_xml, then the schema",
        )
    )
    figures.append(
        Figure(
            f"validate {len(docs):,} documents as text vs lxml's bare parse + RelaxNG",
            f"{ms(t_text)} vs {ms(t_bare)}",
            "<= 1.3x bare",
            f"{t_text / t_bare:.2f}x",
            verdict(t_text <= 1.3 * t_bare),
            "etree.fromstring then the cached RelaxNG's validate, same documents, same rounds",
        )
    )

    # -- dumpxml --all --json beside dumpxml --all (processes, output to /dev/null) ---------
    dump_xml = [PY, "-m", "nodedev_xml", "--root", h255, "dumpxml", "--all"]
    dump_json = [*dump_xml, "--json"]
    dtimes = rounds(
        {"xml": lambda: run_quiet(dump_xml), "json": lambda: run_quiet(dump_json)}, max(repeat, 5)
    )
    t_xml, t_json = min(dtimes["xml"]), min(dtimes["json"])
    figures.append(
        Figure(
            f"dumpxml --all --json vs dumpxml --all, {len(docs):,} documents (process)",
            f"{ms(t_json)} vs {ms(t_xml)}",
            "<= 1.5x XML",
            f"{t_json / t_xml:.2f}x",
            verdict(t_json <= 1.5 * t_xml),
            "start-up included, interleaved round by round; heavy modules --json imports: "
            f"{', '.join(json_heavy_imports(h255)) or 'none'} (the XML needs lxml too)",
        )
    )

    # -- peak memory -------------------------------------------------------------------------
    peak = max(peak_kib(MEMORY_CHILD, h255) for _ in range(3))
    base = max(peak_kib(MEMORY_BASELINE) for _ in range(3))
    figures.append(
        Figure(
            "peak memory: scan + XML of every device (process)",
            f"{peak / 1024:.1f} MB",
            "< 64 MB",
            f"{peak / 1024 / 64:.2f}x",
            verdict(peak < 64 * 1024),
            f"VmHWM, includes the interpreter: {base / 1024:.1f} MB with nodedev_xml and lxml "
            "imported and nothing scanned",
        )
    )

    # -- start-up ----------------------------------------------------------------------------
    version_cmd = [PY, "-m", "nodedev_xml", "--version"]
    t_version = best_of(lambda: run_quiet(version_cmd), max(repeat, 10))
    t_bare = best_of(lambda: run_quiet([PY, "-c", "pass"]), max(repeat, 10))
    heavy = heavy_imports_of_version()
    figures.append(
        Figure(
            "nodedev-xml --version (process)",
            ms(t_version),
            "< 100 ms",
            f"{t_version / 0.1:.2f}x",
            verdict(t_version < 0.1 and not heavy),
            f"python -c pass: {ms(t_bare)}; heavy modules imported: {', '.join(heavy) or 'none'}",
        )
    )
    figures += lun_figures(Path(h255).parent, repeat)  # beside the other trees
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the trees in DIR (or reuse the ones built there) and keep them",
    )
    parser.add_argument(
        "--repeat", type=int, default=7, metavar="N", help="runs per figure (best of N)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.keep:
        base = Path(args.keep)
        base.mkdir(parents=True, exist_ok=True)
    else:
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None  # tmpfs: ext4 is far slower
        base = Path(tempfile.mkdtemp(prefix="nodedev-xml-bench-", dir=shm))
    try:
        trees = build_trees(base)
        print(machine())
        print(f"package: {os.path.dirname(nodedev_xml.__file__)}")
        print(f"trees: {base} (best of {args.repeat}; in-process figures interleaved)")
        print(f"load average before: {load()}")
        figures = measure(trees, args.repeat, base)
        print(f"load average after:  {load()}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print()
    print_table(figures, args.markdown)
    return 1 if any(f.verdict == "FAIL" for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
