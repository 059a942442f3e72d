from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nodedev_xml import WWN, PCIAddress, PCIAddressError, WWNError


@pytest.mark.parametrize(
    "text",
    [
        "0x2001001b32a9da4e",
        "2001001b32a9da4e",
        "2001001B32A9DA4E",
        "0X2001001B32A9DA4E",
        "20:01:00:1b:32:a9:da:4e",
        "  0x2001001b32a9da4e\n",
    ],
)
def test_every_spelling_parses_to_the_same_name(text: str) -> None:
    assert str(WWN.parse(text)) == "2001001b32a9da4e"


def test_unpadded_kernel_spelling_is_padded_to_16_digits() -> None:
    w = WWN.parse("0x1000000c9a1b2c3")
    assert str(w) == "01000000c9a1b2c3"
    assert w.kernel == "0x1000000c9a1b2c3"
    assert w.colon == "01:00:00:00:c9:a1:b2:c3"


@pytest.mark.parametrize(
    "text", ["", "0x", "xyz", "0x12345678901234567", "20:01:00:1b:32:a9:da", "2001-001b", "0x-1"]
)
def test_garbage_is_refused_with_the_text(text: str) -> None:
    with pytest.raises(WWNError) as e:
        WWN.parse(text)
    assert repr(text) in str(e.value)


def test_strict_parse_wants_sixteen_digits() -> None:
    assert WWN.parse_strict("0x2001001b32a9da4e") == WWN.parse("2001001b32a9da4e")
    with pytest.raises(WWNError):
        WWN.parse_strict("1000000c9a1b2c3")


def test_naa_oui_and_fabric() -> None:
    assert WWN.parse("2001001b32a9da4e").naa == 2
    assert WWN.parse("2001001b32a9da4e").oui == 0x001B32
    assert WWN.parse("5001a4a5f1c0e3b2").naa == 5
    assert WWN.parse("5001a4a5f1c0e3b2").oui == 0x001A4A
    assert not WWN.parse("0x0").is_fabric
    assert not WWN.parse("0xffffffffffffffff").is_fabric
    assert WWN.parse("0x2001000dec9877c1").is_fabric


def test_compares_by_value() -> None:
    assert WWN.parse("0x1b32") == WWN.parse("0000000000001B32")
    assert len({WWN.parse("0x1b32"), WWN(0x1B32)}) == 1


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_all_spellings_round_trip(value: int) -> None:
    w = WWN(value)
    for text in (str(w), w.kernel, w.colon, str(w).upper()):
        assert WWN.parse(text) == w
    assert len(str(w)) == 16


def test_pci_address_forms() -> None:
    a = PCIAddress.parse("0000:04:00.1")
    assert str(a) == "0000:04:00.1"
    assert a.node_name == "pci_0000_04_00_1"
    assert a.attrs() == {"domain": "0x0000", "bus": "0x04", "slot": "0x00", "function": "0x1"}
    assert PCIAddress.match("host5") is None
    with pytest.raises(PCIAddressError):
        PCIAddress.parse("04:00.1")
