"""The administrative tree (city → county-level → township) and staff membership in it.

django-mptt stores the tree; every tree question is answered by a method here so that the rest
of the project never imports mptt and the library stays replaceable.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey

from .banners import validate_banner
from .codes import validate_org_code


class DivisionQuerySet(models.QuerySet):
    def within(self, division: Division) -> DivisionQuerySet:
        """Return the divisions in the subtree of ``division``, itself included."""
        return self.filter(within_q(division))

    def within_any(self, divisions) -> DivisionQuerySet:
        """Return the divisions in the subtree of any of ``divisions``."""
        q = Q(pk__in=[])
        for division in divisions:
            q |= within_q(division)
        return self.filter(q)

    def counties(self) -> DivisionQuerySet:
        return self.filter(level=Division.Level.COUNTY)

    def townships(self) -> DivisionQuerySet:
        return self.filter(level=Division.Level.TOWNSHIP)

    def in_tree_order(self) -> DivisionQuerySet:
        return self.order_by("tree_id", "lft")


class DivisionManager(TreeManager.from_queryset(DivisionQuerySet)):
    def root(self) -> Division | None:
        """Return the city at the top of the tree, or None before reference data is loaded."""
        return self.filter(parent__isnull=True).order_by("tree_id").first()


def within_q(division: Division, prefix: str = "") -> Q:
    """Return a Q matching divisions in ``division``'s subtree; ``prefix`` reaches a related one.

    The nested-set bounds make this one indexed range test instead of a recursive query.
    """
    return Q(
        **{
            f"{prefix}tree_id": division.tree_id,
            f"{prefix}lft__gte": division.lft,
            f"{prefix}rght__lte": division.rght,
        }
    )


class Division(MPTTModel):
    class Level(models.TextChoices):
        CITY = "city", _("市")
        COUNTY = "county", _("区县(市)")
        TOWNSHIP = "township", _("乡镇(街道)")

    #: The level a child takes under a parent of each level; a township has no children.
    CHILD_LEVEL = {Level.CITY: Level.COUNTY, Level.COUNTY: Level.TOWNSHIP}

    class Kind(models.TextChoices):
        PREFECTURE_CITY = "地级市", _("地级市")
        DISTRICT = "区", _("区")
        COUNTY = "县", _("县")
        COUNTY_CITY = "县级市", _("县级市")
        STREET = "街道", _("街道")
        TOWN = "镇", _("镇")
        TOWNSHIP = "乡", _("乡")

    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(
                r"^\d{6}(\d{3})?$", _("区划代码应为6位(区县及以上)或9位(乡镇街道)数字。")
            )
        ],
        help_text=_("GB/T 2260 六位代码；乡镇(街道)为九位。"),
    )
    name = models.CharField(_("名称"), max_length=50)
    parent = TreeForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    slug = models.SlugField(_("网址标识"), max_length=60, unique=True)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)
    nbs_code = models.CharField(_("统计用区划代码"), max_length=12, blank=True)
    banner = models.FileField(
        _("专栏横幅"),
        upload_to="division-banners/%Y/",
        max_length=200,
        blank=True,
        validators=[validate_banner],
        help_text=_("显示在本级专栏顶部；JPEG、PNG或WebP，不超过2 MB，建议宽1200、高240像素。"),
    )
    banner_alt = models.CharField(
        _("横幅替代文字"),
        max_length=200,
        blank=True,
        help_text=_("读屏软件朗读的文字，说明图片内容，如“浏阳河畔的芙蓉区街景”。"),
    )
    org_code = models.CharField(
        _("组织机构代码"),
        max_length=18,
        blank=True,
        validators=[validate_org_code],
        help_text=_(
            "本级政府（办事处）的18位统一社会信用代码或9位组织机构代码；公开信息的索引号以它开头。"
        ),
    )
    signoff_required = models.BooleanField(
        _("发布前须领导签发"),
        default=False,
        help_text=_("开启后，本级公开信息审核通过后先进入“待签发”，由本级签发领导签发后才发布。"),
    )

    objects = DivisionManager()

    class MPTTMeta:
        # Our own `level` field names the administrative level; mptt's depth gets another name.
        level_attr = "depth"
        order_insertion_by = ["display_order", "code"]

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            # The kind must fit the level: a township is never a 区, a county never a 镇.
            models.CheckConstraint(
                condition=~Q(level="township") | Q(kind__in=["街道", "镇", "乡"]),
                name="division_township_kind",
            ),
            models.CheckConstraint(
                condition=~Q(level="county") | Q(kind__in=["区", "县", "县级市"]),
                name="division_county_kind",
            ),
            # The root is the city and only the root is: a form can never mint a second "city".
            models.CheckConstraint(
                condition=Q(parent__isnull=True, level="city")
                | (Q(parent__isnull=False) & ~Q(level="city")),
                name="division_root_is_city",
                violation_error_message=_("只有市级区划没有上级；区县和乡镇(街道)必须有上级区划。"),
            ),
            # Exactly one tree: at most one division without a parent (all roots are "city").
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(parent__isnull=True),
                name="division_single_root",
                violation_error_message=_("平台只能有一个市级区划（树的根）。"),
            ),
            # A banner is an image that screen-reader users must hear described (WCAG 1.1.1).
            models.CheckConstraint(
                condition=Q(banner="") | ~Q(banner_alt=""),
                name="division_banner_alt",
                violation_error_message=_("上传横幅时请填写替代文字。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:division", kwargs={"slug": self.slug})

    @property
    def banner_url(self) -> str:
        """Return where the public reads the banner ("" without one); a new file, a new URL."""
        if not self.banner:
            return ""
        version = hashlib.sha256(self.banner.name.encode()).hexdigest()[:10]
        return f"{reverse('portal:division_banner', kwargs={'slug': self.slug})}?v={version}"

    # Tree questions. Callers use these, never mptt's API directly.
    def is_within(self, other: Division) -> bool:
        """Return True when this division is ``other`` or lies below it."""
        return self.tree_id == other.tree_id and other.lft <= self.lft and self.rght <= other.rght

    def ancestors(self, include_self: bool = False) -> DivisionQuerySet:
        """Return the divisions above this one, city first."""
        return self.get_ancestors(include_self=include_self)

    def descendants(self, include_self: bool = False) -> DivisionQuerySet:
        """Return every division below this one, in tree order."""
        return self.get_descendants(include_self=include_self)

    def children_in_order(self) -> DivisionQuerySet:
        return self.get_children().order_by("display_order", "code")

    @property
    def is_root(self) -> bool:
        """Return True for the city at the top of the tree (the database allows one)."""
        return self.parent_id is None

    @property
    def is_city(self) -> bool:
        return self.level == self.Level.CITY

    @property
    def is_county(self) -> bool:
        return self.level == self.Level.COUNTY

    @property
    def is_township(self) -> bool:
        return self.level == self.Level.TOWNSHIP

    @property
    def depth_indent(self) -> range:
        return range(self.depth or 0)


class Role(models.TextChoices):
    EDITOR = "editor", _("填报")
    REVIEWER = "reviewer", _("审核")
    ADMINISTRATOR = "administrator", _("管理")
    #: The leader who signs off (签发) what the office approved, where the division asks for it.
    LEADER = "leader", _("签发")


class Department(models.Model):
    """A department inside a division (区民政局, 城管执法大队, 街道社会事务办): it owns items.

    Staff may belong to one; its editors then see and edit only what it owns, while the
    division's disclosure office (staff without a department) coordinates everything.
    """

    class Kind(models.TextChoices):
        BUREAU = "部门", _("部门")
        SECTION = "科室", _("科室")
        STATION = "站所", _("站所")

    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("部门名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.BUREAU)
    display_order = models.PositiveIntegerField(_("显示顺序"), default=0)
    is_active = models.BooleanField(
        _("有效"), default=True, help_text=_("撤并的部门停用即可：其历史事项仍指向它。")
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["division__tree_id", "division__lft", "display_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> MembershipQuerySet:
        return self.filter(user=user, is_active=True).select_related("division", "department")

    def within(self, division: Division) -> MembershipQuerySet:
        return self.filter(within_q(division, prefix="division__"))


class Membership(models.Model):
    """A staff user's role in one division; it covers every division below that one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    division = models.ForeignKey(
        Division, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("留空即本级政务公开办：可见并协调本级全部事项。"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员角色")
        verbose_name_plural = _("人员角色")
        constraints = [
            # One row per user, division and role: granting twice must not double-count.
            models.UniqueConstraint(
                fields=["user", "division", "role"], name="membership_unique_role"
            ),
            # Departments hold editors and reviewers; administering the division and signing
            # off its releases are the office's and the leader's, never a department's.
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(role__in=["editor", "reviewer"]),
                name="membership_department_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.division} · {self.get_role_display()}"
