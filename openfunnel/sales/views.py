"""Web pages of opportunities and pipelines (filled in by the next commit)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from openfunnel.sales import selectors


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(actor=request.user, id=pk)
    return redirect(f"/api/v1/opportunities/{opportunity.pk}/")
