"""The public site's basic pages: division, entry, guide, publication, attachment, health."""

from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from catalog.models import CatalogEntry
from catalog.selectors import division_catalog
from districts.models import Division
from districts.permissions import scope_q_for
from guides.models import Guide
from publications.models import Attachment, Publication
from publications.sanitise import clean_html


def division(request, slug):
    division = get_object_or_404(Division, slug=slug)
    return render(
        request,
        "portal/division_detail.html",
        {
            "division": division,
            "ancestors": division.ancestors(),
            "children": division.children_in_order(),
            "groups": division_catalog(division),
        },
    )


def entry(request, pk):
    entry = get_object_or_404(
        CatalogEntry.objects.public().with_item().select_related("guide_link__guide"), pk=pk
    )
    publications = entry.publications.published().order_by("-published_at", "-id")[:100]
    # 我要看 / 我要办 follow what the public reads: the published 事项类型.
    is_service = entry.published.item_type == CatalogEntry.ItemType.SERVICE
    link = getattr(entry, "guide_link", None)
    return render(
        request,
        "portal/entry_detail.html",
        {
            "entry": entry,
            "publications": publications,
            "is_service": is_service,
            "guide": link.guide if is_service and link is not None else None,
        },
    )


def guide(request, unify_id):
    """Show a service guide as synced (我要看), where to apply (我要办) and its catalog entries.

    A withdrawn guide still answers, saying so, so that old links explain what happened.
    """
    item = get_object_or_404(Guide.objects.select_related("division"), unify_id=unify_id)
    entries = (
        CatalogEntry.objects.public()
        .filter(guide_link__guide=item)
        .select_related("division", "item")
        .order_by("division__code", "item__name", "pk")
    )
    return render(
        request,
        "portal/guide_detail.html",
        {
            "guide": item,
            "withdrawn": item.status == Guide.Status.WITHDRAWN,
            "entries": entries,
        },
    )


def publication(request, pk):
    """Show a published publication; an older revision leads to the one that replaced it."""
    item = get_object_or_404(
        Publication.objects.select_related(
            "division", "entry__item__first_level__domain", "replaced_by"
        ).prefetch_related("attachments"),
        pk=pk,
        status__in=[Publication.Status.PUBLISHED, Publication.Status.SUPERSEDED],
    )
    if item.status == Publication.Status.SUPERSEDED:
        current = item
        while current.status == Publication.Status.SUPERSEDED and hasattr(current, "replaced_by"):
            current = current.replaced_by
        if current.status == Publication.Status.PUBLISHED:
            return redirect(current, permanent=False)
        raise Http404("该信息已不再公开。")
    return render(
        request,
        "portal/publication_detail.html",
        {"publication": item, "body": clean_html(item.body)},
    )


def attachment(request, pk):
    """Send an attachment: to anyone if its publication is public, else to staff in scope."""
    item = get_object_or_404(Attachment.objects.select_related("publication"), pk=pk)
    public = item.publication.status == Publication.Status.PUBLISHED
    if not public:
        user = request.user
        visible = (
            Publication.objects.filter(
                scope_q_for(
                    user,
                    "publications.view_publication",
                    "publications.change_publication",
                    prefix="division__",
                ),
                pk=item.publication_id,
            ).exists()
            if user.is_authenticated and user.is_staff
            else False
        )
        if not visible:
            raise Http404("附件不存在或未公开。")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("附件文件已不存在。") from error
    response = FileResponse(handle, as_attachment=True, filename=item.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def healthz(request):
    """Answer 200 when the database answers (used by the container health check)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if request.GET.get("format") == "json":
        return JsonResponse({"status": "ok"})
    return HttpResponse("ok", content_type="text/plain")
