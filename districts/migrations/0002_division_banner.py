import districts.banners
from django.db import migrations, models


def legacy_rename(on: bool):
    """On SQLite, let the table rebuild rename without re-parsing other tables' triggers.

    Adding a NOT NULL column or a CHECK makes SQLite rebuild ``districts_division`` (copy, drop,
    rename). Triggers of other apps that read this table by name (the catalog's derivation
    triggers) would be re-parsed while it is briefly missing and fail the rename; with the
    legacy rename they are left as they are and name the rebuilt table again afterwards.
    """

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"PRAGMA legacy_alter_table = {'ON' if on else 'OFF'}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(legacy_rename(True), legacy_rename(False)),
        migrations.AddField(
            model_name="division",
            name="banner",
            field=models.FileField(
                blank=True,
                help_text="显示在本级专栏顶部；JPEG、PNG或WebP，不超过2 MB，建议宽1200、高240像素。",
                max_length=200,
                upload_to="division-banners/%Y/",
                validators=[districts.banners.validate_banner],
                verbose_name="专栏横幅",
            ),
        ),
        migrations.AddField(
            model_name="division",
            name="banner_alt",
            field=models.CharField(
                blank=True,
                help_text="读屏软件朗读的文字，说明图片内容，如“浏阳河畔的芙蓉区街景”。",
                max_length=200,
                verbose_name="横幅替代文字",
            ),
        ),
        migrations.AddConstraint(
            model_name="division",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("banner", ""), models.Q(("banner_alt", ""), _negated=True), _connector="OR"
                ),
                name="division_banner_alt",
                violation_error_message="上传横幅时请填写替代文字。",
            ),
        ),
        migrations.RunPython(legacy_rename(False), legacy_rename(True)),
    ]
