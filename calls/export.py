"""GET /api/calls/export's body: the filtered calls as CSV in the requested time zone, streamed in chunks.

Two ways to the same bytes. On PostgreSQL the database writes the rows itself (`COPY (SELECT ...)
TO STDOUT WITH (FORMAT csv)`, each time written by to_char() in the requested zone exactly as
`datetime.isoformat()` writes it): formatting each row in Python, the time zone conversion above
all, capped the export at about 25,000 rows/s. Other databases (SQLite) keep the Python writer.
tests/calls/test_export.py holds the two paths to the same bytes.

A text cell a spreadsheet would read as a formula (OWASP "CSV injection": it begins with =, +, -, @, a tab
or a carriage return) is written with a single quote before it, in both paths alike; a phone number
column (caller, receiver) holding exactly an E.164 number (`+15551234567`) is written as it is.
"""
from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
import zoneinfo
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, CharField, F, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import NullIf

from calls.models import Call

EXPORT_COLUMNS = [
    ("callId", "call_id"), ("store", "store__slug"), ("type", "type"), ("caller", "caller"), ("receiver", "receiver"),
    ("startTime", "start_time"), ("endTime", "end_time"), ("status", "status"), ("language", "language"),
    ("duration", "duration"), ("interruptionCount", "interruption_count"), ("satisfaction", "satisfaction"),
    ("outcome", "outcome"), ("audioFile", "audio_file"),
]  # fmt: skip
TIME_COLUMNS = {"start_time", "end_time"}
NUMBER_COLUMNS = {"duration", "interruption_count"}
PHONE_COLUMNS = {"caller", "receiver"}
# What a spreadsheet reads as the start of a formula (OWASP), and what such a cell gets in front.
FORMULA_STARTS = frozenset("=+-@\t\r")
FORMULA_GUARD = "'"
# A whole E.164 number (ASCII digits only: Python's \d would take other scripts' digits too).
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
EXPORT_CHUNK = 2000  # rows a chunk; the header goes with the first
# to_char()'s picture of isoformat() with microseconds, in the session's time zone.
ISO_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM'
HEADER = (",".join(name for name, _ in EXPORT_COLUMNS) + "\r\n").encode()


async def csv_chunks(qs: QuerySet[Call], tz: zoneinfo.ZoneInfo) -> AsyncIterator[bytes]:
    """The export as CSV chunks; an async generator so ASGI streams it instead of buffering it whole."""
    by_database = connection.vendor == "postgresql" and whole_minute_offsets(tz.key)
    chunks = copy_chunks(qs, tz) if by_database else python_chunks(qs, tz)
    # One sync thread walks the cursor (or the COPY) from start to end.
    next_chunk = sync_to_async(lambda: next(chunks, None), thread_sensitive=True)
    try:
        while (chunk := await next_chunk()) is not None:
            yield chunk
    finally:
        # A client that hangs up mid-export: the COPY is cancelled, the cursor closed, in their thread.
        await sync_to_async(chunks.close, thread_sensitive=True)()


def python_chunks(qs: QuerySet[Call], tz: zoneinfo.ZoneInfo) -> Iterator[bytes]:
    """CSV chunks written row by row in Python (csv.writer, timestamps through `astimezone`)."""
    chunk_size = EXPORT_CHUNK
    rows = qs.values_list(*[column for _, column in EXPORT_COLUMNS]).iterator(chunk_size=chunk_size)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in EXPORT_COLUMNS])
    cells = [functools.partial(python_cell, column, tz) for _, column in EXPORT_COLUMNS]
    while chunk := list(islice(rows, chunk_size)):
        writer.writerows([cell(value) for cell, value in zip(cells, row)] for row in chunk)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


@functools.cache
def whole_minute_offsets(zone: str) -> bool:
    """Whether the zone's offsets from 1970 to 2100 are all whole minutes, as to_char's TZH:TZM writes them.

    isoformat() writes an offset's seconds too (Monrovia's -00:44:30 until 1972); such a zone is exported by Python.
    """
    tz = zoneinfo.ZoneInfo(zone)
    return all(datetime(year, month, 1, tzinfo=tz).utcoffset().total_seconds() % 60 == 0 for year in range(1970, 2101) for month in range(1, 13))


def python_cell(column: str, tz: zoneinfo.ZoneInfo, value: Any) -> Any:
    """One value as csv.writer gets it: a time in `tz` as isoformat(), a would-be formula guarded."""
    if column in TIME_COLUMNS:
        return value.astimezone(tz).isoformat() if value is not None else None
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        if column in PHONE_COLUMNS and E164.fullmatch(value):
            return value
        return FORMULA_GUARD + value
    return value


def sql_column(column: str) -> Any:
    """One export column as PostgreSQL's COPY must write it to match csv.writer."""
    if column in TIME_COLUMNS:
        # isoformat(): microseconds only when there are some, the offset as +HH:MM; in the session's zone.
        return Func(F(column), template=f"replace(to_char(%(expressions)s, '{ISO_FORMAT}'), '.000000', '')", output_field=CharField())
    if column in NUMBER_COLUMNS:
        return F(column)
    # COPY writes NULL as an empty field but quotes an empty string (""); csv.writer writes '' bare.
    return NullIf(guarded(column), Value(""))


def guarded(column: str) -> Func:
    """The column with a single quote before a would-be formula, exactly as python_cell() writes it."""
    # chr(9) and chr(13): tab and carriage return, without a backslash escape in the SQL text.
    starts = ", ".join(f"'{char}'" for char in sorted(FORMULA_STARTS - {"\t", "\r"})) + ", chr(9), chr(13)"
    condition = f"left(%(expressions)s, 1) IN ({starts})"
    if column in PHONE_COLUMNS:
        condition += f" AND %(expressions)s !~ '^{E164.pattern}$'"
    template = f"CASE WHEN {condition} THEN '{FORMULA_GUARD * 2}' || %(expressions)s ELSE %(expressions)s END"
    return Func(F(column), template=template, output_field=CharField())


def copy_chunks(qs: QuerySet[Call], tz: zoneinfo.ZoneInfo) -> Iterator[bytes]:
    """CSV chunks written by PostgreSQL: COPY ... TO STDOUT, one row a message, read as it comes."""
    from psycopg.pq import TransactionStatus

    chunk_size = EXPORT_CHUNK
    # to_char() writes a time in the session's time zone: a condition without columns, which PostgreSQL
    # checks once before reading the first row, sets it for the rest of the transaction (in autocommit,
    # this statement). Several times cheaper than converting each time by hand in SQL.
    in_zone = RawSQL("(SELECT set_config('TimeZone', %s, true)) IS NOT NULL", [tz.key], output_field=BooleanField())
    query = qs.filter(in_zone).values_list(*[sql_column(column) for _, column in EXPORT_COLUMNS]).query
    try:
        sql, params = query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # a filter no row can match (a person with no store): the header alone
        yield HEADER
        return
    with connection.cursor() as cursor:
        statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT WITH (FORMAT csv)"
        # Logged as a query like any other (query counts in tests, DEBUG's connection.queries).
        logged = cursor.debug_sql(statement) if hasattr(cursor, "debug_sql") else contextlib.nullcontext()
        try:
            with logged, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
                lines: list[Any] = [HEADER[:-2]]
                rows = 0
                # Each message is exactly one row ending in "\n"; csv.writer ends rows with "\r\n".
                # Newlines inside quoted fields stay as they are in both.
                for row in copy:
                    lines.append(row[:-1])
                    rows += 1
                    if rows == chunk_size:
                        yield b"\r\n".join(lines) + b"\r\n"
                        lines, rows = [], 0
                if lines:
                    yield b"\r\n".join(lines) + b"\r\n"
        finally:
            # Inside a transaction (a test's, ATOMIC_REQUESTS) the zone would outlive the COPY: Django reads
            # every timestamp as UTC. A transaction the cancelled COPY broke is rolled back, zone and all.
            if connection.in_atomic_block and connection.connection.info.transaction_status != TransactionStatus.INERROR:
                cursor.execute(connection.ops.set_time_zone_sql(), [connection.timezone_name])
