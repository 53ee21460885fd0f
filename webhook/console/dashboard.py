"""The action team's dashboard in the console: figures as charts and tables, and a CSV.

Supervisors and admins only. The figures come from bot/dashboard/ (counts, small cells
suppressed); this module validates the filters, and webhook/console/charts.py lays the
charts out.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request

from bot.accounts.models import OVERSEERS
from bot.dashboard.cells import MIN_CELL, small_total
from bot.dashboard.export import csv_filename, dashboard_csv, minutes
from bot.dashboard.figures import Dashboard, build_dashboard, rate_text, share_text
from bot.dashboard.filters import CHANNEL_FILTERS, CHANNELS, DashboardError, Filters, parse_filters
from webhook.console.auth import console_headers, signed_in
from webhook.console.charts import charts_for, number
from webhook.context import services

bp = Blueprint("dashboard", __name__, url_prefix="/console/dashboard")


# The console's own headers: no caching, framing or inline code.
bp.after_request(console_headers)


@bp.get("/")
@signed_in(*OVERSEERS)
def page():
    """The figures for the period and channel in the query string (defaults: 13 weeks, all)."""
    try:
        filters = parse_filters(request.args, _today())
    except DashboardError as error:
        return _bad_filters(error)
    dashboard = _build(filters)
    return render_template(
        "console/dashboard.html",
        dashboard=dashboard,
        charts=charts_for(dashboard),
        form=filters_form(filters),
        channels=CHANNEL_FILTERS,
        channel_names=CHANNELS,
        number=number,
        minutes=minutes,
        total=partial(small_total, written=number),
        share=share_text,
        rate=rate_text,
        min_cell=MIN_CELL,
        directory=services().directory_sync.status(),
    )


@bp.get("/export.csv")
@signed_in(*OVERSEERS)
def export():
    """The same figures as a CSV download."""
    try:
        filters = parse_filters(request.args, _today())
    except DashboardError as error:
        return _bad_filters(error)
    dashboard = _build(filters)
    disposition = f'attachment; filename="{csv_filename(dashboard)}"'
    return Response(
        dashboard_csv(dashboard),
        mimetype="text/csv",
        headers={"Content-Disposition": disposition},
    )


def _bad_filters(error: DashboardError):
    form = {name: request.args.get(name, "") for name in ("from", "to", "channel")}
    return render_template(
        "console/dashboard.html", error=str(error), form=form, channels=CHANNEL_FILTERS
    ), 400


def _zone() -> str:
    return services().settings.console.timezone


def _today() -> date:
    return datetime.now(ZoneInfo(_zone())).date()


def _build(filters: Filters) -> Dashboard:
    with services().sessions() as session:
        return build_dashboard(session, filters.start, filters.end, filters.channel, _zone())


def filters_form(filters: Filters) -> dict:
    """The filters as the form and the CSV link carry them."""
    return {"from": str(filters.start), "to": str(filters.end), "channel": filters.channel}
