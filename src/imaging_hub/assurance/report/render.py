"""Render reports from the package's Jinja2 templates to HTML, and HTML to PDF with WeasyPrint."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from imaging_hub.assurance.estimate import described


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("imaging_hub.assurance", "report/templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "-" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v, digits=3: "-" if v is None else f"{v:.{digits}f}"
    env.filters["ci"] = described
    return env


def render_html(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, needed only when a PDF is asked for

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
