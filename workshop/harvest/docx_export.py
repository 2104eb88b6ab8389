"""The report as a Word document (python-docx), with the perspective coverage drawn as a chart."""

import io

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .. import media
from ..markup import tokens
from .chart import coverage_png
from .report import Item, Report, build
from .rows import xml_safe

MUTED = RGBColor(0x6B, 0x72, 0x80)
BULLET_STYLE_ID = "ListBullet"
DETAILS_STYLE_NAME = "Insight details"
DETAILS_STYLE_ID = "Insightdetails"


def paragraph(document, text: str, style: str | None = None, italic: bool = False):
    p = document.add_paragraph(style=style)
    run = p.add_run(xml_safe(text))  # python-docx turns "\n" into a line break
    run.italic = italic
    return p


def labelled(document, label: str, text: str):
    p = document.add_paragraph()
    p.add_run(f"{label}: ").bold = True
    p.add_run(xml_safe(text))
    return p


def quote(document, item: Item) -> None:
    p = document.add_paragraph(style="Quote")
    p.add_run(xml_safe(f"“{item.text}”"))
    credit = document.add_paragraph()
    credit.paragraph_format.left_indent = Cm(1)
    credit.paragraph_format.space_after = Pt(12)
    run = credit.add_run(
        xml_safe("— " + " · ".join(part for part in (item.attribution, item.recognised) if part))
    )
    run.font.color.rgb = MUTED
    run.font.size = Pt(10)


def bullet(document, item: Item) -> None:
    # Style ids set directly: python-docx looks a style up by name in O(styles) on every call,
    # which made a 5,000-insight report take most of a minute.
    p = document.add_paragraph()
    p._p.get_or_add_pPr().style = BULLET_STYLE_ID
    add_text(p, item.text)
    details = " · ".join(
        part for part in (item.kind, item.attribution, item.recognised, item.also) if part
    )
    run = add_text(p, f"  ({details})")
    run._r.get_or_add_rPr().style = DETAILS_STYLE_ID


def picture(document, item: Item, table: str, words: dict) -> None:
    """The item's photo at full size (Word scales it to the column; the file keeps the pixels)."""
    if not item.photo:
        return
    path = media.path_of(item.photo)
    if not path.is_file():
        return
    shown = document.add_picture(str(path), width=Cm(12))
    description = item.text.strip() or words["photo"].format(table=table)
    shown._inline.docPr.set("title", xml_safe(words["photo"].format(table=table)))
    shown._inline.docPr.set("descr", xml_safe(description))


def add_text(p, text: str):
    """A run with the text; plain text skips python-docx's character-by-character path."""
    text = xml_safe(text)
    if any(c in text for c in "\t\n\r"):
        return p.add_run(text)  # python-docx turns these into tabs and line breaks
    run = p.add_run()
    element = OxmlElement("w:t")
    element.text = text
    element.set(qn("xml:space"), "preserve")
    run._r.append(element)
    return run


def story(document, text: str, below: int) -> None:
    """A story's Markdown as Word paragraphs: headings, paragraphs, lists, quotes, bold, italic."""
    heading, styles = None, []
    for token in tokens(text):
        if token.type == "heading_open":
            heading = min(9, int(token.tag[1]) + below)
        elif token.type == "bullet_list_open":
            styles.append("List Bullet")
        elif token.type == "ordered_list_open":
            styles.append("List Number")
        elif token.type == "blockquote_open":
            styles.append("Quote")
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            styles.pop()
        elif token.type == "inline":
            if heading is not None:
                document.add_heading(xml_safe(token.content), heading)
                heading = None
            else:
                inline(document.add_paragraph(style=styles[-1] if styles else None), token)
        elif token.type in ("fence", "code_block"):
            paragraph(document, token.content.rstrip("\n"))


def inline(p, token) -> None:
    """The runs of one Markdown paragraph; a link keeps its address after the text."""
    bold = italic = strike = False
    link = None
    for child in token.children or []:
        kind = child.type
        if kind in ("strong_open", "strong_close"):
            bold = kind == "strong_open"
        elif kind in ("em_open", "em_close"):
            italic = kind == "em_open"
        elif kind in ("s_open", "s_close"):
            strike = kind == "s_open"
        elif kind == "link_open":
            link = child.attrGet("href")
        elif kind == "link_close":
            if link:
                p.add_run(xml_safe(f" ({link})"))
            link = None
        elif kind in ("text", "code_inline", "softbreak", "hardbreak"):
            text = {"softbreak": " ", "hardbreak": "\n"}.get(kind, child.content)
            run = p.add_run(xml_safe(text))
            run.bold, run.italic, run.font.strike = bold or None, italic or None, strike or None


def add_details_style(document) -> None:
    """A character style for the small grey line after each insight (kind, author, votes)."""
    style = document.styles.add_style(DETAILS_STYLE_NAME, WD_STYLE_TYPE.CHARACTER)
    style.font.italic = True
    style.font.color.rgb = MUTED
    style.font.size = Pt(9.5)
    assert style.style_id == DETAILS_STYLE_ID
    assert document.styles["List Bullet"].style_id == BULLET_STYLE_ID


APP_NAME = "Aan tafel"
LANGUAGE_TAGS = {"nl": "nl-NL", "en": "en-GB"}


def render(report: Report) -> bytes:
    words = report.words
    document = Document()
    properties = document.core_properties  # else Word shows "python-docx" as the author
    properties.title = xml_safe(report.title)
    properties.subject = xml_safe(report.subtitle)
    properties.author = properties.last_modified_by = APP_NAME
    properties.language = LANGUAGE_TAGS[report.language]
    properties.comments = ""
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")  # spelling check and hyphenation in the report's language
    lang.set(qn("w:val"), LANGUAGE_TAGS[report.language])
    rpr.append(lang)
    add_details_style(document)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2.2)

    nested = len(report.sessions) > 1
    level = (lambda n: n + 1) if nested else (lambda n: n)
    document.add_heading(xml_safe(report.title), 0)
    paragraph(document, report.subtitle, "Subtitle")
    for session in report.sessions:
        if nested:
            document.add_heading(xml_safe(session.title), 1)
            paragraph(document, session.date, italic=True)
        if session.description:
            paragraph(document, session.description)
        paragraph(document, session.intro, italic=True)
        for table in session.tables:
            document.add_heading(xml_safe(table.name), level(1))
            if table.question:
                labelled(document, words["question"], table.question)
            if table.host:
                labelled(document, words["host"], table.host)
            if table.story:
                document.add_heading(words["story"], level(2))
                story(document, table.story, level(2))
            else:
                document.add_heading(words["summary"], level(2))
                if table.summary:
                    paragraph(document, table.summary)
                else:
                    paragraph(document, words["no_summary"], italic=True)
            if not table.count:
                paragraph(document, words["no_insights"], italic=True)
                continue
            if table.quotes:
                document.add_heading(words["quotes"], level(2))
                for each in table.quotes:
                    quote(document, each)
                    picture(document, each, table.name, words)
            if table.groups:
                document.add_heading(words["by_perspective"], level(2))
                for label, items in table.groups:
                    document.add_heading(xml_safe(label), level(3))
                    for each in items:
                        bullet(document, each)
                        picture(document, each, table.name, words)
        themes(document, report, session, level)
        coverage(document, report, session, level)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def themes(document, report: Report, session, level) -> None:
    words = report.words
    if not session.themes:
        return
    document.add_heading(words["themes"], level(1))
    paragraph(document, words["themes_note"], italic=True)
    for theme in session.themes:
        document.add_heading(xml_safe(f"{theme.name} ({theme.votes})"), level(2))
        if not theme.items:
            paragraph(document, words["theme_empty"], italic=True)
        for each in theme.items:
            bullet(document, each)


def coverage(document, report: Report, session, level) -> None:
    words = report.words
    if not session.perspectives:  # a tag set without perspectives has nothing to cover
        return
    document.add_heading(words["coverage"], level(1))
    image = coverage_png(
        [(table.name, table.coverage) for table in session.tables],
        [(key, short) for key, _, short in session.perspectives],
    )
    picture = document.add_picture(io.BytesIO(image), width=Cm(16.5))
    # Alt text: the chart's numbers in words, for a screen reader (Word's "Alt Text" field).
    picture._inline.docPr.set("title", xml_safe(words["coverage"]))
    picture._inline.docPr.set("descr", xml_safe(coverage_description(report, session)))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(document, words["coverage_note"], italic=True)
    for table in session.tables:
        missing = [short for key, _, short in session.perspectives if not table.coverage[key]]
        if missing:
            p = document.add_paragraph(style="List Bullet")
            p.add_run(xml_safe(table.name)).bold = True
            p.add_run(f" — {words['blind_spots']}: {', '.join(missing)}")


def coverage_description(report: Report, session) -> str:
    """What the coverage chart shows: per table, how many insights touch each perspective."""
    rows = [
        f"{table.name}: "
        + ", ".join(f"{short} {table.coverage[key]}" for key, _, short in session.perspectives)
        for table in session.tables
    ]
    return f"{report.words['coverage']}. " + "; ".join(rows) + "."


def write(sessions, options) -> bytes:
    """Export the sessions as a Word report."""
    return render(build(sessions, options))
