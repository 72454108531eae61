"""GET /api/calls/export's body: the filtered calls as CSV in the requested time zone, streamed in chunks.

Two ways to the same bytes. On PostgreSQL the database writes the rows itself (`COPY (SELECT ...)
TO STDOUT WITH (FORMAT csv)`, timestamps formatted by SQL exactly as `datetime.isoformat()` writes
them): formatting each row in Python, the time zone conversion above all, capped the export at
about 25,000 rows/s. Other databases (SQLite) keep the Python writer. tests/calls/test_export.py
holds the two paths to the same bytes.
"""
from __future__ import annotations

import contextlib
import csv
import io
import zoneinfo
from collections.abc import AsyncIterator, Iterator
from itertools import islice
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import CharField, F, Func, QuerySet, Value
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
EXPORT_CHUNK = 2000  # rows a chunk; the header goes with the first
HEADER = (",".join(name for name, _ in EXPORT_COLUMNS) + "\r\n").encode()


async def csv_chunks(qs: QuerySet[Call], tz: zoneinfo.ZoneInfo) -> AsyncIterator[bytes]:
    """The export as CSV chunks; an async generator so ASGI streams it instead of buffering it whole."""
    chunks = copy_chunks(qs, tz) if connection.vendor == "postgresql" else python_chunks(qs, tz)
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
    while chunk := list(islice(rows, chunk_size)):
        writer.writerows([value.astimezone(tz).isoformat() if hasattr(value, "astimezone") else value for value in row] for row in chunk)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


class IsoFormat(Func):
    """A timestamp as `datetime.isoformat()` writes it in the time zone `tz`, written by PostgreSQL.

    YYYY-MM-DDTHH:MM:SS, then .ffffff only when there are microseconds, then the offset as +HH:MM
    (+HH:MM:SS for the odd historic offset, such as Monrovia's -00:44:30 until 1972).
    """

    output_field = CharField()
    arity = 1

    def __init__(self, expression: Any, *, tz: str) -> None:
        super().__init__(expression)
        self.tz = tz

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        raise NotImplementedError("IsoFormat is written for PostgreSQL; other databases format in Python.")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        assert not params, "a column, not an expression with parameters"
        local = f"({column} AT TIME ZONE %s)"
        offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
        seconds = f"abs(extract(epoch FROM {offset})::int)"
        sql = (
            f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
            f" || CASE WHEN date_trunc('second', {column}) = {column} THEN '' ELSE to_char({local}, '.US') END"
            f" || CASE WHEN {offset} < interval '0' THEN '-' ELSE '+' END"
            f" || lpad(({seconds} / 3600)::text, 2, '0') || ':' || lpad(({seconds} %% 3600 / 60)::text, 2, '0')"
            f" || CASE WHEN {seconds} %% 60 = 0 THEN '' ELSE ':' || lpad(({seconds} %% 60)::text, 2, '0') END"
        )
        return sql, [self.tz] * sql.count("%s")


def sql_column(column: str, tz: str) -> Any:
    """One export column as PostgreSQL's COPY must write it to match csv.writer."""
    if column in TIME_COLUMNS:
        return IsoFormat(F(column), tz=tz)
    if column in NUMBER_COLUMNS:
        return F(column)
    # COPY writes NULL as an empty field but quotes an empty string (""); csv.writer writes '' bare.
    return NullIf(F(column), Value(""))


def copy_chunks(qs: QuerySet[Call], tz: zoneinfo.ZoneInfo) -> Iterator[bytes]:
    """CSV chunks written by PostgreSQL: COPY ... TO STDOUT, one row a message, read as it comes."""
    chunk_size = EXPORT_CHUNK
    query = qs.values_list(*[sql_column(column, tz.key) for _, column in EXPORT_COLUMNS]).query
    try:
        sql, params = query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:  # a filter no row can match (a person with no store): the header alone
        yield HEADER
        return
    with connection.cursor() as cursor:
        statement = f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT WITH (FORMAT csv)"
        # Logged as a query like any other (query counts in tests, DEBUG's connection.queries).
        logged = cursor.debug_sql(statement) if hasattr(cursor, "debug_sql") else contextlib.nullcontext()
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
