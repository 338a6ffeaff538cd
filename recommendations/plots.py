"""Staff dashboard plots drawn with matplotlib's Agg canvas: plain numbers in, PNG bytes out.

No Django here and no pyplot: each call builds its own Figure on an Agg canvas, so no GUI
backend is ever chosen and concurrent requests in one process never share drawing state.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

# The site's palette (static/css/site.css), so the plots sit naturally on the page.
TEXT, MUTED, GRID = "#181b21", "#555c69", "#e4e7ec"
ACCENT, ACCENT_SOFT, AMBER = "#4f46e5", "#c7c4f8", "#d97706"
# Inches at DPI 180: a 936×540 image, sharp on high-density screens and readable at half that width.
SIZE = (5.2, 3.0)
DPI = 180
MAX_POINTS = 2000  # a long-tail curve needs no more points than the image has pixels


def _figure(rows: int = 1, cols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    for ax in axes.flat:
        _style(ax)
    return fig, axes


def _style(ax: Axes) -> None:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID)
    ax.tick_params(colors=MUTED, labelsize=8.5, length=3)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _title(ax: Axes, title: str, subtitle: str = "") -> None:
    ax.set_title(title, loc="left", fontsize=10.5, fontweight="bold", color=TEXT, pad=15 if subtitle else 6)
    if subtitle:
        ax.text(0, 1.015, subtitle, transform=ax.transAxes, fontsize=8.5, color=MUTED, va="bottom")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def _empty(ax: Axes, message: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=10, color=MUTED)


def _thousands(value: float, _pos: int | None = None) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def rating_distribution_png(counts: Mapping[float, int]) -> bytes:
    """Bar chart of ratings per half star.

    Args:
        counts: score (0.5–5.0) → number of ratings; missing scores count as zero.
    Returns:
        PNG bytes.
    """
    fig, axes = _figure()
    ax = axes[0, 0]
    total = sum(counts.values())
    if not total:
        _title(ax, "Rating distribution")
        _empty(ax, "No ratings yet")
        return _png(fig)
    stars = np.arange(1, 11) / 2
    values = np.array([counts.get(float(s), 0) for s in stars])
    mean = float((stars * values).sum() / total)
    ax.bar(stars, values, width=0.38, color=ACCENT)
    for x, n in zip(stars, values, strict=True):
        if n:
            ax.text(x, n, f"{100 * n / total:.0f}%", ha="center", va="bottom", fontsize=7, color=MUTED,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.axvline(mean, color=AMBER, linewidth=1.2, linestyle="--", label=f"mean {mean:.2f}", zorder=0.5)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_xticks(stars, [f"{s:g}" for s in stars])
    ax.set_xlabel("stars", fontsize=8, color=MUTED)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.margins(y=0.12)
    _title(ax, "Rating distribution", f"{total:,} ratings · mean {mean:.2f} stars")
    return _png(fig)


def ratings_per_day_png(
    *, recent: Sequence[tuple[date, int]], since: date, until: date, history: Sequence[tuple[date, int]]
) -> bytes:
    """Site activity: ratings per day over the recent window, and per month over the whole history.

    MovieLens imports carry their original (often decades-old) timestamps, so the recent window
    alone would be blank on an imported catalogue; the monthly panel shows where the data comes from.

    Args:
        recent: (day, ratings) for days in since..until with any ratings.
        since, until: the recent window, inclusive.
        history: (first day of month, ratings) over all time, oldest first.
    Returns:
        PNG bytes.
    """
    fig, axes = _figure(2, 1)
    top, bottom = axes[0, 0], axes[1, 0]
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    by_day = dict(recent)
    daily = np.array([by_day.get(d, 0) for d in days])
    recent_total = int(daily.sum())
    _title(top, f"Ratings per day, last {len(days)} days", f"{recent_total:,} ratings")
    if recent_total:
        top.bar(days, daily, width=1.0, color=ACCENT, linewidth=0)
        top.set_xlim(since - timedelta(days=1), until + timedelta(days=1))
        _date_axis(top)
        top.yaxis.set_major_formatter(FuncFormatter(_thousands))
        top.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    else:
        _empty(top, "No ratings in this window")

    months, monthly = [m for m, _ in history], np.array([n for _, n in history])
    _title(bottom, "Ratings per month, all time", f"{int(monthly.sum()) if len(monthly) else 0:,} ratings")
    if len(monthly):
        bottom.bar(months, monthly, width=25, color=ACCENT, alpha=0.75, linewidth=0)
        _date_axis(bottom)
        bottom.yaxis.set_major_formatter(FuncFormatter(_thousands))
        bottom.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    else:
        _empty(bottom, "No ratings yet")
    return _png(fig)


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def long_tail_png(*, per_movie: Sequence[int], per_user: Sequence[int]) -> bytes:
    """Ratings per movie and per user, each sorted from most to least, on a log scale.

    Args:
        per_movie: one count per rated movie, any order.
        per_user: one count per rater, any order.
    Returns:
        PNG bytes.
    """
    fig, axes = _figure(1, 2, sharey=False)
    for ax, counts, noun in ((axes[0, 0], per_movie, "movie"), (axes[0, 1], per_user, "user")):
        _tail(ax, np.sort(np.asarray(counts, dtype=np.int64))[::-1], noun)
    return _png(fig)


def _tail(ax: Axes, counts: np.ndarray, noun: str) -> None:
    if not len(counts) or counts[0] <= 0:
        _title(ax, f"Ratings per {noun}")
        _empty(ax, "No ratings yet")
        return
    n, total = len(counts), int(counts.sum())
    index = np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).astype(np.int64))
    share = (index + 1) / n * 100
    ax.fill_between(share, counts[index], 0.8, color=ACCENT_SOFT, step="post", linewidth=0)
    ax.step(share, counts[index], where="post", color=ACCENT, linewidth=1.2)
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.8)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}%"))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    head = max(1, round(n / 10))
    head_share = counts[:head].sum() / total * 100
    ax.axvline(10, color=AMBER, linewidth=1, linestyle="--")
    ax.text(11, counts[0], f"top 10% of {noun}s:\n{head_share:.0f}% of ratings", color=AMBER, fontsize=7,
            va="top")
    ax.set_xlabel(f"{noun}s, most rated first", fontsize=8, color=MUTED)
    _title(ax, f"Ratings per {noun}", f"{n:,} {noun}s · median {int(np.median(counts)):,}")


def metric_history_png(rows: Sequence[Mapping[str, Any]], *, active_id: int | None = None) -> bytes:
    """Held-out RMSE and MAE of each trained version, oldest first, with the serving one marked.

    Args:
        rows: dicts with "id", "rmse" and "mae" (floats; mae may be None).
        active_id: the version serving now, highlighted.
    Returns:
        PNG bytes.
    """
    fig, axes = _figure()
    ax = axes[0, 0]
    if not rows:
        _title(ax, "Model quality by version")
        _empty(ax, "No trained versions yet")
        return _png(fig)
    x = np.arange(len(rows))
    rmse = np.array([row["rmse"] for row in rows], dtype=float)
    mae = np.array([np.nan if row.get("mae") is None else row["mae"] for row in rows], dtype=float)
    ax.plot(x, rmse, marker="o", markersize=4, color=ACCENT, linewidth=1.6, label="RMSE")
    ax.plot(x, mae, marker="s", markersize=3.5, color=AMBER, linewidth=1.4, label="MAE")
    for i, row in enumerate(rows):
        if row["id"] == active_id:
            ax.axvspan(i - 0.4, i + 0.4, color=ACCENT, alpha=0.1, linewidth=0)
            ax.annotate("serving", (i, rmse[i]), textcoords="offset points", xytext=(0, 7), ha="center",
                        fontsize=7, color=ACCENT, fontweight="bold")
    step = max(1, len(rows) // 12)  # at most about a dozen version labels
    ax.set_xticks(x[::step], [f"v{row['id']}" for row in rows][::step])
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.margins(y=0.25)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1.0), fontsize=8, frameon=False, ncols=2)
    ax.set_ylabel("error (stars)", fontsize=8, color=MUTED)
    latest = rows[-1]
    _title(ax, "Model quality by version", f"held-out error, lower is better · latest v{latest['id']} "
                                           f"RMSE {latest['rmse']:.3f}")
    return _png(fig)
