"""An act as HTML (for the screen and any browser) and as PDF (for signing and filing).

The PDF embeds DejaVu Sans, shipped with pdpipe (Bitstream Vera licence, fonts/): the
act is in Russian by default, and a PDF that relied on the reader's fonts would show
Cyrillic as empty boxes on a machine without them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from fpdf import FPDF
from fpdf.fonts import FontFace

from pdpipe.report.documents.act import Act

_FONT = "DejaVu"
_NEXT_LINE: dict[str, Any] = {"new_x": "LMARGIN", "new_y": "NEXT"}
_CENTERED: dict[str, Any] = {"align": "C", **_NEXT_LINE}


def _tight(document: FPDF) -> dict[str, Any]:
    """Table lines a third taller than the font, not fpdf2's double height."""
    return {"line_height": document.font_size * 1.35}


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("pdpipe.report.documents", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


_CHILD_COLUMNS = (
    "col_system",
    "col_parent",
    "col_child",
    "col_column",
    "col_method",
    "col_parent_records",
    "col_rows",
)


def html(act: Act) -> str:
    return _TEMPLATES.get_template("act.html.j2").render(act=act)


def pdf(act: Act, path: Path) -> None:
    document = _Document(act)
    document.add_page()
    document.set_font(_FONT, "B", 14)
    document.multi_cell(0, 7, f"{act.title} {act.label('number')} {act.number}", **_CENTERED)
    document.set_font(_FONT, "", 10)
    document.multi_cell(0, 6, f"{act.label('drawn_up')}: {act.drawn_up.isoformat()}", **_CENTERED)
    document.ln(3)
    document.multi_cell(0, 5, act.legal_ground + ".", **_NEXT_LINE)
    document.ln(3)
    with document.table(
        col_widths=(30, 70), first_row_as_headings=False, text_align="LEFT", **_tight(document)
    ) as table:
        for name, text in act.field_rows():
            row = table.row()
            row.cell(name, style=FontFace(emphasis="BOLD"))
            row.cell(text)
    document.ln(3)
    document.set_font(_FONT, "B", 11)
    heading = "table_depersonalization" if act.depersonalization else "table"
    document.cell(0, 7, act.label(heading))
    document.ln(8)
    document.set_font(_FONT, "", 8)
    columns = ("col_system", "col_table", "col_categories", "col_method", "col_reason")
    with document.table(
        col_widths=(11, 12, 19, 27, 25, 14, 12),
        text_align=("LEFT",) * 6 + ("RIGHT",),
        **_tight(document),
    ) as table:
        table.row([act.label(c) for c in (*columns, "col_date", "col_records")])
        for line in act.rows:
            table.row(
                [
                    line.system,
                    line.table,
                    line.categories,
                    line.method,
                    line.reason,
                    line.date,
                    f"{line.records:,}",
                ]
            )
        total = table.row()
        total.cell(act.label("total"), colspan=6, style=FontFace(emphasis="BOLD"))
        total.cell(f"{act.records:,}")
    if act.children:
        document.ln(3)
        document.set_font(_FONT, "B", 11)
        document.cell(0, 7, act.label("children"))
        document.ln(8)
        document.set_font(_FONT, "", 8)
        with document.table(
            col_widths=(12, 14, 16, 14, 28, 13, 13),
            text_align=("LEFT",) * 5 + ("RIGHT", "RIGHT"),
            **_tight(document),
        ) as table:
            table.row([act.label(c) for c in _CHILD_COLUMNS])
            for child in act.children:
                table.row(
                    [
                        child.system,
                        child.parent,
                        child.table,
                        child.column,
                        child.method,
                        f"{child.records:,}",
                        act.rows_text(child),
                    ]
                )
    document.ln(3)
    document.set_font(_FONT, "B", 11)
    persons = "persons_depersonalization" if act.depersonalization else "persons"
    document.cell(0, 7, act.label(persons))
    document.ln(8)
    document.set_font(_FONT, "", 10)
    with document.table(col_widths=(40, 35, 25), line_height=9) as table:
        table.row([act.label("col_name"), act.label("col_position"), act.label("col_signature")])
        for person in act.persons:
            table.row([person.name, person.position, ""])
        if not act.persons:
            table.row().cell(act.label("persons_missing"), colspan=3)
    if act.notes:
        document.ln(3)
        document.set_font(_FONT, "B", 11)
        document.cell(0, 7, act.label("notes"))
        document.ln(8)
        document.set_font(_FONT, "", 9)
        for note in act.notes:
            document.multi_cell(0, 5, note, **_NEXT_LINE)
            document.ln(1)
    if act.keys:
        document.add_page()
        document.set_font(_FONT, "B", 11)
        document.cell(0, 7, act.label("appendix"))
        document.ln(8)
        for name, keys in act.keys.items():
            document.set_font(_FONT, "B", 9)
            document.cell(0, 6, f"{name} ({len(keys):,})")
            document.ln(6)
            document.set_font(_FONT, "", 8)
            document.multi_cell(0, 4, ", ".join(keys), **_NEXT_LINE)
            document.ln(2)
    document.output(str(path))


class _Document(FPDF):
    def __init__(self, act: Act) -> None:
        super().__init__(format="A4")
        self.act = act
        fonts = resources.files("pdpipe.report.documents") / "fonts"
        with resources.as_file(fonts / "DejaVuSans.ttf") as regular:
            self.add_font(_FONT, "", str(regular))
        with resources.as_file(fonts / "DejaVuSans-Bold.ttf") as bold:
            self.add_font(_FONT, "B", str(bold))
        self.set_title(f"{act.title} {act.number}")
        self.set_creator("pdpipe")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 7)
        self.cell(0, 5, f"{self.act.label('integrity')}    {self.page_no()}/{{nb}}", align="C")
