"""Organisation (C1): units as a tree, unit categories, staff, posts with A/B holders (AB岗),
absences, and the first-inquiry register (首问登记)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet

EVERYONE_SEES = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
    Role.WINDOW: Reach.SUBTREE,
    Role.SUPERVISOR: Reach.ALL,
}
OFFICE_EDITS = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL}


class UnitCategory(models.Model):
    """单位类别: the groups units are evaluated and ranked in (法检机关、政府机构、窗口单位…)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "单位类别"
        verbose_name_plural = "单位类别"

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(ScopedQuerySet):
    unit_path = "path"
    # Units are the frame everyone works in: each role sees its own subtree (the office all of
    # it, supervisors all of it because they inspect anywhere); only the office reshapes the tree.
    view_reach = EVERYONE_SEES
    edit_reach = OFFICE_EDITS

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path)

    def search(self, text: str) -> UnitQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code=text))


class Unit(models.Model):
    """单位: a node of the organisation tree — region, district, department, section or window.

    ``path`` is the materialised path of ids (``"1/7/42/"``), so "this unit and everything below"
    is one indexed ``startswith`` and the tree never needs recursive queries.
    """

    class Kind(models.TextChoices):
        REGION = "region", _("市/区域")
        DISTRICT = "district", _("区县")
        DEPARTMENT = "department", _("部门")
        SECTION = "section", _("内设科室")
        WINDOW = "window", _("服务窗口")
        CENTRE = "centre", _("政务服务中心")

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    code = models.CharField("单位代码", max_length=30, unique=True)
    kind = models.CharField("层级类型", max_length=12, choices=Kind.choices)
    category = models.ForeignKey(
        UnitCategory,
        verbose_name="单位类别",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    duty_summary = models.TextField("职责概要", blank=True)
    address = models.CharField("办公地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    is_active = models.BooleanField("在用", default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "单位"
        verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Unit]:
        ids = [int(p) for p in self.path.strip("/").split("/")[:-1] if p]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or below it."""
        return self.path.startswith(other.path)


class StaffQuerySet(ScopedQuerySet):
    view_reach = EVERYONE_SEES
    # A unit liaison keeps their own unit's roster up to date; the office keeps everyone's.
    edit_reach = {**OFFICE_EDITS, Role.LIAISON: Reach.SUBTREE}

    def search(self, text: str) -> StaffQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(title__icontains=text) | Q(staff_no=text))


class Staff(models.Model):
    """工作人员: a person working in a unit; may or may not have a login."""

    name = models.CharField("姓名", max_length=50)
    staff_no = models.CharField("工号", max_length=30, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="staff"
    )
    title = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("办公电话", max_length=40, blank=True)
    user = models.OneToOneField(
        "accounts.User",
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_active = models.BooleanField("在岗", default=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.name


class PostQuerySet(ScopedQuerySet):
    view_reach = EVERYONE_SEES
    edit_reach = {**OFFICE_EDITS, Role.LIAISON: Reach.SUBTREE}


class Post(models.Model):
    """岗位 with its A holder (A岗, the principal) and B holder (B岗, the stand-in): AB岗工作制."""

    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="posts"
    )
    name = models.CharField("岗位名称", max_length=80)
    duties = models.TextField("岗位职责", blank=True)
    a_holder = models.ForeignKey(
        Staff,
        verbose_name="A岗（主办）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="a_posts",
    )
    b_holder = models.ForeignKey(
        Staff,
        verbose_name="B岗（协办/替岗）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="b_posts",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "name"]
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        constraints = [
            models.CheckConstraint(
                condition=Q(a_holder__isnull=True)
                | Q(b_holder__isnull=True)
                | ~Q(a_holder=models.F("b_holder")),
                name="post_a_and_b_differ",
            ),
            models.UniqueConstraint(fields=["unit", "name"], name="post_name_unique_in_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.short_name or self.unit.name}·{self.name}"


class AbsenceQuerySet(ScopedQuerySet):
    unit_path = "staff__unit__path"
    view_reach = EVERYONE_SEES
    edit_reach = {**OFFICE_EDITS, Role.LIAISON: Reach.SUBTREE}

    def covering(self, day) -> AbsenceQuerySet:
        return self.filter(start_date__lte=day, end_date__gte=day)


class Absence(models.Model):
    """缺岗: a period a person is away (leave, training, business trip), inclusive dates."""

    class Reason(models.TextChoices):
        LEAVE = "leave", _("请假")
        TRIP = "trip", _("出差")
        TRAINING = "training", _("学习培训")
        MEETING = "meeting", _("外出开会")
        OTHER = "other", _("其他")

    staff = models.ForeignKey(
        Staff, verbose_name="人员", on_delete=models.CASCADE, related_name="absences"
    )
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    reason = models.CharField("事由", max_length=10, choices=Reason.choices, default=Reason.LEAVE)
    note = models.CharField("说明", max_length=200, blank=True)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "缺岗记录"
        verbose_name_plural = "缺岗记录"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="absence_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["staff", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.staff} {self.start_date}～{self.end_date} {self.get_reason_display()}"


class FirstInquiryQuerySet(ScopedQuerySet):
    view_reach = {**EVERYONE_SEES, Role.SUPERVISOR: Reach.NONE}
    # Whoever receives an inquiry records it: window staff and liaisons in their own unit.
    edit_reach = {**OFFICE_EDITS, Role.LIAISON: Reach.SUBTREE, Role.WINDOW: Reach.SUBTREE}


class FirstInquiry(models.Model):
    """首问登记: the first person asked owns the inquiry until it is answered or handed over
    to the right unit (首问负责制)."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("来访")
        PHONE = "phone", _("来电")
        ONLINE = "online", _("网上咨询")
        LETTER = "letter", _("来信")

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        ROUTED = "routed", _("已转交")
        ANSWERED = "answered", _("已答复")

    unit = models.ForeignKey(
        Unit, verbose_name="受理单位", on_delete=models.PROTECT, related_name="inquiries"
    )
    received_by = models.ForeignKey(
        Staff, verbose_name="首问责任人", on_delete=models.PROTECT, related_name="first_inquiries"
    )
    received_at = models.DateTimeField("受理时间")
    channel = models.CharField(
        "方式", max_length=10, choices=Channel.choices, default=Channel.VISIT
    )
    inquirer_name = models.CharField("咨询人", max_length=50, blank=True)
    inquirer_contact = models.CharField("联系方式", max_length=60, blank=True)
    subject = models.CharField("事由", max_length=200)
    detail = models.TextField("具体内容", blank=True)
    routed_to_unit = models.ForeignKey(
        Unit,
        verbose_name="转交单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routed_inquiries",
    )
    routed_to_staff = models.ForeignKey(
        Staff,
        verbose_name="转交人员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routed_inquiries",
    )
    routed_at = models.DateTimeField("转交时间", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answer = models.TextField("答复内容", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)

    objects = FirstInquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "首问登记"
        verbose_name_plural = "首问登记"
        indexes = [models.Index(fields=["unit", "status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d} {self.subject}"
