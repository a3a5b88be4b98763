"""Demo performance assessment (绩效考评): the two years before the reference date assessed and
published from the demo's own data, the reference year in preview with its objection window open.

For each published year the office creates the period (schemes copied from the year before;
the first year takes the defaults, with seed 004's 千人评议 preset for one category), enters
目标任务 scores, a few commendations and 通报批评, and in the later year one veto finding;
previews on the second working day of the next year, a liaison objects (answered), the office
closes the window and publishes a week later — the 末位 units get their rectification tasks.
The reference year is computed and previewed now. Everything goes through
``assessment.services``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import perf_counter

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from xiaoneng.accounts.models import User
from xiaoneng.assessment import services
from xiaoneng.assessment.models import Entry, Period, Result, Scheme
from xiaoneng.notifications.models import Notification
from xiaoneng.workdays import SHANGHAI


@dataclass(frozen=True)
class AssessmentSummary:
    periods: tuple[str, ...]
    units: int
    last_places: int
    objections: int
    seconds: float


def delete_assessment() -> int:
    """Remove every period with its schemes, entries, results and objections (--reset)."""
    return Period.objects.all().delete()[0]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def _entries(rng: random.Random, office: User, period: Period, veto: bool) -> None:
    schemes = {s.category_id: s for s in period.schemes.all()}
    units = [u for s in schemes.values() for u in services.assessed_units(s.category)]
    for unit in units:
        target = round(rng.triangular(68, 99, 90), 1)
        services.enter(office, period, unit, Entry.Kind.TARGET, "", target, "年度目标责任制考核")
    for unit in rng.sample(units, k=min(3, len(units))):
        services.enter(office, period, unit, Entry.Kind.ADJUSTMENT, "commendation", 1, "受省级表彰")
    for unit in rng.sample(units, k=min(2, len(units))):
        services.enter(
            office, period, unit, Entry.Kind.ADJUSTMENT, "criticism", rng.randint(1, 2),
            "市效能办通报批评",
        )  # fmt: skip
    if veto and units:
        services.enter(
            office, period, rng.choice(units), Entry.Kind.VETO, "discipline", 1,
            "纪检监察机关查实的违纪案件",
        )  # fmt: skip


def _object(period: Period, when: datetime) -> int:
    """A liaison objects to their unit's score on the second day of the window."""
    User = get_user_model()
    liaison = User.objects.filter(username="liaison").select_related("unit").first()
    if liaison is None or liaison.unit is None:
        return 0
    result = (
        Result.objects.filter(period=period, unit__path__startswith=liaison.unit.path)
        .select_related("unit")
        .first()
    )
    if result is None:
        return 0
    services.file_objection(
        liaison,
        period,
        result.unit,
        component="办件按时办结率",
        reason="有两件超期办件系申请人补正材料期间，应暂停计时",
        evidence="办件编号见附件清单，补正告知书两份",
        now=when,
    )
    return 1


def write_assessment(seed: int, today: date) -> AssessmentSummary:
    started = perf_counter()
    rng = random.Random(f"xiaoneng-demo:{seed}:assessment")
    office = get_user_model().objects.get(username="office")
    names, objections = [], 0
    with transaction.atomic():
        for year in (today.year - 2, today.year - 1):
            period = services.create_period(office, Period.Kind.YEAR, year)
            if year == today.year - 2:
                window = period.schemes.filter(category__code="window").first()
                if window is not None:
                    services.save_scheme(
                        office,
                        window,
                        services.preset(Scheme.Preset.EVALUATION),
                        preset_name=Scheme.Preset.EVALUATION,
                    )
            _entries(rng, office, period, veto=year == today.year - 1)
            opened = _at(date(year + 1, 1, 5))
            services.open_preview(office, period, now=opened)
            objections += _object(period, opened + timedelta(days=1))
            for o in period.objections.all():
                services.decide_objection(
                    office, o, accept=False,
                    decision="经核，所列办件未办理补正暂停手续，按实际用时计算，维持原评分。",
                    now=opened + timedelta(days=3),
                )  # fmt: skip
            services.close_objections(office, period, now=opened + timedelta(days=10))
            services.publish(
                office, period, document_number=f"效考〔{year + 1}〕1号",
                now=opened + timedelta(days=12),
            )  # fmt: skip
            names.append(period.name)
        current = services.create_period(office, Period.Kind.YEAR, today.year)
        _entries(rng, office, current, veto=False)
        now = min(timezone.now(), _at(today, 9))
        services.open_preview(office, current, now=now)
        names.append(current.name)
        # As the other demo modules do: what the demo made happened before the visitor came.
        Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    return AssessmentSummary(
        periods=tuple(names),
        units=Result.objects.filter(period=current).count(),
        last_places=Result.objects.filter(last=Result.Last.LAST).count(),
        objections=objections,
        seconds=perf_counter() - started,
    )
