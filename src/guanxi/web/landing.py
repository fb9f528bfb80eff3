"""The start page served at ``/`` until the web workspace lands: what Guanxi holds and where to go."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from guanxi.accounts.models import Account
from guanxi.lake.reader import table_row_count
from guanxi.parties.models import Party
from guanxi.products.models import Product
from guanxi.team.models import Branch

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    """A plain page with the bank's size and links to the API."""
    with request.app.state.session_factory() as session:
        counts = {
            "customers": session.scalar(select(func.count()).select_from(Party)) or 0,
            "accounts": session.scalar(select(func.count()).select_from(Account)) or 0,
            "products": session.scalar(select(func.count()).select_from(Product)) or 0,
            "branches": session.scalar(select(func.count()).select_from(Branch)) or 0,
        }
    counts["transactions"] = table_row_count(request.app.state.lake_root, "transactions")
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{v:,}</td></tr>" for k, v in counts.items())
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Guanxi 關係</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;color:#1f2937}}
th{{text-align:left;padding-right:2rem;font-weight:500}}td{{text-align:right}}a{{color:#b91c1c}}</style></head>
<body><h1>Guanxi 關係</h1><p>Customer relationship management for banks.</p>
<table>{rows}</table>
<p><a href="/docs">API explorer (OpenAPI)</a> · <a href="/openapi.json">openapi.json</a> ·
<a href="/health">health</a></p>
<p>Sign in to the API with one of the demo users printed by <code>make demo</code>.</p></body></html>"""
    return HTMLResponse(html)
