"""One self-contained HTML file: figures, tables, configuration, timings, environment, warnings.

Contract
--------
:class:`Report` is a generic builder: sections, text, tables (DataFrames or dicts), figures,
warnings, configuration and environment, in the order they are added. :meth:`Report.write`
produces one HTML file that opens offline in any browser and prints well: figures are embedded
as base64 PNG, the CSS is inline, there is no JavaScript and no external URL. It is built with
the standard library alone (string templates and :func:`html.escape`); every piece of text
given to the builder is escaped. The file is written atomically.

:func:`fit_report` assembles the standard report for a :class:`~nnfit.Fit`; the sections it
adds come from :func:`add_fit_sections`, so other reports (a linear fit, a sweep, a demo) can
reuse them, and :func:`fit_warnings` is the list of problems it reports.

Layout: ``builder`` (the page), ``fit`` (a Fit's report). Reports of other results (a linear
fit, a sweep, a demo) go in their own modules here, built on :class:`Report` and re-exported
below.

Examples
--------
>>> r = Report("My study").add_section("Results").add_table({"val_mse": 0.0123})
>>> "0.0123" in r.to_html()
True
"""

from .builder import Report, environment, format_value
from .fit import add_fit_sections, fit_report, fit_warnings

__all__ = ["Report", "fit_report", "add_fit_sections", "fit_warnings", "format_value",
           "environment"]
