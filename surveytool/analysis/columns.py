"""Column names used by every result table (one name per idea, everywhere)."""

N = "n"  # count of respondents (or answers) in the cell
PERCENT = "percent"  # 0-100, of the stated base
BASE = "base"  # respondents who were shown the question (structural skips excluded)
VALID = "valid"  # of the base, those who answered
MISSING = "missing"  # of the base, those who did not answer
STATISTIC = "statistic"
DF = "df"
P_VALUE = "p_value"
P_ADJUSTED = "p_adjusted"  # Benjamini-Hochberg, across all tests of one analysis run
EFFECT_SIZE = "effect_size"
CI_LOW = "ci_low"
CI_HIGH = "ci_high"
SUPPRESSED = "suppressed"  # True where a figure describes fewer than k respondents
