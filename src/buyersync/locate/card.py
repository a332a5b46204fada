"""The model card: what the shipped stage model was trained on, how well it does, where it fails."""

from __future__ import annotations

from typing import Any

LIMITS = """\
## Limits

- Trained on texts the project wrote itself (data/training: notes, e-mails, call notes,
  meeting minutes, tender excerpts and procurement notices in Chinese and English). Real
  customers write more loosely; expect lower figures on your own notes than in
  cross-validation, and add labelled examples from your team to `data/training` and retrain.
- Cross-validation holds out whole training files, each written separately, so a fold sees
  text in a style the model has not met. The lexicon was written while looking at the
  training texts, which flatters these figures a little. The development corpus figures in
  the README come from text neither the model nor the lexicon was trained on, but later
  training batches were written to cover kinds of notes that corpus showed missing (near
  copies removed by scripts/check_overlap.py), so they flatter too; expect lower on notes
  unlike both.
- E-mails are cleaned before they are read (quoted and forwarded history, signatures,
  disclaimers, header blocks, HTML); the newest message decides, and the thread below it is
  read only when the newest message carries no stage phrase. A reply that only says
  "thanks, talk Thursday" is marked `uncertain`.
- Negation, holds and future tense are read from cue words near a stage phrase (signals.yaml
  `modifiers`); a cue farther away than its clause, or a negation the lexicon does not list,
  is missed and left to the n-gram model.
- One text, one stage. A note that reports several stages at once (a history recap) gets
  the stage its strongest signals show; the deal-level view weighs the newest evidence.
- `competitor_led` reads the text only: it cannot know that a spec mirrors a rival's
  datasheet unless the note says so.
- Languages: Chinese and English, and notes mixing both. Other languages fall back to the
  character n-grams they share with these and are not supported.
"""


def _pct(v: Any) -> str:
    return "—" if v is None else f"{float(v):.1%}"


def model_card_markdown(meta: dict[str, Any]) -> str:
    cv = meta.get("cross_validation") or {}
    best = cv.get("best") or {}
    trained = meta.get("trained_on") or {}
    lines = [
        "# Model card: buyersync stage locator",
        "",
        f"- Version: `{meta.get('version', '?')}`",
        f"- Features: {meta.get('features')}",
        f"- Classifiers: {meta.get('classifiers')}",
        f"- Naive Bayes share of the stage model (chosen by cross-validation): {meta.get('blend')}",
        f"- Lexicon weight (chosen by cross-validation): {meta.get('gamma')}",
        f"- Null bias for competitor_led (chosen by cross-validation): {meta.get('null_bias')}",
        f"- Document-heading weight (set in headings.yaml): {meta.get('heading_weight')}",
        "- Reproduce: `buyersync model train data/training` (or `make train`).",
        "",
        "## Training data",
        "",
        f"{trained.get('texts', '?')} labelled texts, fingerprint `{trained.get('fingerprint')}`.",
        "",
        "| stage | texts | cross-validated recall |",
        "|---|---|---|",
    ]
    recall = best.get("recall") or {}
    for stage, n in (trained.get("stages") or {}).items():
        lines.append(f"| {stage} | {n} | {_pct(recall.get(stage))} |")
    lines += [
        "",
        f"## Cross-validated figures ({cv.get('folds', '?')}-fold, split by "
        f"{cv.get('split', 'stratified')}: each fold holds out one source file; model + lexicon)",
        "",
        f"- exact stage: {_pct(best.get('exact'))}",
        f"- within one stage: {_pct(best.get('within_one'))}",
        f"- competitor_led (true/false rows): {_pct(best.get('competitor_led'))}",
        f"- competitor_led balanced accuracy (true/false/null): "
        f"{_pct(best.get('competitor_led_balanced'))}",
        f"- competitor_led precision (of the texts it calls competitor-led, how many are): "  # text-ok: model card
        f"{_pct(best.get('competitor_led_precision'))}; recall: {_pct(best.get('competitor_led_recall'))}",
        "",
        *_calibration(cv.get("calibration") or {}),
        LIMITS,
    ]
    return "\n".join(lines)


CALIBRATION = """\
## Confidence and `uncertain`

Scores are tempered (temperature {temperature}, the least held-out log loss: {log_loss_before} → \
{log_loss_after}). Expected calibration error (10 bins, held out): {ece_before} before, {ece_after} after.
A location is `uncertain` below confidence {sure_at}: held out, the locator is sure of \
{sure_coverage} of texts and right on {sure_accuracy} of those.

| confidence bin | texts | mean confidence | accuracy |
|---|---|---|---|
"""  # text-ok: the model card is a developer document, in English like the code's docs


def _calibration(cal: dict[str, Any]) -> list[str]:
    if not cal:
        return []
    head = CALIBRATION.format(
        temperature=cal.get("temperature"), log_loss_before=cal.get("log_loss_before"),
        log_loss_after=cal.get("log_loss_after"), ece_before=_pct(cal.get("ece_before")),
        ece_after=_pct(cal.get("ece_after")), sure_at=_pct(cal.get("sure_at")),
        sure_coverage=_pct(cal.get("sure_coverage")), sure_accuracy=_pct(cal.get("sure_accuracy")))
    rows = [f"| {row['bin']} | {row['n']} | {_pct(row['confidence'])} | {_pct(row['accuracy'])} |"
            for row in cal.get("reliability") or []]
    return [head.rstrip("\n"), *rows, ""]
