"""The public site's basic pages: guide, attachment, health."""

from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import CatalogEntry
from guides.models import Guide
from publications.models import Attachment, Publication
from publications.policies import attachments as attachment_policy

from .columns import chain, column_id


def guide(request, unify_id):
    """Show a service guide as synced (我要看), where to apply (我要办) and its catalog entries.

    A withdrawn guide still answers, saying so, so that old links explain what happened.
    """
    item = get_object_or_404(
        Guide.objects.select_related("division__parent__parent"), unify_id=unify_id
    )
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
            "ancestors": chain(item.division) if item.division else [],
            "nav_column_id": column_id(item.division) if item.division else None,
            # The header searches the division the page belongs to (base.html).
            "division": item.division,
            "withdrawn": item.status == Guide.Status.WITHDRAWN,
            "entries": entries,
        },
    )


def attachment(request, pk):
    """Send an attachment: to anyone if its publication is public, else to staff in scope."""
    item = get_object_or_404(Attachment.objects.select_related("publication"), pk=pk)
    public = (
        item.publication.status == Publication.Status.PUBLISHED
        and item.publication.disclosure == Publication.Disclosure.ACTIVE
    )
    if not public:
        user = request.user
        visible = (
            attachment_policy.instances_for(user, "view", "change").filter(pk=item.pk).exists()
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


def site_map(request):
    """Show the human site map (网站地图): every column, its 政府信息公开 entrances and the
    site-wide pages. Two queries: the division tree and the domains."""
    from catalog.models import Domain
    from districts.models import Division

    rows = list(
        Division.objects.only("id", "name", "slug", "parent_id", "level", "depth", "code").order_by(
            "tree_id", "lft"
        )
    )
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    city = next(iter(children.get(None, [])), None)
    counties = [
        (county, children.get(county.pk, []))
        for county in children.get(getattr(city, "pk", -1), [])
    ]
    return render(
        request,
        "portal/site_map.html",
        {
            "city": city,
            "counties": counties,
            "domains": list(Domain.objects.order_by("display_order", "name")),
        },
    )


def accessibility(request):
    """Show the accessibility statement (无障碍声明): what the site does for older and disabled
    readers, what is known not to work, and whom to tell."""
    return render(request, "portal/accessibility.html")
