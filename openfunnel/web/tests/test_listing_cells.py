"""List cells are formatted once per column and page, and rendered as <td>s without a template variable per cell:
the same text and escaping as the template loop `{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}`."""

from __future__ import annotations

import datetime

from django.template import engines
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_create
from openfunnel.web.listing import Column, ListPage

TEMPLATE = engines["django"].from_string(
    "{% for row in page.rows %}{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}|{% endfor %}")


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)

    def get_kind_display(self):
        return f"kind {self.kind}"

    def get_absolute_url(self):
        return f"/rows/{self.pk}/?a=1&b=<2>"


def test_cells_match_the_template_loop(personas):
    customer_create(actor=personas.alice, name='Acme <b>"&', region="上海", status=Customer.Status.DEAL)
    customer_create(actor=personas.alice, name="Bravo", phone="")
    columns = [
        Column("name", "Name", link=True), Column("status", "Status"), Column("owner__name", "Owner"),
        Column("phone", "Phone"), Column("created_at", "Created"), Column("region", "Region"),
        Column("html", "Html", render=lambda c: format_html("<i>{}</i>", c.name)),
        Column("raw", "Raw", render=lambda c: "<script>"), Column("number", "Number", render=lambda c: 1234.5),
    ]
    request = RequestFactory().get("/customers/")
    request.user = personas.alice
    request.session = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            page = ListPage(request, Customer.objects.all(), columns=columns, key="t", default_sort="name")
            expected = TEMPLATE.render({"page": page})
            assert "|".join(row["tds"] for row in page.rows()) + "|" == expected
            assert "&lt;script&gt;" in expected and "<i>Acme &lt;b&gt;&quot;&amp;</i>" in expected
            statuses = {str(label) for label in Customer.Status.labels}
            assert any(f"<td>{status}</td>" in expected for status in statuses)


def test_cells_of_plain_rows(settings):
    moment = timezone.make_aware(datetime.datetime(2026, 11, 22, 23, 30), datetime.timezone.utc)
    row = Row(pk=7, kind="a", when=moment, day=datetime.date(987, 1, 2), at=datetime.time(8, 5), empty="",
              none=None, safe=mark_safe("<b>x</b>"))
    with timezone.override("Asia/Shanghai"):
        assert Column("kind", "Kind").cell(row) == "kind a"
        assert Column("when", "When").cell(row) == "2026-11-23 07:30"
        assert Column("day", "Day").cell(row) == "0987-01-02"
        assert Column("at", "At").cell(row) == ""
        assert Column("empty", "Empty").cell(row) == Column("none", "None").cell(row) == "—"
        assert Column("safe", "Safe").cell(row) == "<b>x</b>"
        assert Column("missing__x", "Missing").cell(row) == "—"
        assert Column("kind", "Kind", link=True).cell(row) == '<a href="/rows/7/?a=1&amp;b=&lt;2&gt;">kind a</a>'
