"""robots.txt: crawl the public site, not the endless search-result pages.

The staff admin is not named: a Disallow line would tell everyone its path (ADMIN_URL); its
pages carry ``noindex`` themselves and links to it are ``rel="nofollow"``.

Attachments (/attachment/) stay crawlable on purpose: they are the disclosed documents
themselves (a policy's PDF, a budget's spreadsheet), and being found by a search engine is the
point of publishing them; unpublished ones answer 404 to anyone but staff anyway.
"""

from django.shortcuts import render
from django.urls import reverse

from portal.sitemaps import absolute_url


def robots_txt(request):
    return render(
        request,
        "robots.txt",
        {"sitemap_url": absolute_url(reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )
