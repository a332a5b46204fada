"""The text of an HTML e-mail (read by `clean.html_text`; imported only when a text is HTML)."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["TextOfHtml"]


class TextOfHtml(HTMLParser):
    """Collects an HTML e-mail's text: blocks on their own lines, scripts and styles dropped,
    <blockquote> content marked as quoted ('>' lines) for the mail splitter."""

    BLOCKS = {"p", "div", "br", "tr", "li", "table", "h1", "h2", "h3", "h4", "blockquote", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        if tag == "blockquote":
            self._quote += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        if tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._quote:  # quoted history in HTML mail: mark it as such for the splitter
            data = "\n".join("> " + line for line in data.split("\n") if line.strip())
            self.parts.append("\n" + data + "\n")
        else:
            self.parts.append(data)
