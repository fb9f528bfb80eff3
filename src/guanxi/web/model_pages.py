"""The Models page: the customer models' versions with their out-of-time figures, the latest
scoring run, the population stability of what the models see (charted), and the drift alerts
with their acknowledgement. Thin over the scoring services."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from guanxi.api.csrf import check_csrf_form
from guanxi.api.deps import RowId, SessionDep
from guanxi.scoring.drift import ALERT_PSI
from guanxi.scoring.score_service import acknowledge_alert, model_overview
from guanxi.security.permissions import Permission
from guanxi.web.appointment_pages import Csrf
from guanxi.web.charts import series
from guanxi.web.render import render, translator
from guanxi.web.session import PageActor

CHARTED = 15  # the variables with the largest stability index


def models_page(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """Versions, the latest run and drift."""
    overview = model_overview(session=session, actor=actor, var_dir=request.app.state.settings.var_dir)
    tr = translator(request)
    charts = {}
    run = overview.latest_run
    if run is not None and run.psi:
        shown = sorted(run.psi.items(), key=lambda item: -item[1])[:CHARTED]
        charts["psi"] = series(
            "bar",
            tr.t("models.psi_chart"),
            [name for name, _ in shown],
            [
                (tr.t("models.psi"), [round(v, 4) for _, v in shown]),
                (tr.t("models.threshold"), [ALERT_PSI] * len(shown)),
            ],
        )
    return render(
        request,
        "models.html",
        actor,
        overview=overview,
        charts=charts,
        threshold=ALERT_PSI,
        can_acknowledge=actor.can(Permission.MODEL_PROMOTE),
    )


def acknowledge_submit(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    alert_id: RowId,
    csrf_token: Csrf = None,
) -> Response:
    """Acknowledge a drift alert, then show the page again."""
    check_csrf_form(request, csrf_token)
    session.rollback()
    acknowledge_alert(session=session, actor=actor, alert_id=alert_id)
    return RedirectResponse("/models", status_code=303)
