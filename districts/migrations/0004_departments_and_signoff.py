"""Departments inside divisions, department memberships, a leader role and the sign-off switch.

On SQLite, Django adds a NOT NULL column by rebuilding the table, and rebuilding
districts_division breaks the catalog's triggers that name it (0003 and catalog 0005): the
column is added in place instead, on both databases.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0003_division_single_root"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="division",
                    name="signoff_required",
                    field=models.BooleanField(
                        default=False,
                        help_text="开启后，本级公开信息审核通过后先进入“待签发”，由本级签发领导签发后才发布。",
                        verbose_name="发布前须领导签发",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE districts_division ADD COLUMN signoff_required boolean NOT NULL DEFAULT false;",
                    "ALTER TABLE districts_division DROP COLUMN signoff_required;",
                ),
            ],
        ),
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("editor", "填报"),
                    ("reviewer", "审核"),
                    ("administrator", "管理"),
                    ("leader", "签发"),
                ],
                max_length=20,
                verbose_name="角色",
            ),
        ),
        migrations.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, verbose_name="部门名称")),
                (
                    "kind",
                    models.CharField(
                        choices=[("部门", "部门"), ("科室", "科室"), ("站所", "站所")],
                        default="部门",
                        max_length=10,
                        verbose_name="类型",
                    ),
                ),
                ("display_order", models.PositiveIntegerField(default=0, verbose_name="显示顺序")),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="撤并的部门停用即可：其历史事项仍指向它。",
                        verbose_name="有效",
                    ),
                ),
                (
                    "division",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="departments",
                        to="districts.division",
                        verbose_name="所属区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "部门",
                "verbose_name_plural": "部门",
                "ordering": ["division__tree_id", "division__lft", "display_order", "name"],
            },
        ),
        migrations.AddField(
            model_name="membership",
            name="department",
            field=models.ForeignKey(
                blank=True,
                help_text="留空即本级政务公开办：可见并协调本级全部事项。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="districts.department",
                verbose_name="所属部门",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("department__isnull", True),
                    ("role__in", ["editor", "reviewer"]),
                    _connector="OR",
                ),
                name="membership_department_role",
            ),
        ),
        migrations.AddConstraint(
            model_name="department",
            constraint=models.UniqueConstraint(
                fields=("division", "name"), name="department_unique_name"
            ),
        ),
    ]
