"""书面通报 of a complaint the handling unit left unanswered after the 催办 (12345 preset), in
the 公文 layout of ``xiaoneng.web.worddoc``. It names the unit, the complaint's number, type and
category and the dates — never the complainant, never the complaint's text."""

from __future__ import annotations

from django.utils import timezone

from xiaoneng.i18n import chinese_display, in_source_language
from xiaoneng.web.worddoc import cn_date, issuer, masthead, new_document, para, signature, to_bytes

from .models import Complaint

PREFIX = "效投催"


@in_source_language
def written_notice(complaint: Complaint) -> bytes:
    """通报 (.docx) once the sweeper recorded it (``Urge.noticed_at``)."""
    urge = complaint.urge
    assert urge.noticed_at is not None and urge.urged_at is not None  # the view's
    unit = complaint.handling_unit
    office = issuer(unit)
    noticed = timezone.localdate(urge.noticed_at)
    doc = new_document()
    masthead(
        doc,
        office,
        f"{PREFIX}〔{noticed.year}〕{complaint.pk}号",
        f"关于{unit.name if unit else '承办单位'}超期未办理效能投诉的通报",
    )
    para(doc, "各有关单位：", indent=False)
    para(
        doc,
        f"{chinese_display(complaint, 'kind')}件{complaint.number}（{complaint.category.name}）于"
        f"{cn_date(timezone.localdate(complaint.routed_at or complaint.submitted_at))}转"
        f"{unit.name if unit else '承办单位'}办理，办理期限为"
        f"{cn_date(timezone.localdate(urge.handle_due))}。该单位逾期未提交调查结论，"
        f"{cn_date(timezone.localdate(urge.urged_at))}发出催办通知后仍未办理。",
    )
    para(
        doc,
        "现予以通报。请该单位立即办理并提交调查结论，查明逾期原因，"
        "于通报之日起5个工作日内将办理情况书面报送效能办。",
    )
    signature(doc, office, noticed)
    return to_bytes(doc)


def notice_filename(complaint: Complaint) -> str:
    return f"效能投诉超期通报（{complaint.number}）.docx"
