"""The report as Markdown (CommonMark), ready for a knowledge site or a newsletter."""

import re

# Participants' text is shown as typed (escaped); a story is Markdown already (headings demoted).
from ..markup import demote_headings, escape
from .report import Item, Report, build


def lines_of(text: str) -> list[str]:
    """Escaped lines of a text, each line typed its own paragraph (a blank line between).

    Not a hard break with a trailing backslash or two spaces: pasted into a website's editor those
    show as a stray "\\" or vanish, while paragraphs read right rendered and pasted alike.
    """
    lines = [escape(line.strip()) for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    out = []
    for number, line in enumerate(lines or [""]):
        out += [""] if number else []
        out.append(line)
    return out


def quote(item: Item) -> list[str]:
    body = lines_of(item.text)
    body[0] = "“" + body[0]
    body[-1] = body[-1] + "”"
    credit = " · ".join(part for part in (escape(item.attribution), item.recognised) if part)
    return [("> " + line).rstrip() for line in [*body, "", f"— {credit}"]] + [""]


def bullet(item: Item) -> list[str]:
    body = lines_of(item.text)
    details = " · ".join(
        part
        for part in (
            escape(item.kind),
            escape(item.attribution),
            item.recognised,
            escape(item.also),
        )
        if part
    )
    body[-1] += f" *({details})*"
    return ["- " + body[0]] + [("  " + line).rstrip() for line in body[1:]]


def picture(item: Item, table: str, report: Report, images: dict | None) -> list[str]:
    """The item's photo as a Markdown image with a relative link (the zip bundle only)."""
    if not images or item.photo not in images:
        return []
    alt = escape(item.text.splitlines()[0][:120]) if item.text.strip() else ""
    alt = alt or escape(report.words["photo"].format(table=table))
    return [f"![{alt}]({images[item.photo]})", ""]


def render(report: Report, images: dict | None = None) -> str:
    """The report; `images` maps a photo's stored name to its path inside the bundle."""
    words = report.words
    nested = len(report.sessions) > 1
    h = (lambda level: "#" * (level + 1) + " ") if nested else (lambda level: "#" * level + " ")
    out = [f"# {escape(report.title)}", "", f"*{escape(report.subtitle)}*", ""]
    for session in report.sessions:
        if nested:
            out += [f"## {escape(session.title)}", "", f"*{escape(session.date)}*", ""]
        if session.description:
            out += [*lines_of(session.description), ""]
        out += [session.intro, ""]
        for table in session.tables:
            out += [f"{h(2)}{escape(table.name)}", ""]
            if table.question:
                out += [f"**{words['question']}:** " + " ".join(lines_of(table.question)), ""]
            if table.host:
                out += [f"**{words['host']}:** {escape(table.host)}", ""]
            if table.story:  # Markdown already, its headings put below the table's
                out += [f"{h(3)}{words['story']}", ""]
                out += [demote_headings(table.story, len(h(3)) - 1).strip(), ""]
            else:
                out += [f"{h(3)}{words['summary']}", ""]
                out += [*(lines_of(table.summary) if table.summary else [words["no_summary"]]), ""]
            if not table.count:
                out += [f"*{words['no_insights']}*", ""]
                continue
            if table.quotes:
                out += [f"{h(3)}{words['quotes']}", ""]
                for each in table.quotes:
                    out += quote(each)
                    out += picture(each, table.name, report, images)
            if table.groups:
                out += [f"{h(3)}{words['by_perspective']}", ""]
                for label, items in table.groups:
                    out += [f"{h(4)}{escape(label)}", ""]
                    for each in items:
                        out += bullet(each)
                        # Indented: the image stays inside its list item.
                        shown = picture(each, table.name, report, images)
                        out += ["", "  " + shown[0]] if shown else []
                    out += [""]
        out += themes(report, session, h)
        out += coverage(report, session, h)
    return "\n".join(out).rstrip() + "\n"


def themes(report: Report, session, h) -> list[str]:
    words = report.words
    if not session.themes:
        return []
    out = [f"{h(2)}{words['themes']}", "", words["themes_note"], ""]
    for theme in session.themes:
        out += [f"{h(3)}{escape(theme.name)} ({theme.votes})", ""]
        if not theme.items:
            out += [f"*{words['theme_empty']}*", ""]
            continue
        for each in theme.items:
            out += bullet(each)
        out += [""]
    return out


def coverage(report: Report, session, h) -> list[str]:
    words = report.words
    if not session.perspectives:  # a tag set without perspectives has nothing to cover
        return []
    out = [f"{h(2)}{words['coverage']}", "", words["coverage_note"], ""]
    out.append("| " + " | ".join([words["table"], *(s for _, _, s in session.perspectives)]) + " |")
    out.append("|" + "---|" * (len(session.perspectives) + 1))
    for table in session.tables:
        cells = [str(table.coverage[key] or "–") for key, _, _ in session.perspectives]
        out.append("| " + " | ".join([escape(table.name), *cells]) + " |")
    out.append("")
    for table in session.tables:
        missing = [short for key, _, short in session.perspectives if not table.coverage[key]]
        if missing:
            out.append(f"- **{escape(table.name)}** — {words['blind_spots']}: {', '.join(missing)}")
    return [*out, ""]


def write(sessions, options) -> bytes:
    """Export the sessions as a Markdown report."""
    return render(build(sessions, options)).encode("utf-8")
