import districts.codes
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0004_departments_and_signoff"),
    ]

    operations = [
        # A plain ADD COLUMN, as in 0004: SQLite's way of adding a column with a default is to
        # rebuild the table, which the catalog's triggers on districts_division do not survive.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="division",
                    name="org_code",
                    field=models.CharField(
                        blank=True,
                        help_text=(
                            "本级政府（办事处）的18位统一社会信用代码或9位组织机构代码；"
                            "公开信息的索引号以它开头。"
                        ),
                        max_length=18,
                        validators=[districts.codes.validate_org_code],
                        verbose_name="组织机构代码",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE districts_division "
                    "ADD COLUMN org_code varchar(18) NOT NULL DEFAULT '';",
                    "ALTER TABLE districts_division DROP COLUMN org_code;",
                ),
            ],
        ),
    ]
