"""差评核实整改 moves onto the rectification app: every ``ratings.Rectification`` becomes a task of
source 差评 in the 核实整改 flow, with its dates, deadline, warned/overdue marks, finding,
measures and return visit as they were.

- Cards keep their references: a 差评's overdue card is keyed ``rating:<rating id>:rectify-overdue``
  and the task's sweeper uses the same key, so no card is raised twice.
- The audit log is never rewritten: the task records where it came from (``legacy_ref``,
  ``ratings.rectification:<id>``), its history shows a line saying so, and the old record's audit
  entries stay under that name.
- Backwards, the tasks of source 差评 that are still in the 核实整改 flow become rows again (a
  差评 that went on to a full 整改方案 has no place in the old table and is not kept).
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 1000


def _warn_days() -> int:
    return int(getattr(settings, "XIAONENG_RATING_WARN_DAYS", 3))


def forwards(apps, schema_editor):
    Rectification = apps.get_model("ratings", "Rectification")
    Task = apps.get_model("rectification", "Task")
    Problem = apps.get_model("rectification", "Problem")
    TaskEvent = apps.get_model("rectification", "TaskEvent")
    now = timezone.now()
    warn_days = _warn_days()
    rows = Rectification.objects.select_related(
        "rating", "rating__case", "rating__item", "verified_by", "visited_by"
    ).order_by("pk")
    batch = []
    for rect in rows.iterator(chunk_size=BATCH):
        batch.append(rect)
        if len(batch) >= BATCH:
            _copy(batch, Task, Problem, TaskEvent, now, warn_days)
            batch = []
    if batch:
        _copy(batch, Task, Problem, TaskEvent, now, warn_days)


def _copy(batch, Task, Problem, TaskEvent, now, warn_days):
    tasks = []
    for r in batch:
        rating, case = r.rating, r.rating.case
        title = f"差评：{rating.item.name}（{rating.get_level_display()}）"[:200]
        closed = r.status == "closed"
        tasks.append(
            Task(
                source_kind="rating",
                source_id=rating.pk,
                source_label=f"办件{case.number}的差评",
                source_link=f"/office/cases/{case.pk}/",
                source_public=True,
                public=True,
                unit_id=r.unit_id,
                window_id=rating.window_id,
                title=title,
                description=rating.comment,
                level="normal",
                flow="verify",
                status=r.status,
                opened_at=r.opened_at,
                opened_by_name="电子监察",
                limit_days=r.limit_days,
                complete_by=r.due_at,
                stage_started_at=r.opened_at if r.status == "verifying" else None,
                stage_days=r.limit_days if r.status == "verifying" else None,
                stage_warn_days=warn_days if r.status == "verifying" else None,
                needs_visit=True,
                finding=r.finding,
                verification=r.verification,
                measures=r.measures,
                verified_at=r.verified_at,
                verified_by_id=r.verified_by_id,
                completed_at=r.verified_at,
                visit_satisfied=r.visit_satisfied,
                visit_note=r.visit_note,
                visited_at=r.visited_at,
                visited_by_id=r.visited_by_id,
                closed_at=r.visited_at if closed else None,
                legacy_ref=f"ratings.rectification:{r.pk}",
                due_at=r.due_at,
                warn_at=r.warn_at,
                deadline_open=r.deadline_open,
                warned_at=r.warned_at,
                overdue_at=r.overdue_at,
                deadline_provisional=r.deadline_provisional,
            )
        )
    Task.objects.bulk_create(tasks)
    by_rating = dict(
        Task.objects.filter(
            source_kind="rating", source_id__in=[r.rating_id for r in batch]
        ).values_list("source_id", "pk")
    )
    Problem.objects.bulk_create(
        [
            Problem(
                task_id=by_rating[r.rating_id],
                order=1,
                title=t.title,
                detail=r.rating.comment,
            )
            for r, t in zip(batch, tasks, strict=True)
        ]
    )
    events = []
    for r in batch:
        task_id = by_rating[r.rating_id]
        events.append(
            TaskEvent(
                task_id=task_id,
                kind="open",
                at=r.opened_at,
                actor_name="电子监察",
                note=f"办件{r.rating.case.number}的差评，时限{r.limit_days}个工作日",
            )
        )
        if r.verified_at:
            events.append(
                TaskEvent(
                    task_id=task_id,
                    kind="verify",
                    at=r.verified_at,
                    actor_id=r.verified_by_id,
                    actor_name=str(r.verified_by.display_name or r.verified_by.username)
                    if r.verified_by_id
                    else "责任单位",
                    note=f"{r.get_finding_display()}。{r.verification}",
                )
            )
        if r.visited_at:
            events.append(
                TaskEvent(
                    task_id=task_id,
                    kind="visit",
                    at=r.visited_at,
                    actor_id=r.visited_by_id,
                    actor_name=str(r.visited_by.display_name or r.visited_by.username)
                    if r.visited_by_id
                    else "效能办",
                    note=f"{'满意' if r.visit_satisfied else '不满意'}。{r.visit_note}",
                )
            )
        events.append(
            TaskEvent(
                task_id=task_id,
                kind="migrated",
                at=now,
                actor_name="系统升级",
                note=f"由差评核实整改记录（第{r.pk}号）迁入；此前的审计记录保留在原记录名下",
            )
        )
    TaskEvent.objects.bulk_create(events)


def backwards(apps, schema_editor):
    Rectification = apps.get_model("ratings", "Rectification")
    Task = apps.get_model("rectification", "Task")
    tasks = Task.objects.filter(source_kind="rating", flow="verify")
    Rectification.objects.bulk_create(
        [
            Rectification(
                rating_id=t.source_id,
                unit_id=t.unit_id,
                status=t.status,
                opened_at=t.opened_at,
                limit_days=t.limit_days,
                finding=t.finding,
                verification=t.verification,
                measures=t.measures,
                verified_at=t.verified_at,
                verified_by_id=t.verified_by_id,
                visit_satisfied=t.visit_satisfied,
                visit_note=t.visit_note,
                visited_at=t.visited_at,
                visited_by_id=t.visited_by_id,
                due_at=t.due_at,
                warn_at=t.warn_at,
                deadline_open=t.deadline_open,
                warned_at=t.warned_at,
                overdue_at=t.overdue_at,
                deadline_provisional=t.deadline_provisional,
            )
            for t in tasks.iterator()
        ],
        batch_size=BATCH,
    )
    Task.objects.filter(source_kind="rating").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0001_initial"),
        ("rectification", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
