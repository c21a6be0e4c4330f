"""Agency and procedure names as people type them (domain.md section 11, "Agency by name")."""

from __future__ import annotations

import pytest

from agencies.names import NameIndex, normalise_name


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("Ủy ban nhân dân xã Hải Thượng", "UBND xã Hải Thượng"),
        ("UỶ BAN NHÂN DÂN XÃ HẢI THƯỢNG", "UBND xã Hải Thượng"),  # old tone placement, capitals
        ("ubnd xa hai thuong", "UBND xã Hải Thượng"),  # diacritics dropped
        ("UBND   xã  Hải Thượng ", "UBND xã Hải Thượng"),  # repeated and trailing spaces
        ("UBND xa\u0303 Ha\u0309i Thươ\u0323ng", "UBND xã Hải Thượng"),  # decomposed (NFD)
        ("Sở Tư pháp", "SỞ TƯ PHÁP"),
        ("UBND huyện Đakrông", "ubnd huyen dakrong"),  # đ = d
        ("UBND\u00a0huyện Gio Linh", "UBND huyện Gio Linh"),  # a non-breaking space
    ],
)
def test_names_people_write_alike_are_the_same_name(typed, official):
    assert normalise_name(typed) == normalise_name(official)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("UBND xã Hải An", "UBND xã Hải Ba"),
        ("Sở Lao động - Thương binh và Xã hội", "Sở Lao động Thương binh và Xã hội"),
        ("UBND huyện Hải Lăng", "Hải Lăng"),
    ],
)
def test_names_that_differ_are_not_the_same(one, other):
    assert normalise_name(one) != normalise_name(other)


def index() -> NameIndex:
    return NameIndex(
        by_name={
            normalise_name("Sở Tư pháp"): [(1, "STP", "")],
            normalise_name("UBND xã Hải An"): [(2, "HL-HA", ""), (3, "GL-HA", "")],
            normalise_name("UBND huyện Hải Lăng"): [(4, "HL", "")],
            normalise_name("UBND huyện Gio Linh"): [(5, "GL", "")],
        },
        aliases={normalise_name("Phòng Tư pháp"): (1, "STP")},
    )


def test_a_name_resolves_to_its_one_agency():
    assert index().resolve("so tu phap").key == 1


def test_a_name_two_agencies_share_is_ambiguous_and_names_both():
    match = index().resolve("Ủy ban nhân dân xã Hải An")
    assert (match.key, match.ambiguous, match.candidates) == (None, True, ("GL-HA", "HL-HA"))


def test_an_unknown_name_is_neither_resolved_nor_ambiguous():
    match = index().resolve("UBND xã Không Có")
    assert (match.key, match.ambiguous, match.candidates) == (None, False, ())


def test_an_alias_resolves_and_wins_over_a_shared_name():
    names = index()
    assert names.resolve("PHÒNG TƯ PHÁP").key == 1
    names.aliases[normalise_name("UBND xã Hải An")] = (2, "HL-HA")
    assert names.resolve("UBND xã Hải An").key == 2


def test_the_closest_names_are_suggested_best_first():
    assert index().suggestions("UBND huyen Hai Lang tinh Quang Tri", limit=2)[0] == 4
    assert index().suggestions("So Tu phap Quang Tri", limit=1) == [1]
