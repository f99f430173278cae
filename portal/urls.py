from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal.login_security import LoginForm
from portal.sitemaps import sitemap_index, sitemap_section
from portal.views.citymap import citymap_css
from portal.views.robots import robots_txt

admin.site.site_header = settings.SITE_NAME + " · 管理后台"
admin.site.site_title = "政务公开管理后台"
admin.site.index_title = "工作台"
# A failed sign-in says how many tries are left before the account or address is locked.
admin.site.login_form = LoginForm

urlpatterns = [
    # The staff admin's path comes from the environment (ADMIN_URL); links to it use reverse().
    path(settings.ADMIN_URL, admin.site.urls),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap_section"),
    path("citymap.css", citymap_css, name="citymap_css"),
    path("d/<slug:slug>/xxgk/ysqgk/", include("foi.urls")),
    path("", include("portal.site_urls")),
]
