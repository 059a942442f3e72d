"""libvirt storage pools of vHBAs: the migration of a guest's pool, and pools from definitions.

A guest that uses LUNs behind a vHBA reaches them through a ``scsi`` storage
pool whose adapter is an ``fc_host``: starting the pool creates the vport,
destroying it deletes the vport (``managed='yes'``).  To migrate the guest,
the destination host defines and starts the *same* pool -- same name, same
UUID, so the guest's ``<disk type='volume'>`` still resolves -- but with a
vHBA of its own: new WWNN/WWPN (zoned beforehand) under a parent HBA of the
destination.  :func:`migrate_pool` writes that destination pool from the
source's; :func:`export_pool` writes the pool of a nodedev-xml definition, for
users who let libvirt own the vHBA's persistence.  The README gives the whole
migration sequence.  The documents themselves are :mod:`nodedev_xml.xml.pool`.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Collection, Iterable

from ..errors import PoolError, Refusal
from ..model import Inventory, Parent
from ..model.definition import Definition
from ..model.request import parent_ways
from ..wwn import WWN
from ..xml.pool import pool_adapter_attributes, pool_document, read_fc_pool
from .luns import wwid_key
from .parent import names_in_use, present_parent
from .wwns import generate_wwns

__all__ = ["check_destination", "export_pool", "migrate_pool"]


def _check_parent(parent: Parent | None) -> None:
    if parent is None:
        return
    if len(parent_ways(parent)) != 1 or (parent.wwnn is None) != (parent.wwpn is None):
        raise PoolError(
            "give the destination parent one way: by name, by WWNN and WWPN, or by fabric WWN"
        )
    if parent.name is not None and (not parent.name or not parent.name.isprintable()):
        raise PoolError(f"parent {parent.name!r}: expected a node-device name like 'scsi_host5'")


def check_destination(
    inv: Inventory, parent: Parent | None, wwnn: WWN | None, wwpn: WWN | None
) -> None:
    """Check that the destination host ``inv`` can start the migrated pool: it has
    ``parent``, vport-capable, and none of the given WWNs is in use there.  Raises
    :class:`PoolError` with ``reason`` ``not_vport_capable`` or ``wwn_in_use``."""
    if parent is not None and present_parent(inv, parent) is None:
        raise PoolError(
            f"the destination {inv.root} has no vport-capable HBA {parent.describe()}:"
            " run migrate-pool on the destination host, or give its --root",
            reason=Refusal.NOT_VPORT_CAPABLE,
        )
    used = names_in_use(inv)
    for kind, wwn in (("--wwnn", wwnn), ("--wwpn", wwpn)):
        if wwn is not None and wwn in used:
            raise PoolError(
                f"{kind} {wwn} is already in use on {inv.root}: it is {used[wwn]}",
                reason=Refusal.WWN_IN_USE,
            )


def migrate_pool(
    pool_xml: str | bytes,
    *,
    parent: Parent | None,
    wwnn: WWN | None = None,
    wwpn: WWN | None = None,
    avoid: Iterable[WWN] = (),
    source: str = "<string>",
    generate: Callable[[Collection[WWN]], tuple[WWN, WWN]] | None = None,
    wwids: Iterable[str] = (),
) -> str:
    """The destination's pool document for migrating the vHBA pool ``pool_xml``.

    Same name, UUID and everything else; the adapter gets the destination
    ``parent`` (``None``: libvirt picks an Online vport-capable HBA),
    ``managed='yes'`` and a new WWNN/WWPN: ``wwnn`` and ``wwpn`` when given,
    else generated, never the source's and none of ``avoid``.  ``wwids``, the
    LUNs the guest relies on, go in a comment for ``vhba compare-luns`` on the
    destination (:func:`~nodedev_xml.xml.pool.pool_wwids` reads it back);
    without them a comment the source pool carries is kept.  Raises
    :class:`PoolError` for a pool that is not a ``scsi`` pool with an ``fc_host``
    adapter, for given WWNs equal to the source's or to each other, and for a
    parent given more than one way; :class:`~nodedev_xml.errors.XMLInputError`
    for input that is not safe XML."""
    _check_parent(parent)
    pool = read_fc_pool(pool_xml, source=source)
    old = pool.wwns
    if (wwnn is None) != (wwpn is None):
        raise PoolError("give the destination vHBA's WWNN and WWPN together, or neither")
    if wwnn is None or wwpn is None:
        wwnn, wwpn = (generate or generate_wwns)(frozenset(old) | frozenset(avoid))
    for wwn in (wwnn, wwpn):
        if wwn in old:
            raise PoolError(
                f"WWN {wwn} is the source pool's: the destination vHBA needs names of its own"
                " (both vHBAs exist while the guest migrates)"
            )
    if wwnn == wwpn:
        raise PoolError(f"the WWNN and the WWPN are both {wwnn}: expected two names")
    expected = sorted({wwid_key(w) for w in wwids})
    return pool.with_adapter(pool_adapter_attributes(parent, wwnn, wwpn), wwids=expected)


def export_pool(
    definition: Definition, *, uuid: str | None = None, wwids: Iterable[str] = ()
) -> str:
    """A libvirt ``scsi`` pool that creates the vHBA of ``definition`` when started:
    named after the definition, a new UUID (or ``uuid``), the definition's parent
    and WWNs, ``managed='yes'``, target path ``/dev/disk/by-path``; ``wwids`` in a
    comment as :func:`migrate_pool` puts them.  Raises :class:`PoolError` for a
    ``uuid`` that is not one."""
    try:
        pool_uuid = str(uuidlib.UUID(uuid)) if uuid is not None else str(uuidlib.uuid4())
    except ValueError:
        raise PoolError(f"invalid UUID {uuid!r}") from None
    return pool_document(
        definition.name, pool_uuid, definition.parent, definition.wwnn, definition.wwpn,
        wwids=sorted({wwid_key(w) for w in wwids}),
    )
