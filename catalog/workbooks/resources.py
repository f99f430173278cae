"""django-import-export resources: the catalog as rows with Chinese column names."""

from import_export import fields, resources

from ..models import CatalogEntry


class CatalogEntryResource(resources.ModelResource):
    division_code = fields.Field(attribute="division__code", column_name="区划代码")
    division_name = fields.Field(attribute="division__name", column_name="区划")
    domain = fields.Field(attribute="item__first_level__domain__name", column_name="领域")
    first_level = fields.Field(attribute="item__first_level__name", column_name="一级事项")
    second_level = fields.Field(attribute="item__name", column_name="二级事项")
    item_type = fields.Field(column_name="事项类型")
    service_name = fields.Field(attribute="service_name", column_name="对应本级政务服务事项名称")
    content = fields.Field(attribute="content", column_name="公开内容(要素)")
    content_title = fields.Field(attribute="content_title", column_name="公开内容标题")
    upload_form = fields.Field(attribute="upload_form", column_name="公开内容上传形式")
    basis = fields.Field(attribute="basis", column_name="公开依据")
    time_limit = fields.Field(attribute="time_limit", column_name="公开时限")
    subject = fields.Field(attribute="subject", column_name="公开主体")
    channels = fields.Field(column_name="公开渠道和载体")
    audience = fields.Field(column_name="公开对象")
    mode = fields.Field(column_name="公开方式")
    levels = fields.Field(column_name="公开层级")
    remarks = fields.Field(attribute="remarks", column_name="备注")
    status = fields.Field(column_name="状态")

    class Meta:
        model = CatalogEntry
        fields = (
            "division_code",
            "division_name",
            "domain",
            "first_level",
            "second_level",
            "item_type",
            "service_name",
            "content",
            "content_title",
            "upload_form",
            "basis",
            "time_limit",
            "subject",
            "channels",
            "audience",
            "mode",
            "levels",
            "remarks",
            "status",
        )
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.with_elements().in_catalog_order()

    def dehydrate_item_type(self, entry):
        return entry.get_item_type_display()

    def dehydrate_channels(self, entry):
        return "、".join(c.name for c in entry.channels.all())

    def dehydrate_audience(self, entry):
        return "、".join(entry.audience_labels())

    def dehydrate_mode(self, entry):
        return "、".join(entry.mode_labels())

    def dehydrate_levels(self, entry):
        return "；".join(
            f"{lvl['level']}：{'、'.join(lvl.get('channels', []))}" for lvl in entry.levels
        )

    def dehydrate_status(self, entry):
        return "已删减" if entry.is_dropped else "有效"
