"""效能投诉 (efficiency complaints, C4): complaints, their timeline, attachments and rules.

A complaint moves submitted → (declined | handling → review → approved → replied → closed),
with one reopen back to handling. While handling, the unit may object to the routing (退单, a
``Dispute``) and the office re-routes (改派) or insists (维持原派); a repeat of another open
complaint may be merged into it (并单: status merged, answered with the main complaint). Each
stage has its own deadline in the shared ``DeadlineFields``; the sweeper warns and escalates
(督办) through ``watches.py``.
The complainant's identity is stored only as a Fernet token (``crypto.py``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaoneng.accounts.roles import Reach, Role
from xiaoneng.accounts.scoping import ScopedQuerySet
from xiaoneng.supervision.models import DeadlineFields
from xiaoneng.workdays import CountRule

# The office sees and handles everything; a unit sees only what was routed to its subtree
# (分级负责、归口管理); leaders read their subtree. Supervisors file but do not browse.
COMPLAINT_VIEW = {
    Role.ADMIN: Reach.ALL,
    Role.OFFICE: Reach.ALL,
    Role.LEADER: Reach.SUBTREE,
    Role.LIAISON: Reach.SUBTREE,
}
COMPLAINT_EDIT = {Role.ADMIN: Reach.ALL, Role.OFFICE: Reach.ALL, Role.LIAISON: Reach.SUBTREE}
OFFICE_ROLES = (Role.ADMIN, Role.OFFICE)


class Category(models.Model):
    """投诉类别: the seeds' four bans (四条禁令) and the usual other kinds; the office edits it."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "投诉类别"
        verbose_name_plural = "投诉类别"

    def __str__(self) -> str:
        return self.name


class ComplaintRules(models.Model):
    """投诉办理时限 (working days); one row, missing means the defaults."""

    accept_days = models.PositiveSmallIntegerField("受理时限", default=1)
    handle_days = models.PositiveSmallIntegerField("承办单位办理时限", default=15)
    handle_warn_days = models.PositiveSmallIntegerField("办理预警提前量", default=3)
    review_days = models.PositiveSmallIntegerField("效能办审核时限", default=2)
    resubmit_days = models.PositiveSmallIntegerField("退回重办时限", default=5)
    reply_days = models.PositiveSmallIntegerField("答复及回访时限", default=5)
    dispute_days = models.PositiveSmallIntegerField(
        "退单时限", default=1, help_text="承办单位在转办后多少个工作日内可以退单"
    )
    dispute_review_days = models.PositiveSmallIntegerField("退单审核时限", default=1)
    count_rule = models.CharField(
        "时限计算规则",
        max_length=10,
        choices=[
            (CountRule.NEXT_DAY.value, _("次日起算")),
            (CountRule.INCLUSIVE.value, _("含本数（当日起算）")),
        ],
        default=CountRule.NEXT_DAY.value,
        help_text="次日起算：开始当日不计入；含本数：开始当日为工作日的计为第1日",
    )
    tier_preset = models.CharField(
        "分类时限及催办",
        max_length=10,
        choices=[
            ("", _("统一时限（不分诉求类型）")),
            ("hotline", _("12345分类时限：咨询求助3日、投诉建议13日")),
        ],
        default="",
        blank=True,
        help_text="12345分类时限：超期次日发催办通知，再超5个工作日书面通报",
    )

    class Meta:
        verbose_name = "投诉办理时限"
        verbose_name_plural = "投诉办理时限"

    def __str__(self) -> str:
        return "投诉办理时限"

    @classmethod
    def current(cls) -> ComplaintRules:
        return cls.objects.order_by("pk").first() or cls()


class TownshipUnit(models.Model):
    """乡镇（街道）名录: the units at the grassroots (基层). A matter routed to a department may go
    down to one of them only with the office's express confirmation (不得随意下派)."""

    unit = models.OneToOneField(
        "org.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = "乡镇（街道）"
        verbose_name_plural = "乡镇（街道）名录"

    def __str__(self) -> str:
        return self.unit.name


class ComplaintQuerySet(ScopedQuerySet):
    unit_path = "handling_unit__path"
    view_reach = COMPLAINT_VIEW
    edit_reach = COMPLAINT_EDIT


class Complaint(DeadlineFields):
    """效能投诉: one complaint, whatever the channel it came through."""

    class Channel(models.TextChoices):
        WEB = "web", _("网上投诉")
        HOTLINE = "hotline", _("热线电话")
        LETTER = "letter", _("来信")
        EMAIL = "email", _("电子邮件")
        WALKIN = "walkin", _("来访")
        SUPERVISOR = "supervisor", _("效能监督员")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        DECLINED = "declined", _("不予受理")
        HANDLING = "handling", _("承办单位办理中")
        REVIEW = "review", _("待效能办审核")
        APPROVED = "approved", _("待答复")
        REPLIED = "replied", _("已答复待回访")
        CLOSED = "closed", _("已办结")
        OBJECTED = "objected", _("退单待审核")
        MERGED = "merged", _("已并单")

    class Kind(models.TextChoices):
        """诉求类型 (as 12345 platforms sort them); the limits per type are a preset."""

        COMPLAINT = "complaint", _("投诉")
        CONSULT = "consult", _("咨询")
        HELP = "help", _("求助")
        SUGGEST = "suggest", _("建议")

    class Stage(models.TextChoices):
        """Whose clock is running: the office's (受理、审核、答复回访) or the unit's (办理)."""

        ACCEPT = "accept", _("受理")
        HANDLE = "handle", _("办理")
        REVIEW = "review", _("审核")
        REPLY = "reply", _("答复回访")
        DISPUTE = "dispute", _("退单审核")
        NONE = "", _("—")

    class Finding(models.TextChoices):
        TRUE = "true", _("属实")
        PARTLY = "partly", _("部分属实")
        FALSE = "false", _("不属实")

    class Visit(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    number = models.CharField("投诉编号", max_length=30, unique=True)
    code_digest = models.CharField("查询码摘要", max_length=64, editable=False)
    channel = models.CharField("渠道", max_length=12, choices=Channel.choices)
    caller_line = models.CharField("热线号码", max_length=20, blank=True, help_text="如12345")
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT)
    kind = models.CharField("诉求类型", max_length=10, choices=Kind.choices, default=Kind.COMPLAINT)
    title = models.CharField("标题", max_length=100)
    content = models.TextField("投诉内容")
    named_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="被投诉单位（投诉人所填）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accused_name = models.CharField("被投诉人（投诉人所填）", max_length=50, blank=True)
    accused_staff = models.ForeignKey(
        "org.Staff",
        verbose_name="被投诉人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    case_number = models.CharField("相关办件申请号", max_length=60, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    # The whole identity (name, phone, e-mail, address, caller number) as one Fernet token.
    identity_token = models.TextField("身份信息（加密）", blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    stage = models.CharField("当前环节", max_length=8, choices=Stage.choices, default="accept")
    # How the current stage's deadline was set, so it can be recomputed after a calendar import.
    stage_started_at = models.DateTimeField("环节开始", null=True, blank=True)
    stage_days = models.PositiveSmallIntegerField("环节时限（工作日）", null=True, blank=True)
    stage_warn_days = models.PositiveSmallIntegerField("环节预警（工作日）", null=True, blank=True)
    handling_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="承办单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    share_attachments = models.BooleanField("附件转交承办单位", default=False)
    submitted_at = models.DateTimeField("投诉时间", db_index=True)
    submitted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    routed_at = models.DateTimeField("转办时间", null=True, blank=True)
    decline_reason = models.TextField("不予受理理由", blank=True)
    finding = models.CharField("调查结论", max_length=8, choices=Finding.choices, blank=True)
    finding_text = models.TextField("调查情况及依据", blank=True)
    finding_at = models.DateTimeField("结论提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    visit_result = models.CharField("回访结果", max_length=12, choices=Visit.choices, blank=True)
    visit_note = models.TextField("回访记录", blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重新办理次数", default=0)
    escalated = models.BooleanField("督办", default=False, db_index=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    # 并单: this complaint is a repeat of ``merged_into`` and is answered with it.
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    # Filed by another system (a hotline platform) through the API: which key's system and its
    # own record id, so that a resend is recognised (幂等). The body digest is an HMAC keyed
    # like the query codes: a plain hash of a body that holds the identity could be guessed.
    external_source = models.CharField("来源系统", max_length=40, blank=True)
    external_id = models.CharField("来源系统编号", max_length=100, blank=True)
    external_digest = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta(DeadlineFields.Meta):
        ordering = ["-submitted_at"]
        verbose_name = "效能投诉"
        verbose_name_plural = "效能投诉"
        indexes = [
            *DeadlineFields.Meta.indexes,
            models.Index(fields=["handling_unit", "status"]),
            models.Index(fields=["category", "submitted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="complaint_external_id_once",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def has_identity(self) -> bool:
        return bool(self.identity_token)

    @property
    def is_overdue_now(self) -> bool:
        return self.overdue_at is not None and self.deadline_open


class ComplaintEvent(models.Model):
    """投诉办理过程: one step of the timeline — never holds the complainant's identity."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("提交投诉")
        ACCEPT = "accept", _("受理并转办")
        DECLINE = "decline", _("不予受理")
        FINDING = "finding", _("承办单位提交调查结论")
        SEND_BACK = "send_back", _("退回重办")
        APPROVE = "approve", _("审核通过")
        REPLY = "reply", _("答复投诉人")
        VISIT = "visit", _("回访")
        REOPEN = "reopen", _("重新办理")
        WARN = "warn", _("到期预警")
        ESCALATE = "escalate", _("超期督办")
        REVEAL = "reveal", _("查看投诉人身份")
        OBJECT = "object", _("退单")
        REROUTE = "reroute", _("改派")
        INSIST = "insist", _("维持原派")
        MERGE = "merge", _("并单")
        UNMERGE = "unmerge", _("撤销并单")
        URGE = "urge", _("催办通知")
        NOTICE = "notice", _("书面通报")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("办理人", max_length=150)
    note = models.TextField("说明", blank=True)
    # Reveals are shown to the office only; the unit's timeline leaves them out.
    office_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "投诉办理过程"
        verbose_name_plural = "投诉办理过程"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """投诉附件: an image or PDF under MEDIA_ROOT, served only through a checked view.

    The complainant's own file name (王小明身份证.png) may name them: it is kept only encrypted
    with the identity, the stored file has a random name, and staff see 附件1.png."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="complaints/%Y/%m/")
    # The original file name as a Fernet token (crypto.encrypt_identity); revealed like the
    # identity, by the office, with a reason, audited.
    name_token = models.TextField("原文件名（加密）", blank=True, editable=False)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "投诉附件"
        verbose_name_plural = "投诉附件"

    def __str__(self) -> str:
        return "投诉附件"

    @property
    def extension(self) -> str:
        """The stored file's extension (png, jpg, gif, pdf), checked against its bytes at upload."""
        name = self.file.name or ""
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""


class Dispute(models.Model):
    """退单: the handling unit objects to a routing, with a reason; the office decides — 改派
    to another unit or 维持原派 — and the time the dispute took shows on the complaint."""

    class Decision(models.TextChoices):
        PENDING = "", _("待审核")
        REROUTE = "reroute", _("改派")
        INSIST = "insist", _("维持原派")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="disputes")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="退单单位", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("退单理由")
    suggested_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="建议承办单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filed_at = models.DateTimeField("退单时间")
    filed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The unit's own deadline when it objected; 维持原派 gives back the days it had left.
    handle_due_before = models.DateTimeField("退单时办理期限", null=True, blank=True)
    decision = models.CharField(
        "审核结果", max_length=8, choices=Decision.choices, default="", blank=True
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField("审核意见", blank=True)
    new_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="改派单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: 改派 to a 乡镇（街道） from a department: the office confirmed it expressly.
    push_down_confirmed = models.BooleanField("确认下派乡镇（街道）", default=False)

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = "退单"
        verbose_name_plural = "退单"

    def __str__(self) -> str:
        return f"退单（{self.unit.name}）"


class Urge(DeadlineFields):
    """催办 and 书面通报 after an overdue unit step, under the 12345 preset: ``warn_at`` is the
    催办通知 (the working day after the deadline), ``due_at`` the written 通报 (5 working days
    later). One row per complaint, re-armed for each new handling deadline."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="urge")
    #: The handling deadline this escalation follows.
    handle_due = models.DateTimeField("办理期限")
    urged_at = models.DateTimeField("催办时间", null=True, blank=True)
    noticed_at = models.DateTimeField("通报时间", null=True, blank=True)

    class Meta(DeadlineFields.Meta):
        verbose_name = "催办通报"
        verbose_name_plural = "催办通报"

    def __str__(self) -> str:
        return "催办通报"
