"""The model card: what the shipped stage model was trained on, how well it does, where it fails.

Its words live in text/model.yaml (English and Chinese); `buyersync model card` writes the
English one to docs/model-card.md.
"""

from __future__ import annotations

from typing import Any

from buyersync.text import t


def _pct(v: Any) -> str:
    return "—" if v is None else f"{float(v):.1%}"


def model_card_markdown(meta: dict[str, Any], lang: str = "en") -> str:
    cv = meta.get("cross_validation") or {}
    best = cv.get("best") or {}
    trained = meta.get("trained_on") or {}
    split = cv.get("split", "stratified")
    split_key = "model.split_source" if split in ("source", "source file") else "model.split_stratified"
    lines = [
        t("model.card_title", lang),
        "",
        t("model.card_version", lang, version=meta.get("version", "?")),
        t("model.card_features", lang, features=meta.get("features")),
        t("model.card_classifiers", lang, classifiers=meta.get("classifiers")),
        t("model.card_blend", lang, value=meta.get("blend")),
        t("model.card_gamma", lang, value=meta.get("gamma")),
        t("model.card_null_bias", lang, value=meta.get("null_bias")),
        t("model.card_heading", lang, value=meta.get("heading_weight")),
        t("model.card_reproduce", lang),
        "",
        t("model.card_data", lang),
        "",
        t("model.card_data_line", lang, n=trained.get("texts", "?"), fingerprint=trained.get("fingerprint")),
        "",
        t("model.card_data_head", lang),
        "|---|---|---|",
    ]
    recall = best.get("recall") or {}
    for stage, n in (trained.get("stages") or {}).items():
        lines.append(f"| {stage} | {n} | {_pct(recall.get(stage))} |")
    lines += [
        "",
        t("model.card_cv", lang, folds=cv.get("folds", "?"), split=t(split_key, lang)),
        "",
        t("model.card_exact", lang, value=_pct(best.get("exact"))),
        t("model.card_within", lang, value=_pct(best.get("within_one"))),
        t("model.card_led", lang, value=_pct(best.get("competitor_led"))),
        t("model.card_led_balanced", lang, value=_pct(best.get("competitor_led_balanced"))),
        t("model.card_led_pr", lang, precision=_pct(best.get("competitor_led_precision")),
          recall=_pct(best.get("competitor_led_recall"))),
        "",
        *_calibration(cv.get("calibration") or {}, lang),
        t("model.card_limits", lang),
        "",
    ]
    return "\n".join(lines)


def _calibration(cal: dict[str, Any], lang: str) -> list[str]:
    if not cal:
        return []
    head = t("model.card_calibration", lang,
             temperature=cal.get("temperature"), log_loss_before=cal.get("log_loss_before"),
             log_loss_after=cal.get("log_loss_after"), ece_before=_pct(cal.get("ece_before")),
             ece_after=_pct(cal.get("ece_after")), sure_at=_pct(cal.get("sure_at")),
             target=_pct(cal.get("sure_target")),
             source_target=_pct(cal.get("sure_source_target", cal.get("sure_target"))),
             min_texts=cal.get("sure_min_texts", "?"), band=_pct(cal.get("sure_band")),
             band_target=_pct(cal.get("sure_band_target")), sure_coverage=_pct(cal.get("sure_coverage")),
             sure_accuracy=_pct(cal.get("sure_accuracy")))
    rows = [f"| {row['bin']} | {row['n']} | {_pct(row['confidence'])} | {_pct(row['accuracy'])} |"
            for row in cal.get("reliability") or []]
    return [head, *rows, ""]
