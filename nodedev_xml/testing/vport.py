"""What an NPIV vport and its vHBA look like: the one description the layout
builder and the kernel emulator both write.

:class:`~nodedev_xml.testing.SysfsBuilder` lays a vport out as ``vport_create``
leaves it; :class:`~nodedev_xml.testing.emulator.KernelEmulator` makes one when
``vport_create`` is written.  Both call the functions here, so a vHBA is the
same tree whichever made it (``tests/test_testing.py`` compares the two, every
path, file and link):

- the names: :func:`vport_name` (``vport-H:0-N``), the vHBA's host ``hostM``;
- the rules: :func:`unique_id` (per driver), :func:`vhba_port_id`, the vHBA's
  port (:func:`vhba_port`: the parent's fabric, state and speed), the fields
  the driver's templates are filled from (:func:`template_fields`), the
  counters of a port's vports (:data:`VPORT_COUNTERS`);
- the attribute files of a Scsi_Host with an ``fc_host``, physical or vHBA
  (:func:`fc_scsi_host_files`), and of a vport (:func:`.attributes.fc_vport_files`);
- the directories, class devices and links, in the order the kernel makes
  them: :func:`write_vport` and :func:`write_scsi_host` (a Scsi_Host is laid
  out the same under a PCI function as under a vport).

What the builder and the emulator bring is only where the inputs come from:
the builder from its records (:class:`~.specs.FCHostSpec`), the emulator from
the parent's files in the tree it serves (:class:`PhysicalPort` holds them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .attributes import VPORT_TYPE, FCPortValues, fc_host_files, scsi_host_files
from .presets import DRIVERS, DriverPreset
from .tree import TreeWriter
from .values import kernel_wwn

__all__ = [
    "VPORT_COUNTERS",
    "Announce",
    "PhysicalPort",
    "fc_scsi_host_files",
    "read_physical_port",
    "template_fields",
    "unique_id",
    "vhba_port",
    "vhba_port_id",
    "vport_name",
    "write_scsi_host",
    "write_vport",
]

#: The counters a physical port keeps equal to its number of vports: ``(class,
#: attribute)`` of its class devices (``npiv_vports_inuse``; lpfc's ``used_vpi``).
VPORT_COUNTERS = (("fc_host", "npiv_vports_inuse"), ("scsi_host", "used_vpi"))

#: Told of each device as it is complete: ``announce(action, path below sys/)``.
Announce = Callable[[str, str], None]


def vport_name(host: int, number: int) -> str:
    """``vport-H:0-N``: vport ``number`` of ``hostH`` (channel 0)."""
    return f"vport-{host}:0-{number}"


def unique_id(rule: str, host: int, instance: int) -> int:
    """A Scsi_Host's ``unique_id`` under its driver's rule (:attr:`DriverPreset.unique_id`):
    ``host``, the host number (qla2xxx); ``instance``, the driver's count of its hosts
    before this one, vHBAs included (lpfc); anything else 0, the SCSI midlayer's default."""
    return {"host": host, "instance": instance}.get(rule, 0)


def vhba_port_id(parent_port_id: int, number: int) -> int:
    """The fabric address of vport ``number``'s vHBA: the next ones after its port's."""
    return (parent_port_id + 1 + number) & 0xFFFFFF


@dataclass(frozen=True)
class PhysicalPort:
    """What a vHBA takes from its physical port: the driver, the card (``model``,
    ``desc``, ``supported_speeds``), the port's fabric login (``port``) and its PCI
    function's ``sriov_totalvfs``."""

    preset: DriverPreset
    model: str
    desc: str
    supported_speeds: str
    port: FCPortValues
    totalvfs: int = 0


def read_physical_port(read: Callable[[str], str | None], host_rel: str) -> PhysicalPort | None:
    """The :class:`PhysicalPort` of the physical port ``host_rel`` (``.../hostP``), read
    back from its files with ``read(path below sys/)`` (the value, or None when absent);
    None when its driver (``proc_name``) is none of :data:`DRIVERS`.  The card is what
    the driver's ``{model}`` and ``{desc}`` attributes say, else its default card."""
    name = host_rel.rpartition("/")[2]
    sh, fc = f"{host_rel}/scsi_host/{name}", f"{host_rel}/fc_host/{name}"
    preset = DRIVERS.get(read(f"{sh}/proc_name") or "")
    if preset is None:
        return None
    shown = {template: read(f"{sh}/{key}") for key, template in preset.scsi_host.items()}
    model = shown.get("{model}") or preset.model
    card = preset.card(model)

    def number(path: str, base: int) -> int:
        try:
            return int(read(path) or "", base)
        except ValueError:
            return 0

    port = FCPortValues(
        node_name=number(f"{fc}/node_name", 16),
        port_name=number(f"{fc}/port_name", 16),
        fabric_name=number(f"{fc}/fabric_name", 16),
        port_id=number(f"{fc}/port_id", 16),
        port_state=read(f"{fc}/port_state") or "Unknown",
        port_type=read(f"{fc}/port_type") or preset.port_type,
        speed=read(f"{fc}/speed") or "unknown",
        max_npiv_vports=number(f"{fc}/max_npiv_vports", 10),
    )
    return PhysicalPort(
        preset,
        model,
        shown.get("{desc}") or card.desc,
        read(f"{fc}/supported_speeds") or card.supported_speeds,
        port,
        number(f"{host_rel.rpartition('/')[0]}/sriov_totalvfs", 10),
    )


def vhba_port(
    parent: PhysicalPort, node_name: int, port_name: int, number: int, *, active: bool
) -> FCPortValues:
    """The vHBA of vport ``number`` with these names: the parent's port state and
    speed; on the parent's fabric (at :func:`vhba_port_id`) only when ``active``."""
    port = parent.port
    return FCPortValues(
        node_name=node_name,
        port_name=port_name,
        fabric_name=port.fabric_name if active else parent.preset.no_fabric_name,
        port_id=vhba_port_id(port.port_id, number) if active else 0,
        port_state=port.port_state,
        port_type=VPORT_TYPE,
        speed=port.speed,
        max_npiv_vports=0,
    )


def template_fields(
    port: FCPortValues,
    *,
    model: str,
    desc: str,
    instance: int,
    totalvfs: int,
    vpi: int | None = None,
) -> dict[str, object]:
    """What a driver's templates may name (see :class:`DriverPreset`); ``vpi`` (a
    vHBA's: its port's vport count, this one included) only for a vHBA."""
    fields: dict[str, object] = {
        "model": model,
        "desc": desc,
        "instance": instance,
        "max_vports": port.max_npiv_vports,
        "totalvfs": totalvfs,
        "node_name": kernel_wwn(port.node_name),
    }
    if vpi is not None:
        fields["vpi"] = vpi
    return fields


def fc_scsi_host_files(
    preset: DriverPreset,
    port: FCPortValues,
    *,
    physical: bool,
    supported_speeds: str,
    unique_id: int,
    fields: Mapping[str, object],
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The ``scsi_host`` and ``fc_host`` files of a physical port or (``physical=False``)
    a vHBA: the driver's template for each, filled from ``fields``."""
    fc = fc_host_files(
        preset,
        port,
        physical=physical,
        supported_speeds=supported_speeds,
        symbolic_name=preset.symbolic_name.format_map(fields),
        fields=fields,
    )
    extra = preset.scsi_host if physical else preset.vport_scsi_host
    scsi = scsi_host_files(preset.proc_name, preset.queue, unique_id, extra, fields)
    return scsi, fc


def write_vport(
    tree: TreeWriter,
    parent_rel: str,
    name: str,
    files: Mapping[str, bytes],
    announce: Announce | None = None,
) -> tuple[str, str]:
    """The vport device ``<parent>/<name>/`` (no bus, no class: no ``subsystem``) and its
    class device ``fc_vports/<name>/`` holding ``files``, listed in ``class/fc_vports``;
    ``announce("add", ...)`` of the class device.  Returns both paths."""
    rel = f"{parent_rel}/{name}"
    tree.device(rel, {}, subsystem=None)
    cls = tree.class_device(rel, "fc_vports", name, files)
    if announce is not None:
        announce("add", cls)
    return rel, cls


def write_scsi_host(
    tree: TreeWriter,
    parent_rel: str,
    number: int,
    scsi: Mapping[str, bytes],
    fc: Mapping[str, bytes] | None,
    announce: Announce | None = None,
) -> str:
    """The Scsi_Host ``<parent>/hostN/`` (``DEVTYPE=scsi_host``, bus ``scsi``) with its
    ``scsi_host`` and (unless ``fc`` is None) ``fc_host`` class devices, in the kernel's
    order: both class devices whole, then ``class/scsi_host``, ``bus/scsi/devices``
    and, last, ``class/fc_host`` (whoever finds it there finds a complete vHBA);
    ``announce("add", ...)`` of the host, its ``scsi_host`` and its ``fc_host`` as each
    is listed.  Returns the host's path."""
    name = f"host{number}"
    rel = f"{parent_rel}/{name}"
    tree.device(rel, {"uevent": b"DEVTYPE=scsi_host\n"}, subsystem="bus/scsi")
    sh = tree.class_device(rel, "scsi_host", name, scsi, listed=False)
    fch = None if fc is None else tree.class_device(rel, "fc_host", name, fc, listed=False)
    tree.class_entry("scsi_host", name, sh)
    tree.bus_entry("scsi", name, rel)
    if announce is not None:
        announce("add", rel)
        announce("add", sh)
    if fch is not None:
        tree.class_entry("fc_host", name, fch)
        if announce is not None:
            announce("add", fch)
    return rel
