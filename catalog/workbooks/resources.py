"""django-import-export resources: the catalog as rows with Chinese column names."""

from import_export import fields, resources

from .. import elements
from ..models import CatalogEntry
from .export import flat_value

ITEM_FIELDS = {
    "division_code": fields.Field(attribute="division__code", column_name="区划代码"),
    "division_name": fields.Field(attribute="division__name", column_name="区划"),
    "domain": fields.Field(attribute="item__first_level__domain__name", column_name="领域"),
    "first_level": fields.Field(attribute="item__first_level__name", column_name="一级事项"),
    "second_level": fields.Field(attribute="item__name", column_name="二级事项"),
}


class ElementField(fields.Field):
    """One element's column, its value the text the CSV export writes."""

    def __init__(self, spec: elements.Spec):
        super().__init__(column_name=spec.heading)
        self.spec = spec

    def get_value(self, obj):
        return flat_value(obj, self.spec)


class CatalogEntryResource(resources.ModelResource):
    # Declared in the class body (its namespace is a plain dict) so that django-import-export's
    # metaclass collects them like written-out attributes.
    locals().update(ITEM_FIELDS)
    locals().update({spec.name: ElementField(spec) for spec in elements.IN_FILE_ORDER})
    status = fields.Field(column_name="状态")

    class Meta:
        model = CatalogEntry
        fields = (
            *ITEM_FIELDS,
            *(spec.name for spec in elements.IN_FILE_ORDER),
            "status",
        )
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.with_elements().in_catalog_order()

    def dehydrate_status(self, entry):
        return "已删减" if entry.is_dropped else "有效"
