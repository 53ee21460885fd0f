"""Offline geocoding: ZIP codes, the 169 Connecticut towns, misspellings, and "not found"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.directory.geo import CT_TOWNS, haversine_miles, place_names, resolve_place


def test_the_official_list_has_169_distinct_towns():
    assert len(CT_TOWNS) == 169
    assert len(set(CT_TOWNS)) == 169


@pytest.mark.parametrize("town", CT_TOWNS)
def test_every_connecticut_town_resolves_inside_connecticut(town):
    result = resolve_place(town)
    assert result.found, result.reason
    assert result.place.state == "CT"
    assert result.place.name == town
    assert not result.corrected
    # Connecticut's bounding box.
    assert 40.95 < result.place.latitude < 42.06
    assert -73.73 < result.place.longitude < -71.78


@pytest.mark.parametrize(
    "town, postal_name",
    [("Mansfield", "Storrs"), ("Winchester", "Winsted"), ("Sprague", "Baltic")],
)
def test_towns_whose_post_office_has_another_name(town, postal_name):
    town_place = resolve_place(f"{town}, CT").place
    postal_place = resolve_place(f"{postal_name}, CT").place
    assert town_place.state == postal_place.state == "CT"
    miles = haversine_miles(
        town_place.latitude, town_place.longitude, postal_place.latitude, postal_place.longitude
    )
    assert miles < 3


def test_canaan_is_not_mistaken_for_the_canaan_post_office_in_north_canaan():
    canaan, north_canaan = resolve_place("Canaan").place, resolve_place("North Canaan").place
    assert canaan.latitude < north_canaan.latitude
    assert haversine_miles(canaan.latitude, canaan.longitude, 41.95, -73.37) < 3  # Falls Village


def test_zip_code_resolves_to_its_town():
    result = resolve_place("Where can I get bupe near 06360?")
    assert result.found
    assert result.place.label == "Norwich, CT 06360"
    assert result.place.kind == "zip"


def test_massachusetts_towns_resolve():
    for town in ("Boston", "Worcester", "Springfield", "Fall River", "Pittsfield", "Yarmouth"):
        result = resolve_place(town)
        assert result.found and result.place.state == "MA", town


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("Norwhich", "Norwich"),
        ("Bridgport", "Bridgeport"),
        ("Hartfrd", "Hartford"),
        ("Middletwon", "Middletown"),
        ("Wethersfeild", "Wethersfield"),
        ("Willimantik", "Willimantic"),
    ],
)
def test_misspelled_towns_still_match(typed, meant):
    result = resolve_place(typed)
    assert result.found
    assert result.place.name == meant
    assert result.place.state == "CT"
    assert result.corrected


def test_a_name_in_both_states_prefers_connecticut_and_offers_the_other():
    result = resolve_place("Sharon")
    assert result.place.state == "CT"
    assert result.alternatives == ("Sharon, MA",)
    assert resolve_place("Sharon, MA").place.state == "MA"
    assert resolve_place("sharon mass").place.state == "MA"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("asdf", "no town called"),
        ("99999", "not a known ZIP code"),
        ("00000", "not a known ZIP code"),
        ("Chicago", "not a town in Connecticut or Massachusetts"),
        ("Providence", "not a town in Connecticut or Massachusetts"),
        ("Manchester, NH", "not NH"),
        ("", "no town name or ZIP code"),
        ("!!", "no town name or ZIP code"),
    ],
)
def test_unknown_places_are_a_clear_not_found(text, reason):
    result = resolve_place(text)
    assert not result.found
    assert result.place is None
    assert reason in result.reason


def test_place_names_cover_official_and_postal_names_in_both_states():
    names = place_names()
    assert names == sorted(names)
    for name in ("Mansfield", "Storrs", "Winchester", "Winsted", "Sprague", "Baltic", "Boston"):
        assert name in names
    assert set(CT_TOWNS) <= set(names)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_a_result_never_an_exception(text):
    result = resolve_place(text)
    assert result.found == (result.place is not None)
    assert result.found or result.reason
