"""Chinese is the source language; English is a translation catalogue (``locale/en``).

Choice labels (statuses, kinds, channels …) are lazy translations: a page shown in English shows
them in English. Text that is *stored* — audit summaries and object names, event notes,
notification titles and bodies, task titles — and the official documents (Word, Excel, the
importable Excel templates) stay Chinese whatever language the page that caused them is shown
in. Build such text with these helpers, never with ``get_FOO_display()`` or ``.label`` alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import models
from django.utils import translation

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def source_language() -> Iterator[None]:
    """Within it, lazy labels and ``gettext`` give the Chinese source text."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def chinese(text: object) -> str:
    """A (lazy) label, or anything whose text uses labels, as its Chinese source text."""
    with source_language():
        return str(text)


def chinese_display(instance: models.Model, field: str) -> str:
    """``instance.get_<field>_display()`` in Chinese."""
    with source_language():
        return str(getattr(instance, f"get_{field}_display")())


def chinese_labels(choices: type[models.Choices]) -> dict[Any, str]:
    """A choices enum as {value: Chinese label}."""
    with source_language():
        return {value: str(label) for value, label in choices.choices}


def in_source_language(build: Callable[P, R]) -> Callable[P, R]:
    """For a function that builds an official document (Word, Excel): it runs in Chinese."""

    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with source_language():
            return build(*args, **kwargs)

    return wrapper
