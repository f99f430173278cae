"""The help centre (帮助中心) in the staff admin: 填报说明, 审核与发布, 工作簿, 常见问题.

Four static pages under the admin site (``/admin/help/`` …), for signed-in staff only: the admin
site's ``admin_view`` sends anyone else to the sign-in page. They read ``portal.help_content``
and the settings, never the catalog or anyone's data, so every member of staff sees the same
text. Only GET and HEAD are answered.
"""

from __future__ import annotations

from dataclasses import replace

from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from . import help_content as content
from .help_content import PAGES, ElementHelp, Example, Page, Question, Topic


def _fill(text: str, facts: dict[str, str]) -> str:
    return text.format_map(facts)


def _fill_all(texts: tuple[str, ...], facts: dict[str, str]) -> tuple[str, ...]:
    return tuple(_fill(t, facts) for t in texts)


def _links(links: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(label, reverse(name)) for label, name in links]


def filled_topic(topic: Topic, facts: dict[str, str]) -> dict:
    """Return ``topic`` with the facts filled in and its links resolved, for a template."""
    return {
        "anchor": topic.anchor,
        "title": _fill(topic.title, facts),
        "paragraphs": _fill_all(topic.paragraphs, facts),
        "bullets": _fill_all(topic.bullets, facts),
        "rows": [(_fill(a, facts), _fill(b, facts)) for a, b in topic.rows],
        "links": _links(topic.links),
    }


def filled_element(help_: ElementHelp, facts: dict[str, str]) -> ElementHelp:
    def example(e: Example) -> Example:
        return replace(e, why=_fill(e.why, facts))

    return replace(
        help_,
        meaning=_fill(help_.meaning, facts),
        how=_fill_all(help_.how, facts),
        rules=_fill_all(help_.rules, facts),
        good=example(help_.good),
        bad=example(help_.bad),
        mistakes=_fill_all(help_.mistakes, facts),
    )


def filled_question(question: Question, facts: dict[str, str]) -> dict:
    return {
        "anchor": question.anchor,
        "question": _fill(question.question, facts),
        "answer": _fill_all(question.answer, facts),
        "links": _links(question.links),
    }


def _render(request, site, page: Page, template: str, **extra):
    context = {
        **site.each_context(request),
        "title": f"帮助中心 · {page.title}",
        "page": page,
        "pages": [(p, reverse(f"admin:{p.url_name}")) for p in PAGES],
        **extra,
    }
    return TemplateResponse(request, template, context)


def _page(url_name: str) -> Page:
    return next(p for p in PAGES if p.url_name == url_name)


def help_urls(site) -> list:
    """Return the help centre's URL patterns for ``site`` (a PortalAdminSite)."""

    @require_safe
    def index(request):
        facts = content.facts()
        return _render(
            request,
            site,
            _page("help_index"),
            "admin/help/index.html",
            general=filled_topic(content.GENERAL, facts),
            elements=[filled_element(h, facts) for h in content.ELEMENT_HELP.values()],
        )

    def topics(url_name: str, source: tuple[Topic, ...]):
        @require_safe
        def view(request):
            facts = content.facts()
            return _render(
                request,
                site,
                _page(url_name),
                "admin/help/topics.html",
                topics=[filled_topic(t, facts) for t in source],
            )

        return view

    @require_safe
    def faq(request):
        facts = content.facts()
        return _render(
            request,
            site,
            _page("help_faq"),
            "admin/help/faq.html",
            questions=[filled_question(q, facts) for q in content.FAQ],
        )

    return [
        path("help/", site.admin_view(index), name="help_index"),
        path(
            "help/review/",
            site.admin_view(topics("help_review", content.REVIEW)),
            name="help_review",
        ),
        path(
            "help/workbooks/",
            site.admin_view(topics("help_workbooks", content.WORKBOOKS)),
            name="help_workbooks",
        ),
        path("help/faq/", site.admin_view(faq), name="help_faq"),
    ]
