"""Booking from the customer 360: the RM's free times, booking one, a slot taken meanwhile, and
cancelling."""

from __future__ import annotations

import datetime as dt
import re

from bookable import bookable_monday
from guanxi.security.permissions import Role


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def times(html: str) -> list[str]:
    return re.findall(r'name="starts_at" value="([^"]+)"', html)


def test_the_rm_books_a_free_time_and_cancels_it(client, world, browser_sign_in):
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    party = world.ids["own_party"]
    day = bookable_monday()
    form = client.get(f"/customers/{party}/appointments/new?day={day.isoformat()}")
    assert form.status_code == 200
    free = times(form.text)
    # the world's calendar opens 09:00-17:00 on Mondays: 16 half-hours, less the 09:00 already booked
    assert len(free) == 15
    booked = client.post(
        f"/customers/{party}/appointments",
        data={"starts_at": free[0], "purpose": "investment_review", "where": "rm", "csrf_token": csrf(form.text)},
        follow_redirects=False,
    )
    assert booked.status_code == 303
    page = client.get(f"/customers/{party}")
    # the world's 09:00 appointment and the new one, each with its cancel button
    assert len(re.findall(r'action="/appointments/\d+/cancel"', page.text)) == 2
    # the same time again is refused on the page, with the other times still offered
    again = client.post(
        f"/customers/{party}/appointments",
        data={"starts_at": free[0], "purpose": "investment_review", "where": "rm", "csrf_token": csrf(form.text)},
    )
    assert again.status_code == 409
    assert "That time was just taken; please choose another." in again.text
    assert len(times(again.text)) == 14
    # cancelling it from the 360
    ids = re.findall(r'action="/appointments/(\d+)/cancel"', page.text)
    for appointment_id in ids:
        response = client.post(
            f"/appointments/{appointment_id}/cancel", data={"csrf_token": csrf(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303
    after = client.get(f"/customers/{party}").text
    assert re.findall(r'action="/appointments/\d+/cancel"', after) == []
    assert after.count("Cancelled") >= 2


def test_a_day_without_opening_hours_has_no_free_times(client, world, browser_sign_in):
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    sunday = bookable_monday() - dt.timedelta(days=1)
    page = client.get(f"/customers/{world.ids['own_party']}/appointments/new?day={sunday.isoformat()}")
    assert "No free times on this day." in page.text


def test_another_rms_customer_cannot_be_booked(client, world, browser_sign_in):
    browser_sign_in(Role.RELATIONSHIP_MANAGER)
    assert client.get(f"/customers/{world.ids['other_party']}/appointments/new").status_code == 404
