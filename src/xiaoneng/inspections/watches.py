"""What the sweeper does with a confirmed finding's contest window (申辩期限).

When the window passes without a contest the finding becomes final: ``final_at`` is set and
the deadline closed. A derived field only (the finding's status does not change, nothing is
decided for anyone), written in bulk and unaudited like every watch's marks; a contest after
this is refused by the service, which compares with the deadline itself.
"""

from __future__ import annotations

from datetime import datetime

from xiaoneng.supervision.watches import Watch, register

from .models import Finding


def contest_window_closed(findings: list[Finding], now: datetime) -> None:
    ids = [f.pk for f in findings if f.status == Finding.Status.CONFIRMED]
    Finding.objects.filter(pk__in=ids).update(final_at=now, deadline_open=False)


register(Watch("inspections.contest", Finding, on_due=contest_window_closed))
