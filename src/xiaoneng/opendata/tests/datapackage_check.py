"""A by-hand check of a Frictionless tabular data package (v1) and its files.

The ``frictionless`` library would pull in a dozen packages for the tests alone; what the
package promises is small enough to check here: the descriptor's required properties and
patterns (Data Package, Tabular Data Resource, Table Schema), and every cell of every file
against its field's type and constraints, the primary key's uniqueness, and the JSON file
holding the same rows as the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

NAME = re.compile(r"^[a-z0-9._/-]+$")
TABLE_SCHEMA_TYPES = {
    "string",
    "number",
    "integer",
    "boolean",
    "object",
    "array",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "any",
}
YEARMONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_descriptor(package: dict[str, Any]) -> list[str]:
    problems = []
    if package.get("profile") != "tabular-data-package":
        problems.append("profile is not tabular-data-package")
    if not NAME.match(package.get("name", "")):
        problems.append("package name does not match the pattern")
    licences = package.get("licenses")
    if not licences or not all(("name" in x or "path" in x) for x in licences):
        problems.append("licenses need a name or a path each")
    resources = package.get("resources") or []
    if not resources:
        problems.append("no resources")
    names = [r.get("name", "") for r in resources]
    if len(set(names)) != len(names):
        problems.append("resource names repeat")
    for r in resources:
        where = r.get("name", "?")
        if not NAME.match(r.get("name", "")):
            problems.append(f"{where}: name does not match the pattern")
        path = r.get("path", "")
        if not path or path.startswith("/") or ".." in path or "://" in path:
            problems.append(f"{where}: path must be a relative file name")
        if r.get("profile") != "tabular-data-resource":
            problems.append(f"{where}: not a tabular-data-resource")
        schema = r.get("schema") or {}
        fields = schema.get("fields") or []
        if not fields:
            problems.append(f"{where}: schema has no fields")
        field_names = [f.get("name") for f in fields]
        if len(set(field_names)) != len(field_names):
            problems.append(f"{where}: field names repeat")
        for f in fields:
            if f.get("type", "string") not in TABLE_SCHEMA_TYPES:
                problems.append(f"{where}.{f.get('name')}: unknown type {f.get('type')}")
            if not f.get("title"):
                problems.append(f"{where}.{f.get('name')}: no title")
        for key in schema.get("primaryKey", []):
            if key not in field_names:
                problems.append(f"{where}: primary key {key} is not a field")
        if not all(isinstance(v, str) for v in schema.get("missingValues", [""])):
            problems.append(f"{where}: missingValues must be strings")
    return problems


def _typed(value: str, field: dict[str, Any], missing: list[str]) -> Any:
    if value in missing:
        return None
    kind = field.get("type", "string")
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise ValueError(f"{value!r} is not an integer")
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(f"{value!r} is not a boolean")
        return value == "true"
    if kind == "yearmonth" and not YEARMONTH.match(value):
        raise ValueError(f"{value!r} is not a year-month")
    return value


def _check_cell(value: Any, field: dict[str, Any]) -> None:
    constraints = field.get("constraints", {})
    if value is None:
        if constraints.get("required"):
            raise ValueError("a required value is missing")
        return
    if "minimum" in constraints and value < constraints["minimum"]:
        raise ValueError(f"{value} is below the minimum")
    if "maximum" in constraints and value > constraints["maximum"]:
        raise ValueError(f"{value} is above the maximum")


def read_csv(content: bytes, resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The CSV's rows, typed by the schema; raises on any cell that breaks it."""
    schema = resource["schema"]
    fields = schema["fields"]
    missing = schema.get("missingValues", [""])
    text = content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    if header != [f["name"] for f in fields]:
        raise ValueError(f"{resource['path']}: the header is not the schema's fields")
    rows = []
    for number, line in enumerate(reader, start=2):
        if len(line) != len(fields):
            raise ValueError(f"{resource['path']} line {number}: {len(line)} cells")
        row = {}
        for f, raw in zip(fields, line, strict=True):
            try:
                value = _typed(raw, f, missing)
                _check_cell(value, f)
            except ValueError as error:
                raise ValueError(f"{resource['path']} line {number} {f['name']}: {error}") from None
            row[f["name"]] = value
        rows.append(row)
    key = schema.get("primaryKey")
    if key:
        keys = [tuple(r[k] for k in key) for r in rows]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{resource['path']}: the primary key repeats")
    return rows


def read_json(content: bytes, resource: dict[str, Any]) -> list[dict[str, Any]]:
    rows = json.loads(content)
    fields = resource["schema"]["fields"]
    for row in rows:
        if list(row) != [f["name"] for f in fields]:
            raise ValueError(f"{resource['path']}: a row's keys are not the schema's fields")
        for f in fields:
            _check_cell(row[f["name"]], f)
    return rows
