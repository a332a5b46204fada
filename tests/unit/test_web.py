"""The web app's pure parts: words, language choice, highlighting, limits (the access
rules: test_team_service.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buyersync.method.model import Signal
from buyersync.method.stages import Lang
from buyersync.web import views
from buyersync.web.i18n import PageWords, negotiate, words
from buyersync.web.pages import local_path

TEMPLATES = Path(views.__file__).parent / "templates"


def test_every_page_word_is_there_in_chinese_and_in_english():
    for key, entry in words().items():
        assert set(entry) == {"zh", "en"}, key
        for text in entry.values():  # a string, or plural forms
            forms = text.values() if isinstance(text, dict) else [text]
            assert isinstance(text, str) or set(text) == {"one", "other"}, key
            assert all(f.strip() for f in forms), key


def test_every_word_a_template_asks_for_is_in_the_word_list():
    asked: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        asked |= set(re.findall(r"\bt\('([a-z_]+)'\s*[,)]", path.read_text("utf-8")))
    assert asked, "the templates use t('key')"
    assert asked <= set(words()), sorted(asked - set(words()))


def test_every_code_the_pages_name_has_its_words():
    """Templates build some keys from a code (t('warning_' ~ code)): each code needs one."""
    from buyersync.method.stages import ActionKind, Driver, Exchange, WarningCode

    families = {
        "warning_": [w.value for w in WarningCode],
        "driver_": [d.value for d in Driver] + ["none"],
        "attitude_": ["supporter", "neutral", "opponent", "unknown"],
        "history_cause_": ["evidence", "manual", "import"],
        "letter_kind_": ["exchange_conditions", "walk_away"],
        "outcome_": ["open", "won", "lost", "all"],
        "stage_source_": ["given", "evidence"],
        "action_": [k.value for k in ActionKind],
        "exchange_": [x.value for x in Exchange] + ["none"],
    }
    missing = [prefix + code for prefix, codes in families.items() for code in codes
               if prefix + code not in words()]
    assert not missing


def test_words_fill_placeholders_and_show_an_unknown_key_as_itself():
    assert PageWords(Lang.en)("deals_count", n=3) == "3 deals"
    assert PageWords(Lang.zh)("deals_count", n=3) == "共 3 个交易"
    assert PageWords(Lang.en)("no_such_key") == "no_such_key"
    assert PageWords(Lang.zh).stage("solution") == "方案"


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    (None, "en-US,en;q=0.9,zh;q=0.8", "en"),
    (None, "fr-FR,zh-TW;q=0.5", "zh"),
    (None, "de-DE", "en"),
    (None, None, "en"),
    (None, "en;q=0.2,zh;q=0.7", "zh"),
    (None, "zh;q=0, en", "en"),
    ("zh", "en-US", "zh"),
    ("xx", "zh", "zh"),
])
def test_the_language_comes_from_the_cookie_else_the_browser(cookie, header, expected):
    assert negotiate(cookie, header).value == expected


def test_signals_are_marked_and_everything_else_is_escaped():
    text = "<b>客户</b>发来招标文件，招标文件要求两周内回应"
    out = str(views.highlight(text, [Signal(text="招标文件", stage="solution")],
                              {"solution": "方案"}))
    assert out.count('<mark class="sig sig-solution" title="方案">招标文件</mark>') == 2
    assert "&lt;b&gt;客户&lt;/b&gt;" in out and "<b>" not in out


def test_overlapping_signals_become_one_mark():
    out = str(views.highlight("please send the RFP today", [
        Signal(text="send the RFP", stage="solution"), Signal(text="the RFP today", stage="solution")]))
    assert out.count("<mark") == 1
    assert ">send the RFP today</mark>" in out


def test_a_signal_that_is_not_in_the_text_marks_nothing():
    assert str(views.highlight("plain words", [Signal(text="absent")])) == "plain words"


def test_bars_never_overflow_and_keep_a_sliver_for_small_values():
    assert views.bar_width(1.7) == 100
    assert views.bar_width(-1) == 0
    assert views.bar_width(0.001) == 1
    assert views.bar_width(0.35) == 35


@pytest.mark.parametrize(("target", "expected"), [
    ("/deals/x?y=1", "/deals/x?y=1"),
    (None, "/"),
    ("https://elsewhere.example/", "/"),
    ("//elsewhere.example/", "/"),
    ("/\\elsewhere.example", "/"),
    ("deals", "/"),
])
def test_redirects_stay_on_this_site(target, expected):
    assert local_path(target) == expected


def test_the_edit_forms_read_into_changes_or_refuse_with_a_known_message():
    from buyersync.method.model import Deal
    from buyersync.method.stages import Stage
    from buyersync.web import edits

    deal = Deal(name="d", drivers={Stage.problem: "competitor"}, competitors=["A"])
    out = edits.drivers(deal, Stage.goal, {"csrf_token": ["x"], "driver_pain": ["us"]})
    assert out == {"drivers": {Stage.problem: "competitor", Stage.pain: "us"}}
    facts = edits.facts(deal, Stage.goal, {"competitors": ["B、C, B"], "outcome": ["won"],
                                           "lost_reason": ["kept only when lost"]})
    assert facts["competitors"] == ["B", "C"] and facts["lost_reason"] is None
    refusals = [
        (edits.drivers, {"driver_goal": ["us"]}, "edit_stage_not_passed"),
        (edits.drivers, {"driver_x": ["us"]}, "edit_bad_stage"),
        (edits.drivers, {"driver_pain": ["us", "competitor"]}, "edit_twice"),
        (edits.facts, {"outcome": ["won"], "name": ["x"]}, "edit_unknown_field"),
        (edits.add_contact, {"name": [""]}, "edit_need_name"),
        (edits.remove_action, {"index": ["0"]}, "edit_bad_index"),
    ]
    for reader, fields, key in refusals:
        with pytest.raises(edits.Refused) as caught:
            reader(deal, Stage.goal, fields)
        assert caught.value.key == key and key in words(), key


def test_counts_take_the_right_form_and_rules_and_sources_read_in_the_pages_language():
    from buyersync.method.stages import Lang
    from buyersync.web.i18n import PageWords

    en, zh = PageWords(Lang.en), PageWords(Lang.zh)
    assert en("days_in_stage", days=1) == "1 day at this stage"
    assert en("days_in_stage", days=2) == "2 days at this stage"
    assert en("deals_count", n=1) == "1 deal" and zh("deals_count", n=1) == "共 1 个交易"
    assert zh.rule("§4 solution") == "§4 " + zh.stage("solution")
    assert (zh.source("WeChat"), en.source("email"), en.source("Slack")) == ("微信", "e-mail", "Slack")
    assert zh.join(["Acme", "Globex"]) == "Acme、Globex"


def test_session_cookies_are_itsdangerous_cookies_both_ways():
    """The session's serializer (web/session.py) keeps its signer and skips compressing,
    but its cookies are URLSafeTimedSerializer's: each reads the other's, a compressed
    payload included, and a cookie signed with another key is refused."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    from buyersync.web.session import SessionMiddleware

    ours = SessionMiddleware(app=None, secret_key="the key").signer  # type: ignore[arg-type]
    plain = URLSafeTimedSerializer("the key", salt="buyersync.session")
    import secrets

    small = {"csrf": secrets.token_urlsafe(32), "user": "li.wei"}  # as sessions are: random
    large = {"csrf": "y" * 43, "user": "z" * 300}  # compresses
    for session in (small, large):
        assert plain.loads(ours.dumps(session)) == session
        assert ours.loads(plain.dumps(session)) == session
        assert ours.loads(ours.dumps(session)) == session
    assert plain.dumps(large).startswith(".") and not ours.dumps(large).startswith(".")
    assert ours.dumps(small).split(".")[0] == plain.dumps(small).split(".")[0], \
        "the same payload when compressing does not pay"
    with pytest.raises(BadSignature):
        ours.loads(URLSafeTimedSerializer("other key", salt="buyersync.session").dumps(small))


def test_a_marked_page_is_the_text_with_the_token_in_every_mark_as_utf8():
    from buyersync.web.roomcache import CSRF_MARK, Marked

    html = f'<form><input value="{CSRF_MARK}"></form><p>客户的采购流程</p><meta c="{CSRF_MARK}">'
    assert Marked(html).filled("tok-1") == html.replace(str(CSRF_MARK), "tok-1").encode("utf-8")
    assert Marked("<p>no form</p>").filled("tok") == b"<p>no form</p>"


def test_the_pages_a_process_holds_are_few_and_only_under_their_own_stamp():
    from buyersync.web.roomcache import _Held

    held = _Held()
    held.keep("room:a", "1|x", "<p>one</p>")
    assert held.stamp("room:a") == "1|x" and held.stamp("room:b") == ""
    assert held.get("room:a", "2|x") is None, "another stamp: the database's page is read"
    page = held.get("room:a", "1|x")
    assert page is not None and page.filled("t") == b"<p>one</p>"
    for i in range(held.LIMIT + 10):
        held.keep(f"room:{i}", "1|x", "<p></p>")
    assert held.stamp("room:a") == "" and held.stamp(f"room:{held.LIMIT + 9}") == "1|x"
    assert len(held._pages) == held.LIMIT
