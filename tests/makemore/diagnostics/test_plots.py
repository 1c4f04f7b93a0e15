"""The diagnostics pictures keep their titles inside the figure."""

from __future__ import annotations

import random

import pytest

from z2h.makemore.diagnostics import plots

LONG_TITLE = (
    "transformer.wte.weight: 64-d embeddings on 2 principal components (12% + 9% of variance)"
)


@pytest.fixture
def saved_figures(monkeypatch):
    """Each figure the plots module saves, drawn as it is written: (figure, renderer)."""
    seen = []
    real = plots.save_figure

    def record(fig, path, **kw):
        fig.canvas.draw()
        seen.append((fig, fig.canvas.get_renderer()))
        return real(fig, path, **kw)

    monkeypatch.setattr(plots, "save_figure", record)
    return seen


def _points(n: int = 27) -> tuple[list[tuple[float, float]], list[str]]:
    r = random.Random(0)
    return [(r.random(), r.random()) for _ in range(n)], [".", *"abcdefghijklmnopqrstuvwxyz"][:n]


@pytest.mark.parametrize("title", ["", "wte.weight: 2-d character embeddings", LONG_TITLE])
def test_embeddings_title_lies_inside_the_figure(tmp_path, saved_figures, title):
    points, labels = _points()
    path = plots.plot_embeddings(points, labels, tmp_path / "e.png", title)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ((fig, renderer),) = saved_figures
    title_box = fig.axes[0].title.get_window_extent(renderer)
    figure = fig.bbox
    assert figure.x0 <= title_box.x0 and title_box.x1 <= figure.x1, "title cut off at a side"
    assert title_box.y1 <= figure.y1, "title cut off at the top"
    # every word of the title is still there
    shown = fig.axes[0].title.get_text().split()
    assert shown == (title or "character embeddings").split()


def test_long_titles_wrap_in_every_picture(tmp_path, saved_figures):
    lrs, losses = [1e-3, 1e-2, 1e-1], [3.0, 2.5, 4.0]
    plots.plot_lr_sweep(
        lrs, losses, losses, 1e-2, tmp_path / "lr.png", f"{LONG_TITLE} {LONG_TITLE}"
    )
    ((fig, renderer),) = saved_figures
    box = fig.axes[0].title.get_window_extent(renderer)
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1
