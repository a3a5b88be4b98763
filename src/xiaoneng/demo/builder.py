"""The demo city 示范市: a deterministic, entirely fictional organisation to try Xiaoneng on.

Two steps, kept apart on purpose:

1. :func:`plan_demo` is pure: from a seed, a size and a reference date it produces a
   :class:`DemoPlan` (plain frozen dataclasses, no database). Same inputs, same plan — which is
   what the determinism tests compare, without touching a database.
2. :func:`build_demo` writes a plan through ``xiaoneng.org.services`` with the demo ``admin`` as
   actor, so every record is validated and lands in the audit chain exactly as if someone had
   typed it in. The whole build is one transaction: it appears completely or not at all.

Randomness comes only from ``random.Random`` instances seeded from ``seed``, one per stream
(names, units, posts, absences, inquiries; see ``_rng``), each drawn in a fixed order. A new kind
of record added later should get its own stream, so that existing names and dates stay put.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from time import perf_counter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.audit.models import AuditHead
from xiaoneng.i18n import chinese
from xiaoneng.org import services as org
from xiaoneng.org.models import Absence, FirstInquiry, Post, Staff, Unit, UnitCategory

from . import data
from .accountability_data import delete_accountability
from .assessment_data import delete_assessment
from .bulletins_data import delete_bulletins
from .cases_data import delete_cases
from .catalog_data import delete_catalog, write_catalog
from .evaluation_data import delete_campaigns
from .inspections_data import delete_inspections
from .names import courtesy_name, unique_person_name
from .rectification_data import delete_rectification

DEFAULT_SEED = 2026
DEFAULT_PASSWORD = "demo2026!"
# Every account the demo creates; --reset removes exactly these.
DEMO_USERNAMES = ("admin", "office", "leader", "liaison", "liaison2", "window", "supervisor", "api")


class DemoError(Exception):
    """The demo cannot be built here; the message (Chinese) says why and what to do."""


# ---- sizes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSize:
    """How big the city is. Ranges are inclusive ``(low, high)`` for ``Random.randint``.

    Later capabilities (cases, complaints, campaigns…) add their own fields here with a default,
    so existing sizes keep working.
    """

    name: str
    departments: int
    sections_per_department: tuple[int, int]
    staff_per_section: tuple[int, int]
    deputies_per_department: tuple[int, int]
    districts: int
    windows: int
    staff_per_window: tuple[int, int]
    posts_per_section: tuple[int, int]
    # Share of posts left without a B holder on purpose, beside those in one-person sections.
    vacant_b_share: float
    absences: int
    inquiries: int
    inquiry_days: int = 60
    # Service cases over the year before the reference date (see cases_data.py).
    cases: int = 0
    # Efficiency complaints over the same year (issue 4).
    complaints: int = 0
    # Evaluators drawn per evaluation campaign (千人评议, C6); 0: no campaigns.
    evaluators: int = 0


SIZES: dict[str, DemoSize] = {
    # For tests: every kind of record, every role, still a few dozen service calls.
    "small": DemoSize(
        name="small",
        departments=8,
        sections_per_department=(2, 3),
        staff_per_section=(2, 2),
        deputies_per_department=(0, 1),
        districts=4,
        windows=4,
        staff_per_window=(2, 2),
        posts_per_section=(1, 1),
        vacant_b_share=0.1,
        absences=10,
        inquiries=30,
        cases=300,
        complaints=40,
        evaluators=60,
    ),
    # What `xiaoneng demo` builds: the 64 departments of seed 004, a full service centre.
    "default": DemoSize(
        name="default",
        departments=64,
        sections_per_department=(2, 5),
        # Two people a section (a head and a clerk) keeps the city at 550–600 staff and lets
        # every section post have its B holder; one-person sections would leave a third vacant.
        staff_per_section=(2, 2),
        deputies_per_department=(0, 1),
        districts=5,
        windows=12,
        staff_per_window=(2, 3),
        posts_per_section=(1, 2),
        vacant_b_share=0.05,
        absences=60,
        inquiries=150,
        # A year of a city's service hall: about 100,000 cases (issue 3).
        cases=100_000,
        complaints=3_000,
        # Seed 004: about 1,000 evaluators from ten strata.
        evaluators=1_000,
    ),
}


def get_size(size: DemoSize | str) -> DemoSize:
    if isinstance(size, DemoSize):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise DemoError(f"未知的规模“{size}”，可选：{'、'.join(SIZES)}") from None


# ---- the plan (pure) -------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    short_name: str
    kind: str
    parent: str | None  # parent's code
    category: str | None  # UnitCategory code
    sort_order: int
    duty_summary: str
    address: str
    phone: str


@dataclass(frozen=True)
class StaffSpec:
    staff_no: str
    name: str
    unit: str
    title: str
    phone: str


@dataclass(frozen=True)
class PostSpec:
    unit: str
    name: str
    duties: str
    a_holder: str  # staff_no
    b_holder: str | None


@dataclass(frozen=True)
class AbsenceSpec:
    staff_no: str
    start_date: date
    end_date: date
    reason: str
    note: str


@dataclass(frozen=True)
class InquirySpec:
    unit: str
    received_by: str
    received_at: datetime
    channel: str
    inquirer_name: str
    inquirer_contact: str
    subject: str
    detail: str
    status: str  # a FirstInquiry.Status value: what the build leaves it in
    route_to_unit: str | None = None
    route_to_staff: str | None = None
    routed_at: datetime | None = None
    answer: str = ""
    answered_at: datetime | None = None


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    display_name: str
    unit: str | None
    staff_no: str | None = None
    superuser: bool = False


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    size: DemoSize
    today: date
    units: tuple[UnitSpec, ...]
    staff: tuple[StaffSpec, ...]
    posts: tuple[PostSpec, ...]
    absences: tuple[AbsenceSpec, ...]
    inquiries: tuple[InquirySpec, ...]
    users: tuple[UserSpec, ...]

    def staff_names(self) -> list[str]:
        return [s.name for s in self.staff]


def _rng(seed: int, stream: str) -> random.Random:
    # One generator per stream (names, posts, absences…) so that changing how many absences a
    # size has does not reshuffle everyone's name. A string seed is hashed deterministically by
    # Random (sha512), unlike hash(), which is salted per process.
    return random.Random(f"xiaoneng-demo:{seed}:{stream}")


def _between(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randint(bounds[0], bounds[1])


def _title_by_suffix(name: str, table: tuple[tuple[str, str], ...], default: str) -> str:
    for suffix, title in table:
        if name.endswith(suffix):
            return title
    return default


def _section_core(name: str) -> str:
    """社会保险科 → 社会保险: the subject a section's duty sentence talks about."""
    for suffix in ("检察部", "支队", "车间", "办公室", "科", "庭", "部", "局", "处", "室"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _section_duty(department: str, section: str) -> str:
    core = _section_core(section)
    # Numbered sections (招商一科, 第一检察部, 民事审判第一庭) make "负责…一相关工作" read oddly.
    if core[-1] in "一二三四五六七八九十":
        return f"承担{department}{section}职责范围内的业务工作。"
    return f"负责{department}{core}相关工作。"


def _phone(rng: random.Random) -> str:
    return f"{data.AREA_CODE}-{rng.randint(6000000, 8999999)}"


def _masked_mobile(rng: random.Random) -> str:
    # Counter registers show mobiles masked; the masked form also cannot reach anyone real.
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"


class _Planner:
    """Draws one plan. Kept as a class only to share the growing lists between steps."""

    def __init__(self, seed: int, size: DemoSize, today: date) -> None:
        self.seed, self.size, self.today = seed, size, today
        self.units: list[UnitSpec] = []
        self.staff: list[StaffSpec] = []
        self.posts: list[PostSpec] = []
        self.members: dict[str, list[StaffSpec]] = defaultdict(list)  # unit code → its own staff
        self.children: dict[str, list[str]] = defaultdict(list)
        self.taken_names: set[str] = set()
        self.names_rng = _rng(seed, "names")
        self.units_rng = _rng(seed, "units")
        self.posts_rng = _rng(seed, "posts")
        self.departments = data.DEPARTMENTS[: size.departments]

    # -- units and people --

    def unit(self, **kwargs) -> UnitSpec:
        siblings = self.children[kwargs["parent"]] if kwargs.get("parent") else []
        spec = UnitSpec(sort_order=len(siblings) + 1, **kwargs)
        if spec.parent:
            self.children[spec.parent].append(spec.code)
        self.units.append(spec)
        return spec

    def person(self, unit: str, title: str) -> StaffSpec:
        spec = StaffSpec(
            staff_no=f"{data.CITY_CODE}{len(self.staff) + 1:05d}",
            name=unique_person_name(self.names_rng, self.taken_names),
            unit=unit,
            title=title,
            phone=_phone(self.names_rng),
        )
        self.staff.append(spec)
        self.members[unit].append(spec)
        return spec

    def post(self, unit: str, name: str, duties: str, people: list[StaffSpec]) -> None:
        """A post held by two different people of ``people``; a lone person holds it alone."""
        if len(people) >= 2:
            a, b = self.posts_rng.sample(people, 2)
            b_no: str | None = b.staff_no
        else:
            a, b_no = people[0], None
        self.posts.append(PostSpec(unit, name, duties, a.staff_no, b_no))

    def vacate_some_b_holders(self) -> None:
        # An exact share rather than a coin per post: a small city must not end up with a third
        # of its posts uncovered by bad luck, and the count should not jump between seeds.
        covered = [i for i, p in enumerate(self.posts) if p.b_holder]
        count = round(len(covered) * self.size.vacant_b_share)
        for index in self.posts_rng.sample(covered, count):
            self.posts[index] = replace(self.posts[index], b_holder=None)

    def subtree_staff(self, code: str) -> list[StaffSpec]:
        found = list(self.members[code])
        for child in self.children[code]:
            found.extend(self.subtree_staff(child))
        return found

    def build_tree(self) -> None:
        rng = self.units_rng
        city = data.CITY_CODE
        self.unit(
            code=city,
            name=data.CITY_NAME,
            short_name="示范",
            kind=Unit.Kind.REGION,
            parent=None,
            category=None,
            duty_summary="虚构的演示城市，用于体验机关效能建设各项功能；其中单位、人员和数据均为随机生成。",
            address=f"{data.CIVIC_CENTRE}1号楼",
            phone=_phone(rng),
        )
        # The leader account belongs to the city itself (a vice-mayor in charge of efficiency).
        self.person(city, "副市长（分管机关效能建设）")

        code, name, short, duty = data.OFFICE
        office = self.unit(
            code=f"{city}-{code}",
            name=name,
            short_name=short,
            kind=Unit.Kind.DEPARTMENT,
            parent=city,
            category="party",
            duty_summary=duty,
            address=f"{data.CIVIC_CENTRE}2号楼",
            phone=_phone(rng),
        )
        office_staff = [self.person(office.code, "主任"), self.person(office.code, "副主任")]
        office_staff += [self.person(office.code, "科员") for _ in range(rng.randint(2, 3))]
        for post_name in data.OFFICE_POSTS:
            self.post(office.code, post_name, f"负责全市{post_name[:-1]}工作。", office_staff)

        for code, name, short, duty in data.DISTRICTS[: self.size.districts]:
            self.unit(
                code=f"{city}-{code}",
                name=name,
                short_name=short,
                kind=Unit.Kind.DISTRICT,
                parent=city,
                category=None,
                duty_summary=duty,
                address=f"示范市{name}{rng.choice(data.ROADS)}{rng.randint(1, 300)}号",
                phone=_phone(rng),
            )

        self.build_centre()
        for department in self.departments:
            self.build_department(department)
        self.vacate_some_b_holders()

    def build_centre(self) -> None:
        rng = self.units_rng
        code, name, short = data.CENTRE
        address = f"示范市东湖区市府大道{rng.randint(100, 299)}号市民中心"
        centre = self.unit(
            code=f"{data.CITY_CODE}-{code}",
            name=name,
            short_name=short,
            kind=Unit.Kind.CENTRE,
            parent=data.CITY_CODE,
            category="window",
            duty_summary=data.CENTRE_DUTY,
            address=address,
            phone=_phone(rng),
        )
        heads = [self.person(centre.code, "主任"), self.person(centre.code, "副主任")]
        for post_name in data.CENTRE_POSTS:
            self.post(centre.code, post_name, f"负责政务服务中心{post_name[:-1]}工作。", heads)
        for index, window_name in enumerate(data.WINDOWS[: self.size.windows], start=1):
            business = window_name.removesuffix("窗口").split("窗口")[0]
            window = self.unit(
                code=f"{centre.code}-{index:02d}",
                name=window_name,
                short_name=window_name,
                # Windows are ranked through their centre, not on their own (see category note
                # in build_department).
                kind=Unit.Kind.WINDOW,
                parent=centre.code,
                category=None,
                duty_summary=f"设在市政务服务中心，负责{business}业务的咨询、受理和出件。",
                address=f"{address}一楼{index}号窗口",
                phone=_phone(rng),
            )
            people = [self.person(window.code, "窗口负责人")]
            people += [
                self.person(window.code, "窗口工作人员")
                for _ in range(_between(rng, self.size.staff_per_window) - 1)
            ]
            for post_name in data.WINDOW_POSTS:
                self.post(
                    window.code, post_name, f"负责{window_name}业务受理和一次性告知。", people
                )

    def build_department(self, department: data.Department) -> None:
        rng = self.units_rng
        if rng.random() < 0.6:
            address = f"{data.CIVIC_CENTRE}{rng.randint(1, 6)}号楼"
        else:
            district = rng.choice(data.DISTRICTS[:2])[1]
            address = f"示范市{district}{rng.choice(data.ROADS)}{rng.randint(1, 300)}号"
        unit = self.unit(
            code=f"{data.CITY_CODE}-{department.code}",
            name=department.name,
            short_name=department.short_name,
            kind=Unit.Kind.DEPARTMENT,
            parent=data.CITY_CODE,
            # Only department-level units carry a category: evaluation ranks departments within
            # their category, and sections and windows are judged as part of their department.
            category=department.category,
            duty_summary=department.duty,
            address=address,
            phone=_phone(rng),
        )
        head_title = department.head_title or _title_by_suffix(
            department.name, data.HEAD_TITLE_BY_SUFFIX, "主任"
        )
        head = self.person(unit.code, head_title)
        deputies = [
            self.person(unit.code, f"副{head_title}")
            for _ in range(_between(rng, self.size.deputies_per_department))
        ]
        if deputies:
            # Leaders have AB posts too (领导干部AB岗): the deputy stands in for the head.
            self.post(
                unit.code,
                "主要负责人岗",
                f"主持{department.short_name}全面工作。",
                [head, deputies[0]],
            )

        wanted = _between(rng, self.size.sections_per_department)
        pool = list(dict.fromkeys((*department.sections, *data.GENERIC_SECTIONS)))
        section_names = ["办公室", *pool[: wanted - 1]]
        for index, section_name in enumerate(section_names, start=1):
            if section_name == "办公室":
                duty = (
                    f"负责{department.short_name}文电会务、机要档案、信息公开、"
                    "效能建设和后勤保障等日常运转工作。"
                )
            else:
                duty = _section_duty(department.short_name, section_name)
            section = self.unit(
                code=f"{unit.code}-{index:02d}",
                name=section_name,
                short_name=f"{department.short_name}{section_name}",
                kind=Unit.Kind.SECTION,
                parent=unit.code,
                category=None,
                duty_summary=duty,
                address=f"{address}{rng.randint(2, 9)}{rng.randint(1, 20):02d}室",
                phone=_phone(rng),
            )
            self.build_section_staff(section, _between(rng, self.size.staff_per_section))

    def build_section_staff(self, section: UnitSpec, count: int) -> None:
        head_title = _title_by_suffix(section.name, data.SECTION_HEAD_BY_SUFFIX, "负责人")
        if section.name.endswith("庭"):
            member_title = "法官助理"
        elif section.name.endswith("检察部"):
            member_title = "检察官助理"
        elif section.name.endswith(("科", "办公室", "局", "处")):
            member_title = "科员"
        else:
            member_title = "工作人员"
        people = [self.person(section.code, head_title)]
        for index in range(1, count):
            title = f"副{head_title}" if index == 1 and count >= 3 else member_title
            people.append(self.person(section.code, title))

        choices = next(posts for key, posts in data.POSTS_BY_KEYWORD if key in section.name)
        count_posts = min(_between(self.posts_rng, self.size.posts_per_section), len(choices))
        for post_name in self.posts_rng.sample(choices, count_posts):
            self.post(
                section.code,
                post_name,
                f"负责{section.short_name}{post_name.removesuffix('岗')}工作；"
                "A岗不在岗时由B岗顶岗办理。",
                people,
            )


def _plan_absences(seed: int, size: DemoSize, today: date, planner: _Planner) -> list[AbsenceSpec]:
    rng = _rng(seed, "absences")
    taken: dict[str, list[tuple[date, date]]] = defaultdict(list)
    found: list[AbsenceSpec] = []

    def add(staff_no: str, start: date, end: date) -> bool:
        if any(s <= end and start <= e for s, e in taken[staff_no]):
            return False
        reason = rng.choices(
            [r for r, _ in data.ABSENCE_REASON_WEIGHTS],
            weights=[w for _, w in data.ABSENCE_REASON_WEIGHTS],
        )[0]
        taken[staff_no].append((start, end))
        found.append(
            AbsenceSpec(staff_no, start, end, reason, rng.choice(data.ABSENCE_NOTES[reason]))
        )
        return True

    n_current = round(size.absences * 0.4)
    n_past = round(size.absences * 0.35)
    n_future = size.absences - n_current - n_past
    everyone = [s.staff_no for s in planner.staff]
    # Current absences fall on A holders of posts that have a B holder, so "who handles it
    # today" visibly hands over to the stand-in somewhere in the demo.
    covered = [p for p in planner.posts if p.b_holder]
    attempts = 0
    while n_current and attempts < size.absences * 20:
        attempts += 1
        post = rng.choice(covered) if covered else None
        staff_no = post.a_holder if post else rng.choice(everyone)
        start = today - timedelta(days=rng.randint(0, 4))
        if add(staff_no, start, today + timedelta(days=rng.randint(0, 6))):
            n_current -= 1
            # Once, both holders are away: the "nobody is at the post" case must be seen too.
            if post and n_current and len(found) == 1 and add(post.b_holder, today, today):
                n_current -= 1
    while n_past and attempts < size.absences * 40:
        attempts += 1
        start = today - timedelta(days=rng.randint(10, 90))
        end = min(start + timedelta(days=rng.randint(0, 6)), today - timedelta(days=1))
        if add(rng.choice(everyone), start, end):
            n_past -= 1
    while n_future and attempts < size.absences * 60:
        attempts += 1
        start = today + timedelta(days=rng.randint(2, 45))
        if add(rng.choice(everyone), start, start + timedelta(days=rng.randint(0, 9))):
            n_future -= 1
    return found


def _front_line(planner: _Planner, unit: str) -> list[StaffSpec]:
    """Who meets the public for ``unit``: its sections' staff rather than the bureau chief."""
    everyone = planner.subtree_staff(unit)
    return [s for s in everyone if s.unit != unit] or everyone


def _working_moment(rng: random.Random, day: date) -> datetime:
    """A time in office hours (8:30–12:00, 14:00–17:30) on ``day``, in the project's zone."""
    if rng.random() < 0.55:
        minutes = rng.randint(8 * 60 + 30, 11 * 60 + 50)
    else:
        minutes = rng.randint(14 * 60, 17 * 60 + 20)
    moment = datetime.combine(day, time(minutes // 60, minutes % 60))
    return timezone.make_aware(moment, timezone.get_default_timezone())


def _plan_inquiries(seed: int, size: DemoSize, today: date, planner: _Planner) -> list[InquirySpec]:
    rng = _rng(seed, "inquiries")
    units = {u.code: u for u in planner.units}
    dept_unit = {d.code: f"{data.CITY_CODE}-{d.code}" for d in planner.departments}
    topics = [t for t in data.TOPICS if t.department in dept_unit]
    windows = [u.code for u in planner.units if u.kind == Unit.Kind.WINDOW]
    departments = list(dept_unit.values())
    # Nothing is answered "in the future": answers stop at the end of the day before ``today``.
    answer_cap = timezone.make_aware(
        datetime.combine(today, time(0, 0)), timezone.get_default_timezone()
    ) - timedelta(minutes=1)
    channels = [c for c, _ in data.CHANNEL_WEIGHTS]
    channel_weights = [w for _, w in data.CHANNEL_WEIGHTS]

    found: list[InquirySpec] = []
    for _ in range(size.inquiries):
        age = rng.randint(1, size.inquiry_days)
        day = today - timedelta(days=age)
        if day.weekday() >= 5:  # counters are shut at weekends: move to the Friday before
            day -= timedelta(days=day.weekday() - 4)
        received_at = _working_moment(rng, day)
        recent = (today - day).days <= 3
        status = rng.choices(
            ["open", "routed", "answered"], weights=[50, 20, 30] if recent else [5, 20, 75]
        )[0]
        at_window = bool(windows) and rng.random() < 0.55
        unit = rng.choice(windows) if at_window else rng.choice(departments)

        topic_unit: str | None = None
        if status == "routed":
            # First-inquiry duty: a question that belongs elsewhere is handed to its department.
            elsewhere = [t for t in topics if dept_unit[t.department] != unit]
            if elsewhere:
                topic = rng.choice(elsewhere)
                subject, detail, answer = topic.subject, topic.detail, ""
                topic_unit = dept_unit[topic.department]
            else:
                status = "answered"
        if status != "routed":
            own = [t for t in topics if dept_unit[t.department] == unit]
            if at_window and topics:
                topic = rng.choice(topics)
                subject, detail, answer = topic.subject, topic.detail, topic.answer
            elif own and rng.random() < 0.7:
                topic = rng.choice(own)
                subject, detail, answer = topic.subject, topic.detail, topic.answer
            else:
                template = rng.choice(data.GENERIC_TOPICS)
                short = units[unit].short_name
                subject, detail, answer = (part.format(unit=short) for part in template)

        channel = rng.choices(channels, weights=channel_weights)[0]
        if channel == "letter":
            # A letter comes with a postal address rather than a phone number.
            place = rng.choice(data.DISTRICTS)[1]
            place = place if place.startswith(data.CITY_NAME[:2]) else data.CITY_NAME + place
            contact = f"{place}{rng.choice(data.ROADS)}{rng.randint(1, 300)}号"
        else:
            contact = _masked_mobile(rng)
        inquiry = {
            "unit": unit,
            "received_by": rng.choice(_front_line(planner, unit)).staff_no,
            "received_at": received_at,
            "channel": channel,
            "inquirer_name": courtesy_name(rng),
            "inquirer_contact": contact,
            "subject": subject,
            "detail": detail,
            "status": status,
        }
        if status == "routed":
            inquiry["route_to_unit"] = topic_unit
            inquiry["route_to_staff"] = rng.choice(_front_line(planner, topic_unit)).staff_no
            # Handed over within the hour, as a first-asked officer is expected to.
            routed = received_at + timedelta(minutes=rng.randint(5, 60))
            inquiry["routed_at"] = max(min(routed, answer_cap), received_at)
        elif status == "answered":
            if channel in ("visit", "phone"):
                lag = timedelta(minutes=rng.randint(3, 90))
            else:
                lag = timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 300))
            inquiry["answer"] = answer
            inquiry["answered_at"] = max(min(received_at + lag, answer_cap), received_at)
        found.append(InquirySpec(**inquiry))
    # Registered in the order they happened, so ids and audit entries follow time.
    found.sort(key=lambda i: i.received_at)
    return found


def _plan_users(planner: _Planner) -> list[UserSpec]:
    city = data.CITY_CODE
    by_unit = planner.members
    codes = [f"{city}-{d.code}" for d in planner.departments]

    def department(preferred: str, fallback_index: int) -> str:
        code = f"{city}-{preferred}"
        return code if code in codes else codes[min(fallback_index, len(codes) - 1)]

    def liaison_person(unit: str) -> StaffSpec:
        # The liaison is usually a clerk of the department's 办公室 (always section 01).
        office = by_unit[f"{unit}-01"] or by_unit[unit]
        return office[-1]

    office = by_unit[f"{city}-{data.OFFICE[0]}"][1]
    leader = by_unit[city][0]
    liaison_unit = department("RSJ", 0)
    liaison2_unit = department("SCJGJ", 1)
    if liaison2_unit == liaison_unit:
        liaison2_unit = codes[-1]
    first_window = next(u.code for u in planner.units if u.kind == Unit.Kind.WINDOW)
    window_person = by_unit[first_window][0]
    api_unit = department("GAJ", 2)
    api_name = next(u.name for u in planner.units if u.code == api_unit)
    liaison, liaison2 = liaison_person(liaison_unit), liaison_person(liaison2_unit)
    supervisor_name = unique_person_name(planner.names_rng, planner.taken_names)
    return [
        UserSpec("admin", Role.ADMIN, "系统管理员", city, superuser=True),
        UserSpec("office", Role.OFFICE, office.name, city, office.staff_no),
        UserSpec("leader", Role.LEADER, leader.name, city, leader.staff_no),
        UserSpec("liaison", Role.LIAISON, liaison.name, liaison_unit, liaison.staff_no),
        UserSpec("liaison2", Role.LIAISON, liaison2.name, liaison2_unit, liaison2.staff_no),
        UserSpec("window", Role.WINDOW, window_person.name, first_window, window_person.staff_no),
        # An outside supervisor is no member of staff; the city as unit lets any rule that scopes
        # by subtree reach everywhere, which is where supervisors inspect.
        UserSpec("supervisor", Role.SUPERVISOR, supervisor_name, city),
        UserSpec("api", Role.API_CLIENT, f"{api_name}业务系统", api_unit),
    ]


def plan_demo(
    seed: int = DEFAULT_SEED, size: DemoSize | str = "default", *, today: date
) -> DemoPlan:
    """Everything the demo will contain, drawn from ``seed``; no database access."""
    size = get_size(size)
    if size.departments > len(data.DEPARTMENTS):
        raise DemoError(f"演示数据最多有 {len(data.DEPARTMENTS)} 个部门")
    if size.departments < 1 or size.windows < 1:
        raise DemoError("演示数据至少需要 1 个部门和 1 个服务窗口")
    planner = _Planner(seed, size, today)
    planner.build_tree()
    absences = _plan_absences(seed, size, today, planner)
    inquiries = _plan_inquiries(seed, size, today, planner)
    users = _plan_users(planner)
    return DemoPlan(
        seed=seed,
        size=size,
        today=today,
        units=tuple(planner.units),
        staff=tuple(planner.staff),
        posts=tuple(planner.posts),
        absences=tuple(absences),
        inquiries=tuple(inquiries),
        users=tuple(users),
    )


# ---- writing it (database) -------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    username: str
    role: str  # Chinese label
    unit: str
    display_name: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    size: str
    today: date
    units_by_kind: dict[str, int]
    categories: int
    staff: int
    posts: int
    posts_without_b: int
    absences_current: int
    absences_past: int
    absences_future: int
    inquiries_by_status: dict[str, int]
    audit_entries: int
    seconds: float
    logins: list[Login] = field(default_factory=list)
    reset: dict[str, int] | None = None
    catalog_items: int = 0

    @property
    def units(self) -> int:
        return sum(self.units_by_kind.values())

    @property
    def absences(self) -> int:
        return self.absences_current + self.absences_past + self.absences_future

    @property
    def inquiries(self) -> int:
        return sum(self.inquiries_by_status.values())


def existing_data() -> str | None:
    """Why the database is not empty enough for a demo (Chinese), or None when it is."""
    units = Unit.objects.count()
    if units:
        return f"数据库中已有 {units} 个单位"
    taken = list(
        get_user_model()
        .objects.filter(username__in=DEMO_USERNAMES)
        .values_list("username", flat=True)
    )
    if taken:
        return f"数据库中已有演示账号 {'、'.join(sorted(taken))}"
    return None


def reset_demo_data() -> dict[str, int]:
    """Delete the organisation data and the demo accounts, bottom up. The audit log stays: it is
    append-only, so the reset is added to it as one event rather than erased from it.

    Other accounts that point at a unit are detached (unit cleared), not deleted: they may be
    someone's real login. Raises :class:`DemoError` when other modules' records still hold on
    to units or staff (those are not the demo's to delete).
    """
    User = get_user_model()
    counts: dict[str, int] = {}
    try:
        with transaction.atomic():
            # Issued bulletins point at units and at the office's account.
            counts["已签发通报"] = delete_bulletins()
            # 考评 results and entries point at units.
            counts["考评期"] = delete_assessment()
            # 整改任务 and 专项活动 point at units, staff and accounts (plans name people).
            counts["明查暗访计划"] = delete_inspections()
            counts["效能问题线索"] = delete_accountability()
            counts["整改任务"] = delete_rectification()
            # Campaigns first: they point at units (CampaignUnit) and at the demo accounts.
            counts["评议活动"] = delete_campaigns()
            counts["办件"] = delete_cases()
            counts["首问登记"] = FirstInquiry.objects.all().delete()[0]
            counts["缺岗记录"] = Absence.objects.all().delete()[0]
            counts["岗位"] = Post.objects.all().delete()[0]
            counts["工作人员"] = Staff.objects.all().delete()[0]
            counts["演示账号"] = User.objects.filter(username__in=DEMO_USERNAMES).delete()[0]
            counts["解除单位的其他账号"] = User.objects.filter(unit__isnull=False).update(unit=None)
            # After everything that may point at catalog items (cases…), before the units.
            counts["事项"] = delete_catalog()
            units = 0
            # A unit protects its parent, so leaves go first.
            for depth in sorted(set(Unit.objects.values_list("depth", flat=True)), reverse=True):
                units += Unit.objects.filter(depth=depth).delete()[0]
            counts["单位"] = units
            audit.record(
                "xiaoneng demo --reset",
                audit.Action.EVENT,
                object_type="demo.reset",
                object_id="",
                object_repr="演示数据重置",
                summary="重置演示数据：" + "、".join(f"{k}{v}" for k, v in counts.items()),
                before=counts,
            )
    except (ProtectedError, RestrictedError) as exc:
        holders = sorted({obj._meta.verbose_name for obj in exc.args[1]})
        raise DemoError(
            f"其他模块的数据（{'、'.join(map(str, holders))}）仍引用这些单位或人员，无法自动重置。"
            "请删除数据库文件（或换一个 XIAONENG_DATA_DIR），"
            "运行 xiaoneng migrate 后再运行 xiaoneng demo。"
        ) from exc
    return counts


def _create_user(spec: UserSpec, unit: Unit | None, hashed_password: str):
    User = get_user_model()
    extra = {"role": spec.role, "display_name": spec.display_name, "unit": unit}
    if spec.superuser:
        user = User.objects.create_superuser(spec.username, email="", password=None, **extra)
    else:
        user = User.objects.create_user(spec.username, email="", password=None, **extra)
    # Hashing is deliberately slow (PBKDF2, ~0.3 s a go); all demo accounts share one password,
    # so it is hashed once and the hash reused.
    user.password = hashed_password
    user.save(update_fields=["password"])
    return user


def _audit_user(actor, user) -> None:
    fields = ("username", "role", "unit", "display_name", "is_superuser", "is_staff")
    audit.record(actor, audit.Action.CREATE, user, after=audit.snapshot(user, fields))


def build_demo(
    *,
    seed: int = DEFAULT_SEED,
    size: DemoSize | str = "default",
    today: date | None = None,
    password: str = DEFAULT_PASSWORD,
    reset: bool = False,
) -> DemoSummary:
    """Build the demo city in the (migrated) database and return what was made.

    ``today`` is the reference date absences and inquiries are placed around (default: today in
    the project's time zone); tests pass a fixed date. Raises :class:`DemoError` when the
    database already holds units or demo accounts and ``reset`` is false.
    """
    real_today = timezone.localdate()
    today = today or real_today
    if today > real_today:
        # Inquiries are registered as received on days before `today`; a later date would make
        # them arrive in the future, which the first-inquiry register rightly refuses.
        raise DemoError(f"参考日期 {today} 晚于今天（{real_today}）")
    if not password:
        raise DemoError("密码不能为空")
    plan = plan_demo(seed, size, today=today)
    started = perf_counter()
    with transaction.atomic():
        reset_counts = reset_demo_data() if reset else None
        problem = existing_data()
        if problem:
            raise DemoError(
                f"{problem}，演示数据只能建在空数据库上。"
                "如要删除现有单位、人员和演示账号后重建，请加 --reset（审计日志会保留）；"
                "或删除数据库文件后重新运行 xiaoneng migrate。"
            )
        head_before = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        logins = _write(plan, password)
        # The service catalog (事项目录): its own deterministic step, same transaction.
        catalog_items = write_catalog(plan, get_user_model().objects.get(username="admin"))
        head_after = AuditHead.objects.values_list("seq", flat=True).get(pk=1)
    seconds = perf_counter() - started
    summary = _summarise(plan, logins, head_after - head_before, seconds, reset_counts)
    return replace(summary, catalog_items=catalog_items)


def _write(plan: DemoPlan, password: str) -> list[Login]:
    hashed = make_password(password)
    users_by_name = {u.username: u for u in plan.users}
    admin_spec = users_by_name["admin"]
    # The admin exists before the city does (it creates the city), so its unit is set after.
    admin = _create_user(admin_spec, None, hashed)

    categories: dict[str, UnitCategory] = {}
    for order, (code, name) in enumerate(data.CATEGORIES, start=1):
        # Categories survive a reset and may have been set up by hand: reuse one that matches
        # by code or by name rather than trip over the unique constraints.
        category = (
            UnitCategory.objects.filter(code=code).first()
            or UnitCategory.objects.filter(name=name).first()
        )
        if category is None:
            category = UnitCategory.objects.create(code=code, name=name, sort_order=order)
            audit.record(admin, audit.Action.CREATE, category, after=audit.snapshot(category))
        categories[code] = category

    units: dict[str, Unit] = {}
    for spec in plan.units:
        units[spec.code] = org.create_unit(
            admin,
            name=spec.name,
            short_name=spec.short_name,
            code=spec.code,
            kind=spec.kind,
            category=categories[spec.category] if spec.category else None,
            parent=units[spec.parent] if spec.parent else None,
            sort_order=spec.sort_order,
            duty_summary=spec.duty_summary,
            address=spec.address,
            phone=spec.phone,
        )
    admin.unit = units[admin_spec.unit]
    admin.save(update_fields=["unit"])
    _audit_user(admin, admin)

    staff: dict[str, Staff] = {}
    for spec in plan.staff:
        staff[spec.staff_no] = org.create_staff(
            admin,
            name=spec.name,
            staff_no=spec.staff_no,
            unit=units[spec.unit],
            title=spec.title,
            phone=spec.phone,
        )
    for spec in plan.posts:
        org.create_post(
            admin,
            unit=units[spec.unit],
            name=spec.name,
            duties=spec.duties,
            a_holder=staff[spec.a_holder],
            b_holder=staff[spec.b_holder] if spec.b_holder else None,
        )
    for spec in plan.absences:
        org.add_absence(
            admin, staff[spec.staff_no], spec.start_date, spec.end_date, spec.reason, spec.note
        )
    for spec in plan.inquiries:
        inquiry = org.register_inquiry(
            admin,
            unit=units[spec.unit],
            received_by=staff[spec.received_by],
            received_at=spec.received_at,
            channel=spec.channel,
            inquirer_name=spec.inquirer_name,
            inquirer_contact=spec.inquirer_contact,
            subject=spec.subject,
            detail=spec.detail,
        )
        if spec.status == FirstInquiry.Status.ROUTED:
            org.route_inquiry(
                admin,
                inquiry,
                units[spec.route_to_unit],
                staff[spec.route_to_staff] if spec.route_to_staff else None,
                routed_at=spec.routed_at,
            )
        elif spec.status == FirstInquiry.Status.ANSWERED:
            org.answer_inquiry(admin, inquiry, spec.answer, answered_at=spec.answered_at)

    logins = [_login(admin_spec, units, password)]
    for spec in plan.users:
        if spec.username == "admin":
            continue
        unit = units[spec.unit] if spec.unit else None
        user = _create_user(spec, unit, hashed)
        _audit_user(admin, user)
        if spec.staff_no:
            org.update_staff(admin, staff[spec.staff_no], user=user)
        logins.append(_login(spec, units, password))
    return logins


def _login(spec: UserSpec, units: dict[str, Unit], password: str) -> Login:
    return Login(
        username=spec.username,
        role=chinese(Role(spec.role).label),
        unit=units[spec.unit].name if spec.unit else "—",
        display_name=spec.display_name,
        password=password,
    )


def _summarise(
    plan: DemoPlan,
    logins: list[Login],
    audit_entries: int,
    seconds: float,
    reset_counts: dict[str, int] | None,
) -> DemoSummary:
    # Counted from the database, not the plan: the summary reports what is really there.
    kinds = Counter(Unit.objects.values_list("kind", flat=True))
    today = plan.today
    absences = Absence.objects.all()
    statuses = Counter(FirstInquiry.objects.values_list("status", flat=True))
    return DemoSummary(
        seed=plan.seed,
        size=plan.size.name,
        today=today,
        units_by_kind={kind.value: kinds.get(kind.value, 0) for kind in Unit.Kind},
        categories=UnitCategory.objects.count(),
        staff=Staff.objects.count(),
        posts=Post.objects.count(),
        posts_without_b=Post.objects.filter(b_holder__isnull=True).count(),
        absences_current=absences.covering(today).count(),
        absences_past=absences.filter(end_date__lt=today).count(),
        absences_future=absences.filter(start_date__gt=today).count(),
        inquiries_by_status={s.value: statuses.get(s.value, 0) for s in FirstInquiry.Status},
        audit_entries=audit_entries,
        seconds=seconds,
        logins=logins,
        reset=reset_counts,
    )
