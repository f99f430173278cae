"""The public site's pages (the full portal comes with its own issue; these are the basics)."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import CatalogEntry, Domain
from catalog.selectors import division_catalog
from districts.models import Division


def home(request):
    city = Division.objects.root()
    counties = list(city.children_in_order()) if city else []
    counts = CatalogEntry.objects.active().counts_by_division() if city else {}
    return render(
        request,
        "portal/home.html",
        {
            "city": city,
            "counties": [(c, counts.get(c.pk, 0)) for c in counties],
            "domains": Domain.objects.all(),
        },
    )


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
    entry = get_object_or_404(CatalogEntry.objects.active().with_elements(), pk=pk)
    return render(request, "portal/entry_detail.html", {"entry": entry})


def healthz(request):
    """Answer 200 when the database answers (used by the container health check)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if request.GET.get("format") == "json":
        return JsonResponse({"status": "ok"})
    return HttpResponse("ok", content_type="text/plain")
