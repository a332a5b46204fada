"""Bad input, said in one line that names the file, the field and what was expected.

Every entry point turns a BadInput into its own answer (CLI: exit 2, HTTP: 422); none
lets a traceback reach the user. Messages follow the interface language: English by
default, Chinese when BUYERSYNC_LANG or LANG says zh.
"""

from __future__ import annotations

import os

_TEMPLATES: dict[str, dict[str, str]] = {
    "not_found": {"en": "{where}: no such file", "zh": "{where}：文件不存在"},
    "unreadable": {"en": "{where}: cannot read the file ({detail})",
                   "zh": "{where}：无法读取文件（{detail}）"},
    "too_large": {"en": "{where}: file is {size} bytes, more than the {limit}-byte limit",
                  "zh": "{where}：文件有 {size} 字节，超过 {limit} 字节的上限"},
    "empty": {"en": "{where}: file is empty; expected a deal (YAML or JSON mapping with at least `name`)",
              "zh": "{where}：文件是空的；需要一个交易（至少含 `name` 的 YAML 或 JSON 映射）"},
    "binary": {"en": "{where}: not UTF-8 text; expected a deal in YAML or JSON",
               "zh": "{where}：不是 UTF-8 文本；需要 YAML 或 JSON 格式的交易"},
    "syntax": {"en": "{where}: invalid {fmt} at line {line}: {detail}",
               "zh": "{where}：第 {line} 行 {fmt} 格式错误：{detail}"},
    "not_mapping": {"en": "{where}: expected a mapping of deal fields, got {got}",
                    "zh": "{where}：需要交易字段的映射，实际是 {got}"},
    "field": {"en": "{where}: field `{field}`: {detail}",
              "zh": "{where}：字段 `{field}`：{detail}"},
    "empty_text": {"en": "{where}: no text to locate on standard input",
                   "zh": "{where}：标准输入里没有要定位的文本"},
    "jsonl_line": {"en": "{where}: line {line}: {detail}", "zh": "{where}：第 {line} 行：{detail}"},
    # the workspace (store/, services/deals.py, imports/)
    "bad_url": {"en": "{where}: {url} is not a usable database URL ({detail}); expected "
                      "sqlite:///PATH or postgresql://USER@HOST/DATABASE",
                "zh": "{where}：{url} 不是可用的数据库地址（{detail}）；需要 sqlite:///路径 或 "
                      "postgresql://用户@主机/数据库"},
    "db_unavailable": {"en": "{where}: cannot open the workspace database {url}: {detail}",
                       "zh": "{where}：无法打开工作区数据库 {url}：{detail}"},
    "not_empty": {"en": "{where}: the workspace already holds {count} deals; restore needs an "
                        "empty workspace (--force replaces everything in it)",
                  "zh": "{where}：工作区里已有 {count} 个交易；恢复需要空的工作区"
                        "（--force 会替换其中的全部内容）"},
    "row": {"en": "{where}: row {row}: {detail}", "zh": "{where}：第 {row} 行：{detail}"},
    "message": {"en": "{where}: {detail}", "zh": "{where}：{detail}"},
}


def ui_lang() -> str:
    lang = os.environ.get("BUYERSYNC_LANG") or os.environ.get("LANG", "")
    return "zh" if lang.lower().startswith("zh") else "en"


class BadInput(Exception):
    """Input a user can fix; str(error) is the one line to show them."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        self.field = values.get("field")
        super().__init__(self.render())

    def render(self, lang: str | None = None) -> str:
        template = _TEMPLATES[key if (key := self.key) in _TEMPLATES else "field"]
        return template[lang or ui_lang()].format(**{k: str(v) for k, v in self.values.items()})


class NotFound(Exception):
    """An id that names nothing in the workspace (CLI: exit 2, HTTP: 404)."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        zh = {"deal": "交易", "evidence": "证据", "user": "用户"}.get(kind, kind)
        text = {"en": f"no {kind} with id {ident!r}", "zh": f"找不到 id 为 {ident!r} 的{zh}"}
        super().__init__(text[ui_lang()])
