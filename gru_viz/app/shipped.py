"""The shipped models' results that come with the code, so that a server's first start on a new
machine shows its tabs at once: `python -m gru_viz.app.shipped` computes them.

For every shipped model (gru_viz.sources.REFERENCES) and every analysis the page computes ahead
of need (`analyses_ahead`), and the carry units (`results_shipped`), the result is written to
assets/results, in a folder named for the code that computes it
(gru_viz.app.result_store.analysis_version), unless it would not be the same if computed again
(Analysis.lasts: a proof search cut short by its clock). Older folders are removed. The page
reads them after its own store (gru_viz.app.cache), and only while the analyses' code is the one
that computed them. tests/test_shipped.py computes them all again, compares, and fails when the
folder is not the current code's: run this module again then.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from gru_viz.analyses import Analysis
from gru_viz.app.result_store import PREFIX, SHIPPED_ROOT, ResultStore, analysis_version


def analyses_ahead() -> tuple[Analysis, ...]:
    """The heavy analyses the page computes ahead of need for the shared and the shipped
    models, in the order it queues them: How far it adds first, the proof last (a search that
    fails takes its whole time budget)."""
    from gru_viz.views.length import LENGTH_CURVE
    from gru_viz.views.machine import MACHINE
    from gru_viz.views.proof import MODEL_PROOF
    from gru_viz.views.saturation import SATURATION
    from gru_viz.views.state_map import STATE_MAP
    from gru_viz.views.units import RANKING

    return (LENGTH_CURVE, MACHINE, STATE_MAP, RANKING, SATURATION, MODEL_PROOF)


def results_shipped() -> tuple[Analysis, ...]:
    """What is shipped for each shipped model: the analyses computed ahead of need, and the
    quick ones the page keeps on disk too (Analysis.stored: the carry units, which the sum and
    How far it adds ask for at once)."""
    from gru_viz.analyses import CARRY_UNITS

    return (*analyses_ahead(), CARRY_UNITS)


def shipped_models() -> list:
    """The shipped models, each once (two names may load the same weights)."""
    from gru_viz.sources import reference_models

    return list({m.fingerprint(): m for m in reference_models().values()}.values())


def compute(root: Path = SHIPPED_ROOT, log=print) -> Path:
    """Compute every shipped result into root's folder for the current code (emptied first);
    remove the other folders; the folder."""
    from gru_viz.app.cache import disk_key

    version = analysis_version()
    for old in root.glob(f"{PREFIX}*"):
        shutil.rmtree(old)
    store = ResultStore(root, version=version, max_bytes=2**40)
    for model in shipped_models():
        for analysis in results_shipped():
            start = time.perf_counter()
            value = analysis(model)
            kept = analysis.lasts(value)
            if kept and not store.save(model.fingerprint(), disk_key(analysis, ()), value):
                raise RuntimeError(f"could not write {analysis.name} to {store.folder}")
            seconds = time.perf_counter() - start
            verdict = "kept" if kept else "not kept: it would differ if computed again"
            log(f"{model.fingerprint()} {analysis.name}: {seconds:.1f} s, {verdict}")
    return store.folder


def main() -> int:
    folder = compute()
    size = sum(p.stat().st_size for p in folder.glob("*.pkl"))
    print(f"{folder}: {len(list(folder.glob('*.pkl')))} results, {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
