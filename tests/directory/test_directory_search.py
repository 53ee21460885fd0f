"""Nearest search: order and distance, filters, widening once, paging, reports, the index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.db import Base, make_engine, session_factory
from bot.directory.geo import haversine_miles, resolve_place
from bot.directory.index import BITS, DirectoryIndex, unit_vectors
from bot.directory.models import ListingReport
from bot.directory.search import Filters, find_near_place, find_nearby, report_listing
from tests.directory.places import PLACES, load, write_local

NORWICH = resolve_place("06360").place


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    load(sessions, write_local(tmp_path / "local.csv", PLACES))
    return sessions


def search(sessions, place="06360", **options):
    with sessions() as session:
        return find_nearby(session, place, **options)


def names(result):
    return [match.name for match in result.matches]


def test_nearest_first_with_true_distances(sessions):
    result = search(sessions, k=3)
    assert result.place.label == "Norwich, CT 06360"
    assert names(result) == ["Clinic A", "Clinic B", "Clinic D"]
    for match, place in zip(result.matches, (PLACES[0], PLACES[1], PLACES[3]), strict=True):
        expected = haversine_miles(
            NORWICH.latitude, NORWICH.longitude, float(place["latitude"]), float(place["longitude"])
        )
        assert match.distance_miles == pytest.approx(expected, abs=0.05)
    assert (result.radius_miles, result.widened, result.has_more) == (25.0, False, False)


def test_widens_when_the_first_radius_cannot_fill_the_page(sessions):
    result = search(sessions, k=5)
    assert names(result) == ["Clinic A", "Clinic B", "Clinic D", "Clinic E"]
    assert (result.radius_miles, result.widened) == (60.0, True)


def test_match_carries_what_a_person_needs_to_act(sessions):
    [first] = search(sessions, medication="bupe", k=1).matches
    assert first.state == "CT" and first.town == "Norwich"
    assert [s.kind for s in first.matched_services] == ["buprenorphine"]
    assert first.payment == ("medicaid",)
    assert first.languages == ("es",)
    assert str(first.last_verified) == "2025-10-01"
    assert first.source_names == ("local program staff",)
    assert not first.approximate_location


@pytest.mark.parametrize(
    "options, expected",
    [
        (dict(medication="Suboxone"), ["Clinic A", "Clinic B"]),
        (dict(medication="methadone"), ["Clinic B", "Clinic D"]),
        (dict(medication="methadone", filters=Filters(medicaid=True)), ["Clinic D"]),
        (dict(filters=Filters(uninsured=True)), ["Clinic B"]),
        (dict(filters=Filters(telehealth=True)), ["Clinic B"]),
        (dict(filters=Filters(spanish=True)), ["Clinic A"]),
        (dict(need="naloxone"), ["Kits C"]),
        (dict(medication="narcan", filters=Filters(walk_in=True, uninsured=True)), ["Kits C"]),
        (dict(need="naloxone", filters=Filters(medicaid=True)), []),
        (dict(filters=Filters(veterans=True)), ["Clinic D"]),
    ],
)
def test_filters(sessions, options, expected):
    assert names(search(sessions, k=5, radii=(25.0,), **options)) == expected


def test_widens_once_when_nothing_is_close(sessions):
    result = search(sessions, medication="vivitrol")
    assert names(result) == ["Clinic E"]
    assert (result.radius_miles, result.widened) == (60.0, True)
    assert 40 < result.matches[0].distance_miles < 60


def test_nothing_within_the_widest_radius(sessions):
    result = search(sessions, need="harm_reduction")
    assert result.place_found and result.matches == ()
    assert (result.radius_miles, result.widened) == (60.0, True)


def test_paging_with_offset(sessions):
    first = search(sessions, k=1)
    second = search(sessions, k=1, offset=1)
    assert names(first) == ["Clinic A"] and first.has_more
    assert names(second) == ["Clinic B"] and second.has_more
    assert not search(sessions, k=1, offset=2).has_more


def test_unknown_place_is_a_result_not_an_error(sessions):
    result = search(sessions, place="asdf")
    assert not result.place_found
    assert result.matches == ()
    assert "asdf" in result.reason


def test_unknown_medication_or_need_is_a_programming_error(sessions):
    with pytest.raises(ValueError, match="unknown medication"):
        search(sessions, medication="aspirin")
    with pytest.raises(ValueError, match="need must be one of"):
        search(sessions, need="housing")


def test_index_follows_a_reimport(sessions, tmp_path):
    assert names(search(sessions, k=1)) == ["Clinic A"]
    closer = dict(
        source_id="g", organization="Clinic G", latitude="41.537", longitude="-72.085",
        services="buprenorphine",
    )  # fmt: skip
    load(sessions, write_local(tmp_path / "more.csv", [closer]))
    assert names(search(sessions, k=1)) == ["Clinic G"]


def test_search_from_an_already_resolved_place(sessions):
    with sessions() as session:
        result = find_near_place(session, NORWICH, medication="methadone", k=1)
    assert names(result) == ["Clinic B"]


def test_wrong_listing_report_keeps_no_contact_details(sessions):
    listing_id = search(sessions, k=1).matches[0].id
    with sessions() as session:
        report_id = report_listing(
            session, listing_id, "closed now, call me at (860) 555-0100 or x@y.org"
        )
        session.commit()
    with sessions() as session:
        report = session.get(ListingReport, report_id)
        assert report.location_id == listing_id
        assert report.reason == "closed now, call me at [removed] or [removed]"
        assert session.scalars(select(ListingReport)).all() == [report]
    with sessions() as session, pytest.raises(LookupError):
        report_listing(session, 999999)


coordinates = st.tuples(
    st.floats(min_value=-80, max_value=80), st.floats(min_value=-179, max_value=179)
)


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(coordinates, min_size=1, max_size=60),
    flags=st.lists(st.sampled_from([0, BITS["methadone"], BITS["medicaid"]]), min_size=60),
    origin=coordinates,
    k=st.integers(min_value=1, max_value=8),
    mask=st.sampled_from([0, BITS["methadone"], BITS["medicaid"]]),
)
def test_index_agrees_with_a_full_scan(points, flags, origin, k, mask):
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    bits = np.array(flags[: len(points)], dtype=np.int64)
    index = DirectoryIndex(np.arange(len(points)), unit_vectors(lat, lon), bits)
    found = index.nearest(origin[0], origin[1], mask, k)
    scan = sorted(
        (haversine_miles(origin[0], origin[1], lat[i], lon[i]), i)
        for i in range(len(points))
        if bits[i] & mask == mask
    )[:k]
    assert [miles for _, miles in found] == pytest.approx([m for m, _ in scan], abs=1e-3)
