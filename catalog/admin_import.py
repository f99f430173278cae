"""Catalog workbook import in the admin, through django-import-export's upload → preview → confirm.

django-import-export's default path reads the first sheet into a flat table and saves row by row;
the standard catalog workbook has several sheets, two-row merged headers and derivation rules.
So the format here only checks that the upload is a readable workbook and hands it on whole, and
the resource runs ``import_catalog`` (streaming, all-or-nothing) and reports its outcome in the
shape the admin's preview expects.
"""

from __future__ import annotations

import tablib
from django import forms
from import_export.formats.base_formats import XLSX
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.resources import Resource
from import_export.results import Error, Result, RowResult

from districts.models import Division

from .workbook_import import NEW, UNCHANGED, import_catalog
from .workbook_read import WorkbookError, open_workbook


class StandardCatalogWorkbook(XLSX):
    """The standard catalog workbook, passed on whole to the catalog importer."""

    def get_title(self):
        return "标准目录工作簿 (xlsx)"

    def create_dataset(self, in_stream):
        book = open_workbook(bytes(in_stream))  # raises WorkbookError with a Chinese message
        book.close()
        dataset = tablib.Dataset(headers=["workbook"])
        dataset.append([bytes(in_stream)])
        return dataset


class CatalogImportForm(ImportForm):
    division = forms.ModelChoiceField(
        label="导入到区划",
        queryset=Division.objects.none(),
        help_text="工作簿中的事项将导入该区划的目录。乡镇(街道)只能导入所属区县目录中已有的事项。",
    )
    field_order = ["division", "resource", "import_file", "format"]


class CatalogConfirmImportForm(ConfirmImportForm):
    division = forms.ModelChoiceField(queryset=Division.objects.all(), widget=forms.HiddenInput)


class CatalogWorkbookResource(Resource):
    """Run ``import_catalog`` for the admin and return its report inside a Result."""

    def __init__(self, division: Division | None = None, **kwargs):
        super().__init__()
        self.division = division

    @classmethod
    def get_display_name(cls):
        return "标准目录工作簿"

    def get_user_visible_fields(self):
        return []

    def import_data(self, dataset, dry_run=False, raise_errors=False, user=None, **kwargs):
        result = Result()
        result.catalog_report = None
        result.catalog_error = ""
        try:
            report = import_catalog(
                source=dataset[0][0], division=self.division, user=user, dry_run=dry_run
            )
        except WorkbookError as error:
            result.catalog_error = error.message
            result.append_base_error(result_error(error))
            return result
        result.catalog_report = report
        for outcome in report.outcomes:
            row = RowResult()
            row.import_type = {
                NEW: RowResult.IMPORT_TYPE_NEW,
                UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
            }.get(outcome.status, RowResult.IMPORT_TYPE_UPDATE)
            if outcome.status != "error":
                result.increment_row_result_total(row)
        if report.has_errors:
            result.append_base_error(result_error(WorkbookError(report.summary())))
        return result


def result_error(error: Exception) -> Error:
    return Error(error)
