"""Leave-one-source-out figures in minutes, not the better part of an hour: where the far misses are.

Usage: python bench/loso_misses.py [--cache DIR] [--jobs N] [--show N] [--source NAME]

`buyersync model train` searches a grid of settings over every fold; this fixes them at the
ones the shipped model carries (lexicon weight, naive Bayes share, heading weight, null bias,
temperature, read from its `meta`) and caches each fold's held-out model scores on disk,
keyed by the fold's training rows and the feature code, so that a change to the lexicon,
the cues or the decoding is measured again in seconds, and a change to the features or the
data refits only the folds it touches. Prints exact and within-one per held-out source file,
competitor_led precision and recall, the far-miss confusion (true stage → located stage,
two or more stages apart) and, with --show, the far-missed texts themselves.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


_PROBES = ["The CFO asked for the payback period, before the board meets.", "招标公告：下周三开标 RFP e-mail 3rd"]


def _fold_key(train: Sequence[dict[str, Any]], blend: float) -> str:
    from buyersync.locate import clean, training
    from buyersync.locate.model import ngrams

    h = hashlib.sha256()
    for mod in (training, clean):  # how the model is fitted and what it is handed
        h.update(inspect.getsource(mod).encode())
    for probe in _PROBES:  # the features, by what they are (not by the code that hashes them)
        h.update("\x01".join(ngrams(probe)).encode())
    h.update(str(blend).encode())
    for r in train:
        h.update(json.dumps([r["text"], r["stage"], r.get("competitor_led")], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def _held_out(args: tuple[list[dict[str, Any]], list[dict[str, Any]], float, Path]) -> dict[str, Any]:
    train, test, blend, path = args
    from buyersync.locate.training import _asked, assemble, fit_parts

    if path.is_file():
        with path.open("rb") as fh:
            cached: dict[str, Any] = pickle.load(fh)
        return cached
    model = assemble(fit_parts(train), blend)
    out = {text: model.predict(text) for r in test for text in _asked(r["text"])}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(out, fh)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache" / "loso")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--show", type=int, default=0, help="print this many far-missed texts")
    ap.add_argument("--source", default="", help="only show far misses of this source file")
    ap.add_argument("--gamma", type=float, default=None, help="lexicon weight (default: the shipped model's)")
    ap.add_argument("--ordinal", default="", help="comma-separated neighbour weights to try in decoding")
    a = ap.parse_args()

    from buyersync.locate.lexicon import default_headings, default_lexicon, default_modifiers
    from buyersync.locate.locator import Locator
    from buyersync.locate.model import shipped_model
    from buyersync.locate.training import (
        _figures,
        _led_precision_recall,
        _Replay,
        default_training_dir,
        load_rows,
    )
    from buyersync.method.stages import Stage

    shipped = shipped_model()
    meta = shipped.meta if shipped is not None else {}
    blend = float(meta.get("blend", 0.3))
    rows = load_rows([default_training_dir()])
    sources = sorted({r["_source"] for r in rows})
    jobs = []
    for s in sources:
        train = [r for r in rows if r["_source"] != s]
        test = [r for r in rows if r["_source"] == s]
        jobs.append((train, test, blend, a.cache / f"{s}.{_fold_key(train, blend)}.pkl"))
    if a.jobs > 1:
        from multiprocessing import Pool

        with Pool(a.jobs) as pool:
            parts = pool.map(_held_out, jobs, chunksize=1)
    else:
        parts = [_held_out(j) for j in jobs]
    held: dict[str, Any] = {}
    for p in parts:
        held.update(p)

    headings = replace(default_headings(), weight=float(meta.get("heading_weight", 4.0)))
    gamma = a.gamma if a.gamma is not None else float(meta.get("gamma", 0.3))
    locator = Locator(default_lexicon(), _Replay(held), gamma=gamma,
                      null_bias=float(meta.get("null_bias", -1.5)), headings=headings,
                      modifiers=default_modifiers(), temperature=float(meta.get("temperature", 1.0)),
                      sure_at=float(meta.get("sure_at", 0.0)))
    located = [locator.locate(r["text"]) for r in rows]
    fig = _figures(rows, [(p.stage, p.competitor_led) for p in located])
    prec, rec = _led_precision_recall(rows, [p.competitor_led for p in located])
    sure = [not p.uncertain for p in located]
    right = [p.stage.value == r["stage"] for p, r in zip(located, rows, strict=True)]
    n_sure = sum(sure)
    print(f"settings: blend {blend} gamma {locator.gamma} heading {headings.weight} "
          f"null_bias {locator.null_bias} temperature {locator.temperature} sure_at {locator.sure_at}")
    print(f"ALL {fig['n']}: exact {fig['exact']:.1%} within one {fig['within_one']:.1%} "
          f"competitor_led precision {prec} recall {rec} · sure of {n_sure / len(rows):.1%}, "
          f"right on those {sum(r for r, s in zip(right, sure, strict=True) if s) / max(n_sure, 1):.1%}")
    print("recall: " + " ".join(f"{k} {v:.1%}" for k, v in fig["recall"].items() if v is not None))
    for lam in [float(x) for x in a.ordinal.split(",") if x]:
        from buyersync.method.stages import STAGES

        ex = near = 0
        for p, r in zip(located, rows, strict=True):
            sc = [p.scores[s] for s in STAGES]
            win = [sc[k] + lam * ((sc[k - 1] if k else 0.0) + (sc[k + 1] if k + 1 < len(sc) else 0.0))
                   for k in range(len(sc))]
            k = win.index(max(win))
            t = Stage(r["stage"]).rank
            ex += k == t
            near += abs(k - t) <= 1
        print(f"ordinal {lam}: exact {ex / len(rows):.2%} within one {near / len(rows):.2%}")
    far = []
    print(f"{'source':28} {'n':>5} {'exact':>7} {'within':>7} {'far':>4}")
    for s in sources:
        idx = [i for i, r in enumerate(rows) if r["_source"] == s]
        f = _figures([rows[i] for i in idx], [(located[i].stage, located[i].competitor_led) for i in idx])
        n_far = sum(abs(located[i].stage.rank - Stage(rows[i]["stage"]).rank) > 1 for i in idx)
        print(f"{s:28} {f['n']:5} {f['exact']:7.1%} {f['within_one']:7.1%} {n_far:4}")
        far += [i for i in idx if abs(located[i].stage.rank - Stage(rows[i]["stage"]).rank) > 1]
    pairs = Counter((rows[i]["stage"], located[i].stage.value) for i in far)
    decided = Counter("lexicon/heading" if any(sg.kind == "stage" and sg.text for sg in located[i].signals)
                      else "model" for i in far)
    print(f"far misses: {len(far)} ({dict(decided)})")
    for (t, p), n in pairs.most_common(25):
        print(f"  {t:>12} → {p:<12} {n}")
    shown = 0
    for i in far:
        if shown >= a.show or (a.source and rows[i]["_source"] != a.source):
            continue
        shown += 1
        loc = located[i]
        print(f"--- {rows[i]['_source']} true {rows[i]['stage']} → {loc.stage.value} "
              f"({loc.confidence:.2f}) signals {[sg.text for sg in loc.signals][:3]}")
        print("   " + " ".join(rows[i]["text"].split())[:300])


if __name__ == "__main__":
    main()
