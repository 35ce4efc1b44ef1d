"""Checks on the numbers a user gives the analysis: the small-group threshold k and the
population size. Raise :class:`~surveytool.errors.UsageError` with a catalogue message.
"""

from __future__ import annotations

from surveytool.errors import UsageError, problem

MIN_K = 3  # below this a group's members are as good as named; only with allow_small
# One rule for the report, the three lists and the web app: no problem is raised from a
# question fewer people answered. At n = 20 a share's 95% interval is about ±20 points
# (Wilson, p = 50%): below that 「100% 的受访者…（n = 5）」 says little more than an anecdote.
MIN_PROBLEM_BASE = 20


def check_k(k: int, allow_small: bool = False, option: str = "--k") -> str | None:
    """Refuse k < 1, and k < :data:`MIN_K` unless ``allow_small``; returns the Chinese warning
    to print (and to repeat in the report's method note) when k is below MIN_K, else None."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise UsageError(
            problem("bad_option_value", option=option, value=k, what="k", rule="正整数")
        )
    if k >= MIN_K:
        return None
    if not allow_small:
        raise UsageError(problem("k_too_small", k=k))
    return k_warning(k)


def k_warning(k: int) -> str | None:
    """The warning for a threshold below :data:`MIN_K` (None from MIN_K up)."""
    if k >= MIN_K:
        return None
    what = "不隐藏任何小组" if k <= 1 else "只隐藏 1 人的小组"
    return problem("k_lowered", k=k, what=what).message


def check_population(population: int | None, n: int | None = None) -> None:
    """A population size must be a positive whole number, and not below ``n`` answers."""
    if population is None:
        return
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise UsageError(
            problem(
                "bad_option_value",
                option="--population",
                value=population,
                what="总体人数",
                rule="正整数",
            )
        )
    if n is not None and population < n:
        raise UsageError(problem("population_lt_answers", population=population, n=n))
