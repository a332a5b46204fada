"""Quick analysis (a text without a saved deal: the web's /quick) locates its text once,
for the answer it shows and for the plan alike."""

from __future__ import annotations

from buyersync.locate import default_locator
from buyersync.method.model import Location
from buyersync.method.stages import Driver, Lang, Stage
from buyersync.services.analysis import analyze, quick_analysis

TEXT = "收到招标文件：10月28日投标截止，要求提交技术方案和分项报价。"


class CountingLocator:
    """The shipped locator, counting the texts it is asked to locate."""

    def __init__(self) -> None:
        self.real = default_locator()
        self.texts = 0

    def locate(self, text: str) -> Location:
        self.texts += 1
        return self.real.locate(text)

    def locate_many(self, texts: list[str]) -> list[Location]:
        self.texts += len(texts)
        return self.real.locate_many(texts)


def test_quick_analysis_locates_its_text_once():
    counting = CountingLocator()
    found, analysis = quick_analysis(TEXT, name="Quick", shaped_by=Driver.competitor,
                                     lang=Lang.en, locator=counting)
    assert counting.texts == 1
    assert found.stage is Stage.solution and analysis.stage is found.stage
    assert analysis.evidence[0].stage is found.stage
    # the stages before the one the text shows were shaped as the form said
    assert {t.stage: t.driver for t in analysis.track if t.position == "passed"} == {
        s: Driver.competitor for s in found.stage.before()}


def test_the_answer_is_the_one_a_full_analysis_of_the_same_deal_gives():
    counting = CountingLocator()
    _, quick = quick_analysis(TEXT, name="Quick", lang=Lang.zh, locator=counting)
    from buyersync.method.model import Deal, Evidence

    full = analyze(Deal(name="Quick", evidence=[Evidence(text=TEXT)]), lang=Lang.zh,
                   locator=counting)
    assert counting.texts == 2, "one text each"
    assert quick == full
