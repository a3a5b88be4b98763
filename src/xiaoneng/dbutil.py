"""Database helpers shared by the apps: bulk writes that cost what the database costs.

Django prepares every value of a ``bulk_create`` or ``bulk_update`` through the field's whole
``get_db_prep_save`` chain and compiles one placeholder per value; for the thousands of rows an
event batch or the demo writes, that Python work dominates. These helpers adapt each column once
per row with the cheapest function that gives the same stored value, and send the rows with
``COPY`` (PostgreSQL) or one prepared statement run many times (SQLite).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, models

#: Field types whose Python values the SQLite driver stores as Django would (ints, text, bools).
_SQLITE_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallAutoField",
    "SmallIntegerField",
    "TextField",
}


def _sqlite_adapter(field: models.Field) -> Callable[[Any], Any]:
    """What turns a model attribute into the value Django would send to SQLite for ``field``."""
    kind = field.get_internal_type()
    ops = connection.ops
    if kind == "ForeignKey":
        target = field.target_field.get_internal_type()  # type: ignore[attr-defined]
        if target in _SQLITE_AS_IS:
            return _as_is
    if kind in _SQLITE_AS_IS:
        return _as_is
    if kind == "DateTimeField":
        if settings.USE_TZ and connection.timezone_name == "UTC":
            return _sqlite_utc_datetime
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "JSONField":
        encoder = field.encoder  # type: ignore[attr-defined]
        return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
    return lambda value: field.get_db_prep_save(value, connection)


def _as_is(value: Any) -> Any:
    return value


def _sqlite_utc_datetime(value: datetime | None) -> str | None:
    """``adapt_datetimefield_value`` for a UTC connection, without its per-call checks: aware
    values in UTC, naive, as text (``str`` of a datetime, which is what Django stores)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value)


def _sqlite_rows(
    objs: Sequence[models.Model], fields: Sequence[models.Field], *, pk_last: bool = False
) -> list[list[Any]]:
    adapters = [(f.attname, _sqlite_adapter(f)) for f in fields]
    return [
        [adapt(getattr(obj, name)) for name, adapt in adapters] + ([obj.pk] if pk_last else [])
        for obj in objs
    ]


def bulk_update_rows(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """UPDATE many rows by primary key.

    Django's ``bulk_update`` builds one ``CASE WHEN`` expression per field and row, which costs
    far more to compile than to run. Here: on PostgreSQL (more than 20 rows) ``COPY`` into a
    temporary table and one ``UPDATE … FROM``; otherwise one prepared statement run many times.
    """
    if not objs:
        return
    if connection.vendor == "postgresql" and len(objs) > 20:
        _copy_update(model, objs, fields)
        return
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in concrete)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    if connection.vendor == "sqlite":
        rows = _sqlite_rows(objs, concrete, pk_last=True)
    else:
        rows = [
            [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in concrete] + [obj.pk]
            for obj in objs
        ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _copy_update(model, objs, fields) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE … FROM joins it.
    COPY adapts values in C; one statement replaces a parse-bind-execute per row."""
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk = quote(meta.pk.column)
    columns = [pk, *(quote(f.column) for f in concrete)]
    temp = quote(f"_upd_{meta.db_table}")
    sets = ", ".join(f"{c} = u.{c}" for c in columns[1:])
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DELETE ROWS AS "
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {temp} ({', '.join(columns)}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        obj.pk,
                        *(
                            f.get_db_prep_save(getattr(obj, f.attname), connection)
                            for f in concrete
                        ),
                    ]
                )
        cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {temp} AS u WHERE t.{pk} = u.{pk}")
        cursor.execute(f"TRUNCATE {temp}")


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for rows this transaction will insert later.

    Lets a caller build rows that refer to each other (cases and their events) and insert each
    row once, with its final values, instead of inserting and then updating it. PostgreSQL draws
    them from the table's sequence; SQLite advances the table's ``AUTOINCREMENT`` counter, which
    the transaction's write lock keeps to itself until commit (a rollback gives them back).
    """
    if count <= 0:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids: unsupported database {connection.vendor}")
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids must run inside a transaction")
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        row = cursor.fetchone()
        cursor.execute(
            f"SELECT COALESCE(MAX({quote(meta.pk.column)}), 0) FROM {quote(meta.db_table)}"
        )
        top = max(row[0] if row else 0, cursor.fetchone()[0])
        if row:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [top + count, meta.db_table]
            )
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                [meta.db_table, top + count],
            )
    return list(range(top + 1, top + count + 1))


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT rows whose primary keys are set (see :func:`reserve_ids`) or not needed back.

    PostgreSQL: ``COPY`` (values go to psycopg's C adapters as they are; only JSON needs
    wrapping). SQLite: one prepared ``INSERT`` run many times with cheaply adapted values.
    Objects without a primary key keep ``pk`` None: nothing is read back.
    """
    if not objs:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                f.pre_save(obj, add=True)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        _copy_insert(meta, fields, columns, objs)
    else:
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
        if connection.vendor == "sqlite":
            rows = _sqlite_rows(objs, fields)
        else:
            rows = [
                [f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields]
                for o in objs
            ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def _copy_insert(meta, fields, columns: str, objs) -> None:
    from psycopg.types.json import Jsonb

    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    names = [f.attname for f in fields]
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for obj in objs:
            copy.write_row(
                [Jsonb(getattr(obj, n)) if n in json_fields else getattr(obj, n) for n in names]
            )
