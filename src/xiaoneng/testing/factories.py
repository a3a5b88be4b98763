"""Test factories shared by every app's tests (factory_boy, no fixture files)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.org.models import Absence, FirstInquiry, Post, Staff, Unit, UnitCategory
from xiaoneng.org.services import assign_path


class UnitCategoryFactory(DjangoModelFactory):
    class Meta:
        model = UnitCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"类别{n}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    code = factory.Sequence(lambda n: f"T{n:05d}")
    kind = Unit.Kind.DEPARTMENT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        unit = super()._create(model_class, *args, **kwargs)
        assign_path(unit)
        return unit


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.OFFICE
    password = factory.PostGenerationMethodCall("set_password", "pw-123456")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = Staff

    name = factory.Sequence(lambda n: f"人员{n}")
    staff_no = factory.Sequence(lambda n: f"S{n:06d}")
    unit = factory.SubFactory(UnitFactory)


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"岗位{n}")
    a_holder = factory.SubFactory(StaffFactory, unit=factory.SelfAttribute("..unit"))
    b_holder = factory.SubFactory(StaffFactory, unit=factory.SelfAttribute("..unit"))


class AbsenceFactory(DjangoModelFactory):
    class Meta:
        model = Absence

    staff = factory.SubFactory(StaffFactory)
    start_date = datetime.date(2026, 3, 2)
    end_date = factory.SelfAttribute("start_date")


class FirstInquiryFactory(DjangoModelFactory):
    class Meta:
        model = FirstInquiry

    unit = factory.SubFactory(UnitFactory)
    received_by = factory.SubFactory(StaffFactory, unit=factory.SelfAttribute("..unit"))
    received_at = factory.LazyFunction(timezone.now)
    subject = factory.Sequence(lambda n: f"咨询事项{n}")


class CardFactory(DjangoModelFactory):
    """A card written directly, for tests about cards themselves (黄牌累计, scoping); cards from
    real causes come through ``supervision.services.raise_cards``."""

    class Meta:
        model = "supervision.Card"

    color = "yellow"
    cause = "step_overdue"
    cause_key = factory.Sequence(lambda n: f"test:{n}")
    unit = factory.SubFactory(UnitFactory)
    summary = factory.Sequence(lambda n: f"测试黄牌{n}")
    raised_at = factory.LazyFunction(timezone.now)
