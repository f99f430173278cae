"""The applicant's pages, under each division's 依申请公开 page (/d/<slug>/xxgk/ysqgk/)."""

from django.urls import path

from . import views

app_name = "foi"

urlpatterns = [
    path("shenqing/", views.apply_form, name="apply"),
    path("chaxun/", views.status, name="status"),
    path("chaxun/jieguo/", views.status_result, name="status_result"),
    path("chaxun/wenshu/<int:pk>/", views.letter_download, name="letter"),
    path("mulu/", views.register, name="register"),
]
