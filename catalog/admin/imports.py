"""Catalog work in the admin that runs in a worker: workbook import (upload → preview → confirm)
and deriving catalogs, each followed on its job page.

The request only stores the upload (or records what to derive) and queues a ``CatalogJob``;
no request runs the import itself, however large the workbook (``catalog.jobs``). The job page
refreshes itself while the job runs (rows read, errors so far), then shows the preview with
per-row 新增 / 修改 / 不变 / 错误 and, when it is clean, 确认导入.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from districts.models import Division

from .. import jobs
from ..models import CatalogJob


class CatalogImportForm(forms.Form):
    division = forms.ModelChoiceField(
        label="导入到区划",
        queryset=Division.objects.none(),
        help_text="工作簿中的事项将导入该区划的目录。乡镇(街道)只能导入所属区县目录中已有的事项。",
    )
    import_file = forms.FileField(
        label="目录工作簿（.xlsx 或 .xls）",
        help_text=(
            "Excel 工作簿（.xlsx），或 Excel 97–2003 / WPS 保存的旧版工作簿（.xls）。"
            "按文件内容识别格式，扩展名不符也能读取。"
        ),
        # Only a hint to the browser's file picker: the worker reads the content, whatever the
        # file is called.
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,.xls,application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet,application/vnd.ms-excel"
            }
        ),
    )

    def __init__(self, *args, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.CATALOG_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                f"文件过大：{upload.size / 2**20:.1f} MB，超过导入上限 {limit / 2**20:.0f} MB。"
                "请按领域拆分为多个工作簿后分别导入。"
            )
        if upload.size == 0:
            raise ValidationError("文件是空的，请选择目录工作簿（.xlsx 或 .xls）。")
        return upload


class CatalogJobAdminMixin:
    """Import and derive views on the catalog entry admin, and the job pages."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="{}_{}_import".format(*info)),
            path("jobs/<int:pk>/", wrap(self.job_view), name="{}_{}_job".format(*info)),
            path(
                "jobs/<int:pk>/<str:decision>/",
                wrap(self.job_decide_view),
                name="{}_{}_job_decide".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_change_permission(request)

    def _editable_divisions(self, request):
        return self.policy.divisions_for(request.user, "change")

    def _job_url(self, job: CatalogJob) -> str:
        return reverse("admin:catalog_catalogentry_job", args=[job.pk])

    def import_view(self, request):
        """Upload a workbook; its preview is queued and followed on the job's page."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = CatalogImportForm(
            request.POST or None,
            request.FILES or None,
            divisions=self._editable_divisions(request),
        )
        if request.method == "POST" and form.is_valid():
            try:
                job = jobs.preview_start(
                    user=request.user,
                    division=form.cleaned_data["division"],
                    upload=form.cleaned_data["import_file"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, "；".join(getattr(error, "messages", None) or [str(error)]))
            else:
                return HttpResponseRedirect(self._job_url(job))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "导入标准目录工作簿",
            "form": form,
            "max_mb": settings.CATALOG_IMPORT_MAX_BYTES // 2**20,
            "recent": CatalogJob.objects.filter(
                user=request.user, kind__in=[CatalogJob.Kind.PREVIEW, CatalogJob.Kind.IMPORT]
            ).select_related("division")[:10],
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/import.html", context)

    def _own_job(self, request, pk) -> CatalogJob:
        # A job is its owner's (and superusers'): anyone else gets the 404 of a missing one.
        job = CatalogJob.objects.select_related("division", "user", "preview").filter(pk=pk).first()
        if job is None or not (request.user.is_superuser or job.user_id == request.user.pk):
            raise Http404("任务不存在或不是您发起的。")
        return job

    def job_view(self, request, pk):
        """Show a job: its progress while it runs (the page refreshes itself), then its outcome."""
        job = self._own_job(request, pk)
        confirmed = CatalogJob.objects.filter(preview=job).first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{job.get_kind_display()} · {job.division.name}",
            "job": job,
            "progress": jobs.progress_of(job) if not job.is_finished else {},
            "result": job.result,
            "confirmed": confirmed,
            "can_confirm": (
                job.kind == CatalogJob.Kind.PREVIEW
                and job.status == CatalogJob.Status.DONE
                and not job.result.get("has_errors")
                and bool(job.stored_name)
                and confirmed is None
                and job.user_id == request.user.pk
            ),
            "refresh_seconds": 2 if not job.is_finished else 0,
        }
        return TemplateResponse(request, "admin/catalog/catalogentry/job.html", context)

    def job_decide_view(self, request, pk, decision):
        """Confirm a clean preview (queue the import), or abandon it (its file goes)."""
        job = self._own_job(request, pk)
        if decision not in ("confirm", "abandon"):
            raise Http404("没有这个操作。")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            if decision == "confirm":
                created = jobs.import_confirm(preview=job, user=request.user)
                return HttpResponseRedirect(self._job_url(created))
            jobs.preview_abandon(preview=job, user=request.user)
            self.message_user(request, "已放弃该预览，工作簿已删除，未导入任何数据。")
        except (ValidationError, PermissionDenied) as error:
            text = "；".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, text, messages.ERROR)
        return HttpResponseRedirect(self._job_url(job))
