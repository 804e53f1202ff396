"""The system leads' review pages: overview, hours exchanged, pipeline, impact, sustainability.

Every page is scoped to the lead's own system, filtered by a date range (default: the
last 6 months), and shows each chart's table with a CSV link of exactly that table.
"""

from __future__ import annotations

import csv
import io
from numbers import Number
from typing import Any

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup, escape

from hexqi.access import role_required
from hexqi.models import Role
from hexqi.reports import bp
from hexqi.reports import charts_for as charts
from hexqi.reports.forms import HoursForm, PeriodForm
from hexqi.services import (
    reports_hours,
    reports_impact,
    reports_pipeline,
    reports_sustainability,
)
from hexqi.services.errors import InvalidInput, NotFound
from hexqi.services.reports import Period, Table, cell_text, flows, system_id_of
from hexqi.services.reports_catalogue import build_table, overview

LEAD = Role.SYSTEM_LEAD


def _period(form: PeriodForm) -> tuple[Period, bool]:
    """The chosen period, or the default one (and False) when the form has a problem."""
    if not form.validate():
        return Period.default(), False
    try:
        return Period.parse(form.start.data, form.end.data), True
    except InvalidInput as exc:
        field = form.end if exc.field == "to" else form.start
        field.errors = [*field.errors, str(exc)]
        return Period.default(), False


def _page(template: str, form: PeriodForm, period: Period, ok: bool, **context: Any
          ) -> tuple[str, int]:
    args = period.query_args()
    if isinstance(form, HoursForm):
        args["group"] = reports_hours.check_group(form.group.data)
    if not ok:
        form.start.data, form.end.data = form.start.data or period.start, \
            form.end.data or period.end
    return render_template(template, form=form, period=period, ok=ok, args=args,
                           **context), (200 if ok else 400)


@bp.get("/")
@role_required(LEAD)
def dashboard() -> tuple[str, int]:
    form = PeriodForm(request.args)
    period, ok = _period(form)
    data = overview(system_id_of(current_user), period)
    return _page("reports/dashboard.html", form, period, ok, title="Reports", data=data,
                 table=data.table())


@bp.get("/hours")
@role_required(LEAD)
def hours() -> tuple[str, int]:
    form = HoursForm(request.args)
    period, ok = _period(form)
    group = reports_hours.check_group(form.group.data)
    form.group.data = group
    system_id = system_id_of(current_user)
    rows = flows(system_id, period, by_month=True)  # the ledger summed once for four tables
    matrix = reports_hours.hours_matrix(system_id, period, group, rows)
    net = reports_hours.net_givers(system_id, period, rows)
    by_month = reports_hours.hours_by_month(system_id, period, rows)
    by_skill = reports_hours.hours_by_skill(system_id, period)
    by_kind = reports_hours.hours_by_kind(system_id, period, rows)
    return _page(
        "reports/hours.html", form, period, ok, title="Hours exchanged", group=group,
        group_name=reports_hours.GROUPS[group].lower(),
        blocks=[
            ("matrix", charts.matrix_chart(matrix, group), matrix),
            ("net", charts.net_chart(net), net),
            ("month", charts.month_chart(by_month), by_month),
            ("skill", charts.skill_chart(by_skill), by_skill),
            ("kind", charts.kind_chart(by_kind), by_kind),
        ],
    )


@bp.get("/pyramid")
@role_required(LEAD)
def pyramid() -> tuple[str, int]:
    form = PeriodForm(request.args)
    period, ok = _period(form)
    system_id = system_id_of(current_user)
    counts = reports_pipeline.pyramid_rows(system_id, period)
    per_org = reports_pipeline.pyramid_table(system_id, period, counts)
    tiers = reports_pipeline.system_tiers_table(system_id, period, counts)
    series = reports_pipeline.tier_series(system_id, period)
    training = reports_pipeline.training_table(system_id, period)
    return _page(
        "reports/pyramid.html", form, period, ok, title="Pipeline and capability pyramid",
        per_org=per_org,
        blocks=[
            ("tiers", charts.pyramid_chart(tiers), tiers),
            ("series", charts.series_chart(series), series),
            ("training", charts.training_chart(training), training),
        ],
    )


@bp.get("/impact")
@role_required(LEAD)
def impact() -> tuple[str, int]:
    form = PeriodForm(request.args)
    period, ok = _period(form)
    system_id = system_id_of(current_user)
    page = request.args.get("page", 1, type=int) or 1
    supported = reports_impact.supported_projects(system_id, period)  # one query for all three
    projects = reports_impact.projects_table(
        system_id, period, page=page, per_page=int(current_app.config.get("PER_PAGE", 25)),
        projects=supported)
    by_kind = reports_impact.projects_by_kind(system_id, period, supported)
    measures = reports_impact.measures_table(system_id, period, supported)
    return _page("reports/impact.html", form, period, ok, title="Impact", projects=projects,
                 measures=measures, blocks=[("impact-kind", charts.impact_chart(by_kind),
                                             by_kind)])


@bp.get("/sustainability")
@role_required(LEAD)
def sustainability() -> tuple[str, int]:
    form = PeriodForm(request.args)
    period, ok = _period(form)
    system_id = system_id_of(current_user)
    result = reports_sustainability.sustainability(system_id, period)
    table = reports_sustainability.sustainability_table(system_id, period, result)
    return _page("reports/sustainability.html", form, period, ok, title="Sustainability index",
                 result=result, blocks=[("index", charts.sustainability_chart(table), table)])


@bp.get("/<name>.csv")
@role_required(LEAD)
def csv_export(name: str) -> Response:
    form = HoursForm(request.args)
    period, ok = _period(form)
    if not ok:
        problems = [e for field in (form.start, form.end) for e in field.errors]
        abort(400, description=" ".join(problems))
    try:
        table = build_table(name, system_id_of(current_user), period,
                            form.group.data or "kind")
    except NotFound as exc:
        abort(404, description=str(exc))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(value) for value in row])
    filename = f"hexqi-{table.name}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})



@bp.app_template_filter("report_cell")
def report_cell(value: Any) -> str:
    """A report cell as text: the same on the page as in the CSV."""
    return cell_text(value)


@bp.app_template_filter("report_rows")
def report_rows(table: Table, row_headers: bool = True, total_label: str | None = None
                ) -> Markup:
    """A report table's body rows as HTML: written here, not cell by cell in the template,
    because a matrix by organisation has thousands of cells. Numbers are right-aligned;
    the first cell heads its row; a row whose first cell is ``total_label`` is a total."""
    out = []
    for row in table.rows:
        total = total_label is not None and row[0] == total_label
        cells = ['<tr class="total">' if total else "<tr>"]
        for i, value in enumerate(row):
            text = escape(cell_text(value))
            if i == 0 and row_headers:
                cells.append(f'<th scope="row">{text}</th>')
            elif isinstance(value, Number):
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        cells.append("</tr>")
        out.append("".join(cells))
    return Markup("\n".join(out))

