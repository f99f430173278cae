from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("d/<slug:slug>/", views.division, name="division"),
    path("entry/<int:pk>/", views.entry, name="entry"),
]
