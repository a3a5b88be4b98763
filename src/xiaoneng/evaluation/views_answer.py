"""评议表 (网上): answering with a single-use code at /evaluations/answer/, in three steps.

1. 选择了解的单位: search and category filters, checkboxes; every unit not picked is 不了解.
2. 逐类评价: the picked units of one category per page, six dimensions each, an optional opinion.
3. 核对并提交: what will be submitted, then one submission.

Every step is a POST that carries the code in a hidden field (never in a URL, so that it stays
out of logs and browser history), saves the code's draft (``drafts``) and shows the next page:
everything works without JavaScript, and coming back with the same code resumes where the
evaluator stopped. ``evaluation/answer.js`` adds the live filter, the counters and an autosave
(the same POST with ``autosave=1``, answered 204).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from xiaoneng.web.forms import apply_errors
from xiaoneng.web.throttle import limit_reached, over_limit

from . import drafts, services, sheets
from .forms import CodeForm
from .models import AccessCode, Campaign

CODE_LIMIT = 30  # failed code attempts (and code entries) per address per 10 minutes
THROTTLE = "evaluation-code"
#: Answered to an autosave whose code is no longer usable (used in another tab, closed…).
GONE = 409


@dataclass(frozen=True)
class Answering:
    """One request of an evaluator whose code is usable: what every step needs."""

    access: AccessCode
    code: str
    layout: sheets.Layout
    draft: drafts.Draft

    @property
    def campaign(self) -> Campaign:
        return self.access.campaign


@never_cache
def answer(request):
    if request.method != "POST":
        return render(request, "evaluation/answer_code.html", {"code_form": CodeForm()})
    step = request.POST.get("step")
    if step == "code":
        return _enter_code(request)
    if limit_reached(request, THROTTLE, CODE_LIMIT):
        return _throttled(request)
    code = request.POST.get("code", "")
    autosave = request.POST.get("autosave") == "1"
    try:
        access = sheets.usable_code(code)
    except ValidationError as error:
        over_limit(request, THROTTLE, CODE_LIMIT, 600)  # only a failed code counts here
        if autosave:
            return HttpResponse(status=GONE)
        return _code_refused(request, code, error)
    layout = sheets.layout_of(access.campaign)
    state = Answering(access, code, layout, drafts.load(code, access.campaign, layout))
    if step == "pick":
        return _post_pick(request, state, autosave)
    if step == "rate":
        return _post_rate(request, state, autosave)
    if step == "review":
        return _post_review(request, state)
    return _resume(request, state)


def _enter_code(request):
    form = CodeForm(request.POST)
    if over_limit(request, THROTTLE, CODE_LIMIT, 600):
        return _throttled(request)
    if not form.is_valid():
        return render(request, "evaluation/answer_code.html", {"code_form": form})
    try:
        access = sheets.usable_code(form.cleaned_data["code"])
    except ValidationError as error:
        return _code_refused(request, form.cleaned_data["code"], error)
    code = services.format_code(services.normalise_code(form.cleaned_data["code"]))
    layout = sheets.layout_of(access.campaign)
    draft = drafts.load(code, access.campaign, layout)
    return _resume(request, Answering(access, code, layout, draft), resumed=draft != drafts.Draft())


def _throttled(request):
    return render(
        request,
        "evaluation/answer_code.html",
        {"code_form": CodeForm(), "throttled": True},
        status=429,
    )


def _code_refused(request, code: str, error: ValidationError):
    """Back to the code page, the code kept and the refusal beside it."""
    form = CodeForm({"code": code})
    form.is_valid()
    if hasattr(error, "error_dict"):
        apply_errors(form, error)
    else:  # the collection is not open: not about the code itself
        form.add_error("code", error)
    return render(request, "evaluation/answer_code.html", {"code_form": form})


def _resume(request, state: Answering, *, resumed: bool = False):
    """Where the evaluator stopped: step 1 if nothing is picked yet, else the first category
    with a unit not fully rated, else the review."""
    if drafts.picks_apply(state.layout) and state.draft.picked is None:
        return _pick_page(request, state, resumed=resumed)
    steps = drafts.rating_steps(state.layout, state.draft)
    pending = next((s for s in steps if not s.complete), None)
    if pending is not None:
        return _rate_page(request, state, steps, pending.index, resumed=resumed)
    return _review_page(request, state, resumed=resumed)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _saved(state: Answering, draft: drafts.Draft) -> Answering | None:
    if not drafts.save(state.access, state.code, draft):
        return None
    return Answering(state.access, state.code, state.layout, draft)


def _lost_code(request, state: Answering, autosave: bool):
    """The code stopped being usable between the check and the save (another tab submitted)."""
    if autosave:
        return HttpResponse(status=GONE)
    return _code_refused(request, state.code, ValidationError({"code": sheets.CODE_REFUSED}))


def _go(request, state: Answering):
    """The page a navigation button asked for: ``pick``, ``review`` or ``cat:<n>``."""
    target = request.POST.get("go", "")
    steps = drafts.rating_steps(state.layout, state.draft)
    if target == "pick" and drafts.picks_apply(state.layout):
        return _pick_page(request, state)
    if target.startswith("cat:") and target[4:].isdigit() and int(target[4:]) < len(steps):
        return _rate_page(request, state, steps, int(target[4:]))
    if target == "review" or not steps:
        return _review_page(request, state)
    return _rate_page(request, state, steps, 0)


# ---- step 1: pick the units one knows -----------------------------------------------------------


def _post_pick(request, state: Answering, autosave: bool):
    post = request.POST
    draft = state.draft.with_picks(_ids(post.getlist("shown")), _ids(post.getlist("unit")))
    saved = _saved(state, draft)
    if saved is None:
        return _lost_code(request, state, autosave)
    if autosave:
        return HttpResponse(status=204)
    if post.get("go") == "filter":
        return _pick_page(
            request, saved, query=post.get("q", "").strip(), category=post.get("category", "")
        )
    return _go(request, saved)


def _matches(cu, query: str, category: str) -> bool:
    if category and cu.category != category:
        return False
    if not query:
        return True
    query = query.casefold()
    return query in cu.unit.name.casefold() or query in (cu.unit.short_name or "").casefold()


def _pick_page(request, state: Answering, *, query: str = "", category: str = "", resumed=False):
    picked = state.draft.picked or frozenset()
    groups: dict[str, list] = {}
    for cu in state.layout.units:
        groups.setdefault(cu.category, [])
        if _matches(cu, query, category):
            groups[cu.category].append(cu)
    shown = {cu.pk for units in groups.values() for cu in units}
    return render(
        request,
        "evaluation/answer_pick.html",
        {
            **_common(state, 1, resumed),
            "groups": [(name, units) for name, units in groups.items() if units],
            "categories": list(groups),
            "picked": picked,
            "query": query,
            "category": category,
            "picked_count": len(picked),
            "unpicked_count": len(state.layout.units) - len(picked),
            # Picks a filter hides from this page, for the live count of answer.js.
            "picked_elsewhere": len(picked - shown),
        },
    )


# ---- step 2: rate the picked units, one category at a time -------------------------------------


def _post_rate(request, state: Answering, autosave: bool):
    post = request.POST
    layout = state.layout
    units = {cu.pk: cu for cu in layout.units}
    on_page = [u for u in _ids(post.getlist("units")) if u in units]
    answers = {}
    for u in on_page:
        for dim in layout.dimensions:
            value = post.get(f"a-{u}-{dim.pk}", "")
            if value.isdigit() and int(value) < len(layout.options):
                answers[(u, dim.pk)] = int(value)
    opinions = {u: post.get(f"o-{u}", "")[: drafts.OPINION_KEEP] for u in on_page}
    saved = _saved(state, state.draft.with_page(on_page, answers, opinions))
    if saved is None:
        return _lost_code(request, state, autosave)
    if autosave:
        return HttpResponse(status=204)
    too_long = [
        _("对“%(unit)s”的意见建议超过%(n)d字，请精简后再继续。")
        % {"unit": units[u].unit.name, "n": sheets.OPINION_MAX}
        for u, text in opinions.items()
        if len(text.strip()) > sheets.OPINION_MAX
    ]
    if too_long:
        steps = drafts.rating_steps(layout, saved.draft)
        here = next((s.index for s in steps if any(cu.pk in on_page for cu in s.units)), 0)
        return _rate_page(request, saved, steps, here, errors=too_long)
    return _go(request, saved)


def _rate_page(request, state: Answering, steps, index: int, *, errors=(), resumed=False):
    layout, draft = state.layout, state.draft
    step = steps[index]
    units = [
        {
            "cu": cu,
            "done": drafts.unit_done(layout, draft, cu),
            "opinion": draft.opinions.get(cu.pk, ""),
            "questions": [
                {
                    "name": f"a-{cu.pk}-{dim.pk}",
                    "label": dim.name,
                    "options": [
                        (i, option.label, draft.answers.get((cu.pk, dim.pk)) == i)
                        for i, option in enumerate(layout.options)
                    ],
                }
                for dim in layout.dimensions
            ],
        }
        for cu in step.units
    ]
    return render(
        request,
        "evaluation/answer_rate.html",
        {
            **_common(state, 2, resumed),
            "steps": steps,
            "step": step,
            "units": units,
            "previous": steps[index - 1] if index > 0 else None,
            "next": steps[index + 1] if index + 1 < len(steps) else None,
            "errors": list(errors),
            "rated": sum(s.done for s in steps),
            "rated_elsewhere": sum(s.done for s in steps) - step.done,
            "to_rate": sum(len(s.units) for s in steps),
        },
    )


# ---- step 3: review and submit once -------------------------------------------------------------


def _post_review(request, state: Answering):
    if request.POST.get("go") != "submit":
        return _go(request, state)
    try:
        campaign = sheets.submit_draft(state.code)
    except ValidationError as error:
        if hasattr(error, "error_dict") and "code" in error.error_dict:
            return _code_refused(request, state.code, error)
        return _review_page(request, state, errors=error.messages)
    return render(request, "evaluation/answer_done.html", {"campaign": campaign})


def _review_page(request, state: Answering, *, errors=(), resumed=False):
    layout, draft = state.layout, state.draft
    labels = [o.label for o in layout.options]
    steps = drafts.rating_steps(layout, draft)
    rated = [
        (
            step,
            [
                {
                    "cu": cu,
                    "done": drafts.unit_done(layout, draft, cu),
                    "answers": [
                        (dim.name, labels[draft.answers[(cu.pk, dim.pk)]])
                        for dim in layout.dimensions
                        if (cu.pk, dim.pk) in draft.answers
                    ],
                    "opinion": draft.opinions.get(cu.pk, ""),
                }
                for cu in step.units
            ],
        )
        for step in steps
    ]
    picked = sum(len(s.units) for s in steps)
    unknown = drafts.unknown_option(layout)
    return render(
        request,
        "evaluation/answer_review.html",
        {
            **_common(state, 3, resumed),
            "rated": rated,
            "picked_count": picked,
            "unknown_count": len(layout.units) - picked,
            "unknown_label": labels[unknown] if unknown is not None else "",
            "missing": drafts.unrated(layout, draft),
            "errors": list(errors),
        },
    )


def _common(state: Answering, current: int, resumed: bool) -> dict:
    """What every step's page shows: the campaign, the code (hidden), the stepper."""
    has_pick_step = drafts.picks_apply(state.layout)
    stepper = [(2, _("逐类评价")), (3, _("核对并提交"))]
    if has_pick_step:
        stepper.insert(0, (1, _("选择了解的单位")))
    return {
        "campaign": state.campaign,
        "code": state.code,
        "stepper": stepper,
        "has_pick_step": has_pick_step,
        "current": current,
        "resumed": resumed,
        "dimensions": state.layout.dimensions,
        "total_units": len(state.layout.units),
    }
