"""Fixtures for inspections tests: the default checklist, a team, a plan, photos."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaoneng.accounts.roles import Role
from xiaoneng.inspections import defaults, services
from xiaoneng.inspections.models import CheckItem, Plan
from xiaoneng.testing.factories import StaffFactory, UserFactory
from xiaoneng.workdays import SHANGHAI

#: A Thursday in March 2026.
NOW = datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def jpeg(*, gps: bool = True, taken: str = "2026:03:05 09:31:00", size=(40, 30)) -> bytes:
    """A small JPEG with an EXIF time and (by default) a GPS position."""
    exif = Image.Exif()
    exif[0x0132] = "2026:03:05 09:30:00"
    exif[0x8769] = {0x9003: taken}
    if gps:
        exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def photo_upload(name: str = "p.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg(), "image/jpeg")


@pytest.fixture
def items(users) -> dict[str, CheckItem]:
    defaults.install(users[Role.OFFICE])
    return {i.name: i for i in CheckItem.objects.filter(is_current=True)}


@pytest.fixture
def member(org):
    return UserFactory(username="inspector", role=Role.OFFICE, unit=org.root)


@pytest.fixture
def clerk(org):
    return StaffFactory(name="窗口科员", unit=org.section_a)


@pytest.fixture
def make_plan(org, users, member):
    def make(kind: str = Plan.Kind.COVERT, **changes) -> Plan:
        data = services.PlanIn(
            title=changes.pop("title", "3月窗口暗访"),
            kind=kind,
            start=changes.pop("start", date(2026, 3, 1)),
            end=changes.pop("end", date(2026, 3, 31)),
            team=changes.pop("team", (member, users[Role.SUPERVISOR])),
            units=changes.pop("units", (org.dept_a, org.dept_b)),
            **changes,
        )
        with time_machine.travel(NOW, tick=False):
            return services.create_plan(users[Role.OFFICE], data)

    return make
