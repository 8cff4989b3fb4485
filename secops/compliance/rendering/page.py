"""HTML and PDF of a report: a Jinja2 template laid out by WeasyPrint on Pango.

Fonts come from the system through fontconfig (Debian's ``fonts-farsiweb`` for
Persian, DejaVu for Latin); nothing is fetched: WeasyPrint is given a URL
fetcher that refuses every URL, so a template can never reach the network.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, NoReturn

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from secops.compliance.rendering.formats import Lang, number
from secops.compliance.rendering.view import View, build_view
from secops.compliance.report_model import ReportDocument
from secops.errors import InvalidInputError


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("secops.compliance.rendering", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> Markup:
    # The package's own stylesheet, inlined so the HTML stands alone; not user input.
    path = resources.files("secops.compliance.rendering") / "templates" / "report.css"
    return Markup(path.read_text(encoding="utf-8"))  # noqa: S704


def html_of(view: View) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        v=view,
        css=_css(),
        counter_style=", persian" if view.lang == "fa" else "",
        _=view.cat.gettext,
        num=lambda x: number(x, view.lang),
    )


def render_html(doc: ReportDocument, lang: Lang) -> str:
    return html_of(build_view(doc, lang))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise InvalidInputError("a report rendering fetches nothing", where=url)


def _fetcher() -> Any:
    """A URL fetcher that refuses every URL; WeasyPrint then leaves the resource out.

    Recent WeasyPrint (70) takes a ``URLFetcher`` object (a plain function that raises makes it
    fail with ``AttributeError``); earlier versions take a function.
    """
    from weasyprint import urls

    if not hasattr(urls, "URLFetcher"):
        return _no_fetch

    class _Refusing(urls.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            _no_fetch(url)

    return _Refusing()


def render_pdf(html: str) -> bytes:
    import weasyprint  # a second to import: loaded by the first rendering, not by every CLI call

    pdf = weasyprint.HTML(string=html, url_fetcher=_fetcher()).write_pdf()
    assert pdf is not None  # write_pdf without a target returns the bytes
    return pdf
