"""Reports: matplotlib charts, Jinja2 templates, WeasyPrint PDF."""

from imaging_hub.assurance.report.history_chart import auc_history_svg
from imaging_hub.assurance.report.monitor_charts import control_charts
from imaging_hub.assurance.report.render import html_to_pdf, render_html
from imaging_hub.assurance.report.validation_report import validation_html

__all__ = ["auc_history_svg", "control_charts", "html_to_pdf", "render_html", "validation_html"]
