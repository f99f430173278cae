from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = settings.SITE_NAME + " · 管理后台"
admin.site.site_title = "政务公开管理后台"
admin.site.index_title = "工作台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("portal.site_urls")),
]
