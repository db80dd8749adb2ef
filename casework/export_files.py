"""Tables as files: CSV streamed row by row, XLSX written by openpyxl's write-only
workbook. What goes into the tables is `casework.exports`; this module only knows how
to write a cell safely.

- **Formula injection** (OWASP, "CSV injection"): a spreadsheet runs a cell whose text
  starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a
  formula. Every text cell that starts so gets a single quote in front, in CSV and
  XLSX alike; numbers stay numbers, dates stay dates.
- **Dates** are ISO 8601 in CSV (`2026-03-11`, `2026-03-11T14:05:00+01:00`); in XLSX
  they are real date cells shown as `yyyy-mm-dd` (Excel has no time zones: a moment
  is written in the programme's time zone, without offset).
- **Memory.** CSV is streamed (`StreamingHttpResponse`) over a query iterator: a
  constant amount of memory whatever the number of rows, and the first bytes leave
  before the last row is read. XLSX cannot be streamed: it is a zip file whose
  directory comes last. openpyxl's write-only mode keeps memory constant per row (each
  row goes to a temporary file as it is written, no cell objects are kept), and the
  finished zip goes to a temporary file on disk, which the response then streams. The
  price is disk space of about the file's size for the length of the request, and
  that the first byte leaves only when the last row is written.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_CONTENT_TYPE = "application/json"

# The first characters with which a spreadsheet reads a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_DATE_FORMAT = "yyyy-mm-dd"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel's longest sheet name.
SHEET_TITLE_MAX = 31


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (Dutch first, in the reader's language)
    and how a row gives its value."""

    header: Any  # a (lazy) translated string
    value: Callable[[Any], Any]


@dataclass
class Table:
    """An export: a file name, a sheet title, its columns and its rows (lazily read:
    an iterator over a query)."""

    filename: str  # without extension
    title: Any
    columns: list[Column]
    rows: Iterable[Any]

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def values(self) -> Iterator[list[Any]]:
        for row in self.rows:
            yield [column.value(row) for column in self.columns]


def neutralised(text: str) -> str:
    """`text`, with a single quote in front when a spreadsheet would run it as a
    formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralised(str(value))


def xlsx_cell(sheet, value: Any):
    if value is None:
        return None
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(
            sheet, value=timezone.localtime(value).replace(tzinfo=None, microsecond=0)
        )
        cell.number_format = XLSX_DATETIME_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    return neutralised(str(value))


class _Echo:
    """A file whose `write` hands back what it was given: `csv.writer` formats one
    row, the generator yields it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(table.headers())
    for values in table.values():
        yield writer.writerow([csv_cell(value) for value in values])


def attachment_name(table: Table, extension: str) -> str:
    return f"{table.filename}-{timezone.localdate().isoformat()}.{extension}"


def csv_response(table: Table) -> StreamingHttpResponse:
    """The table as CSV (RFC 4180, UTF-8, comma), streamed: the rows are read while
    the response is sent."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(table)),
        content_type=CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{attachment_name(table, "csv")}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_file(table: Table):
    """The table as an XLSX workbook in a temporary file (rewound), written row by
    row by openpyxl's write-only workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(table.title)[:SHEET_TITLE_MAX])
    sheet.append(table.headers())
    for values in table.values():
        sheet.append([xlsx_cell(sheet, value) for value in values])
    # Closed by the response once sent (FileResponse closes its file).
    target = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target


def xlsx_response(table: Table) -> FileResponse:
    response = FileResponse(
        xlsx_file(table),
        as_attachment=True,
        filename=attachment_name(table, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def table_response(table: Table, fmt: str):
    return xlsx_response(table) if fmt == "xlsx" else csv_response(table)
