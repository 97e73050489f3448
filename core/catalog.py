"""The catalog of notable language models (parameters, tokens, compute over time), growth fits, and the user's own
models placed on the same map.

The data is `core/data/llm_catalog.csv`, a copy of the hand-checked reference table (94 models, each with a
`source`); an empty cell means "not disclosed or not verified" and stays NaN/NA here: nothing is filled in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import UserError

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "llm_catalog.csv"

TEXT_COLUMNS = ["name", "family", "organization", "country", "compute_basis", "architecture", "license", "source"]
NUMBER_COLUMNS = ["params_total", "params_active", "training_tokens", "training_compute_flop", "context_length"]
COLUMNS = [*TEXT_COLUMNS, "release_date", *NUMBER_COLUMNS, "open_weights"]
COMPUTE_BASES = {"reported", "estimated_6ND", "third_party_estimate", "unknown"}

# Chinchilla's compute-optimal ratio: about 20 training tokens per parameter (Hoffmann et al. 2022,
# arXiv:2203.15556, Table 3: 70B params / 1.4T tokens).
CHINCHILLA_TOKENS_PER_PARAM = 20.0


def load_catalog(path: Path = CATALOG_PATH) -> pd.DataFrame:
    """The catalog with typed columns: `release_date` datetime (first of the month), numbers float (NaN =
    unknown), `open_weights` nullable boolean, plus derived `tokens_per_param`, `compute_6nd`, `year`, `local`."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise UserError(f"The catalog {path.name} lacks the columns {missing}: restore it from the reference CSV.")
    df = pd.DataFrame({c: raw[c].str.strip() for c in TEXT_COLUMNS})
    df["release_date"] = pd.to_datetime(raw["release_date"], format="%Y-%m", errors="raise")
    for col in NUMBER_COLUMNS:
        df[col] = pd.to_numeric(raw[col].replace("", np.nan), errors="raise").astype(float)
    df["open_weights"] = raw["open_weights"].map({"yes": True, "no": False}).astype("boolean")
    df["local"] = False
    df = add_derived(df)
    check_catalog(df)
    return df


def add_derived(df: pd.DataFrame) -> pd.DataFrame:
    """Add `tokens_per_param` (tokens / active params), `compute_6nd` (6·N_active·D, the usual training-compute
    approximation from Kaplan et al. 2020, arXiv:2001.08361) and `year` (decimal); NaN where an input is unknown."""
    out = df.copy()
    out["tokens_per_param"] = out["training_tokens"] / out["params_active"]
    out["compute_6nd"] = 6.0 * out["params_active"] * out["training_tokens"]
    out["year"] = decimal_years(out["release_date"])
    return out


def check_catalog(df: pd.DataFrame) -> None:
    """Raise ValueError when the catalog breaks its schema: missing columns, wrong types, negative numbers, unknown
    compute bases, duplicate names, or more active than total parameters."""
    missing = [c for c in [*COLUMNS, "local"] if c not in df.columns]
    if missing:
        raise ValueError(f"catalog lacks columns {missing}")
    if not pd.api.types.is_datetime64_any_dtype(df["release_date"]):
        raise ValueError("release_date must be a datetime column")
    for col in NUMBER_COLUMNS:
        if not pd.api.types.is_float_dtype(df[col]):
            raise ValueError(f"{col} must be float (NaN for unknown), got {df[col].dtype}")
        if (df[col] < 0).any():
            raise ValueError(f"{col} has negative values: {list(df.loc[df[col] < 0, 'name'])}")
    if not pd.api.types.is_bool_dtype(df["open_weights"]):
        raise ValueError(f"open_weights must be boolean, got {df['open_weights'].dtype}")
    bad_basis = set(df["compute_basis"]) - COMPUTE_BASES
    if bad_basis:
        raise ValueError(f"unknown compute_basis values {sorted(bad_basis)}")
    if df["name"].duplicated().any():
        raise ValueError(f"duplicate names {list(df.loc[df['name'].duplicated(), 'name'])}")
    too_active = df["params_active"] > df["params_total"]
    if too_active.any():
        raise ValueError(f"params_active > params_total for {list(df.loc[too_active, 'name'])}")


def decimal_years(dates: Iterable[Any]) -> np.ndarray:
    """Dates as decimal years (2020-07-01 -> about 2020.5)."""
    stamps = pd.to_datetime(pd.Series(list(dates)))
    return (stamps.dt.year + (stamps.dt.day_of_year - 1) / 365.25).to_numpy(dtype=float)


# -- growth fits ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GrowthFit:
    """Least-squares line log2(value) = intercept + slope · year, fitted on `n` points."""

    slope: float  # doublings per year
    intercept: float
    slope_se: float  # standard error of the slope (NaN with fewer than 3 points)
    n: int

    @property
    def doubling_months(self) -> float:
        return 12.0 / self.slope if self.slope != 0 else math.inf

    @property
    def doubling_months_se(self) -> float:
        # Delta method: d(12/b)/db = -12/b².
        return 12.0 * self.slope_se / self.slope**2 if self.slope != 0 else math.inf

    @property
    def factor_per_year(self) -> float:
        return 2.0**self.slope

    @property
    def factor_per_year_se(self) -> float:
        # Delta method: d(2^b)/db = ln2 · 2^b.
        return math.log(2) * self.factor_per_year * self.slope_se

    def predict(self, dates: Iterable[Any]) -> np.ndarray:
        return 2.0 ** (self.intercept + self.slope * decimal_years(dates))


def fit_growth(dates: Sequence[Any], values: Sequence[float]) -> GrowthFit:
    """Fit exponential growth to the known (positive, finite) values; unknowns are skipped."""
    years = decimal_years(dates)
    vals = np.asarray(values, dtype=float)
    keep = np.isfinite(vals) & (vals > 0) & np.isfinite(years)
    x, y = years[keep], np.log2(vals[keep])
    if len(x) < 2 or np.ptp(x) == 0:
        raise UserError("Too few models with known values and different dates to fit a trend: widen the filters.")
    slope, intercept = np.polyfit(x, y, 1)
    if len(x) > 2:
        residuals = y - (intercept + slope * x)
        sigma2 = float(residuals @ residuals) / (len(x) - 2)
        slope_se = math.sqrt(sigma2 / float(((x - x.mean()) ** 2).sum()))
    else:
        slope_se = math.nan
    return GrowthFit(float(slope), float(intercept), slope_se, int(len(x)))


def fit_doubling_time(dates: Sequence[Any], values: Sequence[float]) -> tuple[float, float]:
    """Doubling time in months of `values` over `dates`, and its standard error."""
    fit = fit_growth(dates, values)
    return fit.doubling_months, fit.doubling_months_se


def fit_growth_per_year(dates: Sequence[Any], values: Sequence[float]) -> tuple[float, float]:
    """Growth factor per year of `values` over `dates` (2.0 = doubles every year), and its standard error."""
    fit = fit_growth(dates, values)
    return fit.factor_per_year, fit.factor_per_year_se


# -- the user's own models on the map ---------------------------------------------------------------------------------
def local_models(runs: Iterable[Any], loaded: Iterable[Any] = ()) -> pd.DataFrame:
    """Catalog-shaped rows (marked `local`) for the user's training runs and loaded pretrained models.

    `runs`: core.runs.Run objects; parameters from `status()["n_params"]`, tokens from the last metrics record,
    compute 6·N·D. `loaded`: LoadedModel objects or (key, LoadedModel) pairs as `ModelCache.loaded()` gives; one row
    per model source (the same model at several precisions has one parameter count). Runs without a parameter
    count (never trained) are left out.
    """
    rows: list[dict[str, Any]] = []
    for run in runs:
        status = run.status()
        n_params = status.get("n_params")
        if not n_params:
            continue
        metrics = run.metrics()
        tokens = metrics[-1].get("tokens") if metrics else None
        family = run.config().get("model", "")
        when = status.get("updated") or time.time()
        rows.append(_local_row(run.name, f"your {family} run", n_params, tokens, when, "run"))
    seen: set[str] = set()
    for item in loaded:
        model = item[1] if isinstance(item, tuple) else item
        if not model.is_hf or model.source.label in seen:
            continue  # training runs already appear above, with their tokens
        seen.add(model.source.label)
        rows.append(_local_row(model.source.label, "loaded model", model.n_params, None, time.time(), "loaded"))
    return add_derived(_typed(pd.DataFrame(rows, columns=[*COLUMNS, "local"])))


def _local_row(name: str, family: str, n_params: float, tokens: float | None, when: float, kind: str) -> dict:
    return {
        "name": name,
        "family": family,
        "organization": "you",
        "country": "",
        "compute_basis": "estimated_6ND" if tokens else "unknown",
        "architecture": "",
        "license": "",
        "source": f"this dashboard ({kind})",
        "release_date": pd.Timestamp(when, unit="s").normalize(),
        "params_total": float(n_params),
        "params_active": float(n_params),
        "training_tokens": float(tokens) if tokens else np.nan,
        "training_compute_flop": 6.0 * n_params * tokens if tokens else np.nan,
        "context_length": np.nan,
        "open_weights": pd.NA,
        "local": True,
    }


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["release_date"] = pd.to_datetime(df["release_date"])
    for col in NUMBER_COLUMNS:
        df[col] = df[col].astype(float)
    df["open_weights"] = df["open_weights"].astype("boolean")
    df["local"] = df["local"].astype(bool)
    return df


# -- filtering ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CatalogFilter:
    """What the page's filters hold; empty tuples mean "all"."""

    organizations: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    open_weights: str = "all"  # "all", "open", "closed"
    architectures: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    search: str = ""

    def __post_init__(self) -> None:
        if self.open_weights not in ("all", "open", "closed"):
            raise UserError(f"open_weights must be all, open or closed, not {self.open_weights!r}.")
        if self.years is not None and self.years[0] > self.years[1]:
            raise UserError("The first year of the range must not be after the last.")


def split_values(column: pd.Series) -> list[str]:
    """The distinct values of a `;`-joined column (organizations, countries), sorted."""
    return sorted({part.strip() for cell in column.dropna() for part in str(cell).split(";") if part.strip()})


def filter_catalog(df: pd.DataFrame, flt: CatalogFilter) -> pd.DataFrame:
    """The rows matching every filter; a row with several organizations matches if any of them is chosen."""

    def any_of(column: str, chosen: tuple[str, ...]) -> pd.Series:
        wanted = set(chosen)
        return df[column].fillna("").map(lambda cell: bool(wanted & {p.strip() for p in str(cell).split(";")}))

    keep = pd.Series(True, index=df.index)
    if flt.organizations:
        keep &= any_of("organization", flt.organizations)
    if flt.countries:
        keep &= any_of("country", flt.countries)
    if flt.open_weights != "all":
        wanted = flt.open_weights == "open"
        keep &= df["open_weights"].fillna(not wanted) == wanted  # unknown counts as neither open nor closed
    if flt.architectures:
        keep &= df["architecture"].isin(flt.architectures)
    if flt.years is not None:
        year = df["release_date"].dt.year
        keep &= (year >= flt.years[0]) & (year <= flt.years[1])
    if flt.search.strip():
        needle = flt.search.strip().lower()
        text = df["name"] + " " + df["family"] + " " + df["organization"]
        keep &= text.str.lower().str.contains(needle, regex=False)
    return df[keep]


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The catalog for reading: numbers stay numbers (NaN = unknown) so columns sort; text unknowns read
    "unknown"; dates as YYYY-MM."""
    cols = [
        "name",
        "organization",
        "release_date",
        "params_total",
        "params_active",
        "training_tokens",
        "training_compute_flop",
        "tokens_per_param",
        "compute_basis",
        "architecture",
        "open_weights",
        "source",
    ]
    out = df[cols].copy()
    out["release_date"] = out["release_date"].dt.strftime("%Y-%m")
    out["open_weights"] = out["open_weights"].map(lambda v: "unknown" if pd.isna(v) else ("yes" if v else "no"))
    for col in ["architecture", "organization"]:
        out[col] = out[col].replace("", "unknown")
    return out.reset_index(drop=True)
