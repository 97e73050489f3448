"""The ecosystem around the models: who makes the chips, clouds, data, software, labs, models and products, how
they connect, the milestones of the field, and the CPU transistor curve as a yardstick for LLM growth.

Data: `core/data/ecosystem_nodes.csv` (id, name, type, layer), `ecosystem_links.csv` (source, target,
relation), `milestones.csv` (date YYYY-MM, name, category, description) and `cpu_transistors.csv` (name, year,
transistors, source). Growth fits reuse `core.catalog.fit_growth` (log2-linear least squares).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.catalog import GrowthFit, fit_growth
from core.errors import UserError

DATA = Path(__file__).resolve().parent / "data"
NODE_TYPES = ("hardware", "cloud", "data", "framework", "model lab", "model", "application", "community", "paper")
# The industry chain from left to right: what each layer builds on is to its left.
LAYERS = ("Chips", "Cloud", "Data & research", "Software", "Labs", "Models", "Applications & hubs")
MILESTONE_CATEGORIES = ("research", "model", "product")


@dataclass(frozen=True)
class Ecosystem:
    nodes: pd.DataFrame  # id, name, type, layer
    links: pd.DataFrame  # source, target, relation


def _read(name: str, data_dir: Path) -> pd.DataFrame:
    path = data_dir / name
    if not path.is_file():
        raise UserError(f"{path} is missing: restore it from the repository.")
    return pd.read_csv(path, dtype=str, keep_default_na=False).apply(lambda col: col.str.strip())


def load_ecosystem(data_dir: Path = DATA) -> Ecosystem:
    """Nodes and links, validated: unique ids, known types and layers, every link between existing nodes."""
    eco = Ecosystem(_read("ecosystem_nodes.csv", data_dir), _read("ecosystem_links.csv", data_dir))
    check_ecosystem(eco)
    return eco


def check_ecosystem(eco: Ecosystem) -> None:
    nodes, links = eco.nodes, eco.links
    if nodes["id"].duplicated().any():
        raise UserError(f"Duplicate node ids: {sorted(set(nodes['id'][nodes['id'].duplicated()]))}.")
    bad_types = sorted(set(nodes["type"]) - set(NODE_TYPES))
    bad_layers = sorted(set(nodes["layer"]) - set(LAYERS))
    if bad_types or bad_layers:
        raise UserError(f"Unknown node types {bad_types} or layers {bad_layers}; use {NODE_TYPES} and {LAYERS}.")
    ids = set(nodes["id"])
    dangling = sorted((set(links["source"]) | set(links["target"])) - ids)
    if dangling:
        raise UserError(f"Links refer to nodes that do not exist: {dangling}.")


def filter_ecosystem(eco: Ecosystem, layers=None, types=None) -> Ecosystem:
    """The nodes of the chosen layers and types (None = all), and the links among them."""
    keep = eco.nodes
    if layers is not None:
        keep = keep[keep["layer"].isin(list(layers))]
    if types is not None:
        keep = keep[keep["type"].isin(list(types))]
    ids = set(keep["id"])
    links = eco.links[eco.links["source"].isin(ids) & eco.links["target"].isin(ids)]
    return Ecosystem(keep.reset_index(drop=True), links.reset_index(drop=True))


def layout(nodes: pd.DataFrame) -> pd.DataFrame:
    """Node positions: x = the layer's column in LAYERS, y spread evenly (top to bottom) within the column."""
    out = nodes.copy()
    out["x"] = out["layer"].map({layer: i for i, layer in enumerate(LAYERS)}).astype(float)
    out["y"] = 0.0
    for _, group in out.groupby("layer"):
        n = len(group)
        out.loc[group.index, "y"] = [1.0 - (i + 0.5) / n for i in range(n)]
    return out


def load_milestones(data_dir: Path = DATA) -> pd.DataFrame:
    """Milestones sorted by date; `date` parsed from YYYY-MM to the first of the month."""
    df = _read("milestones.csv", data_dir)
    try:
        df["date"] = pd.to_datetime(df["date"], format="%Y-%m")
    except ValueError as err:
        raise UserError(f"milestones.csv has a date not in YYYY-MM form ({err}).") from None
    bad = sorted(set(df["category"]) - set(MILESTONE_CATEGORIES))
    if bad:
        raise UserError(f"Unknown milestone categories {bad}; use {MILESTONE_CATEGORIES}.")
    return df.sort_values("date").reset_index(drop=True)


def load_cpus(data_dir: Path = DATA) -> pd.DataFrame:
    """Landmark CPUs: name, year (int), transistors (float), source, and `date` (1 July of the year)."""
    df = _read("cpu_transistors.csv", data_dir)
    df["year"] = df["year"].astype(int)
    df["transistors"] = df["transistors"].astype(float)
    df["date"] = pd.to_datetime(df["year"].astype(str) + "-07-01")
    return df.sort_values("year").reset_index(drop=True)


def cpu_doubling(cpus: pd.DataFrame) -> GrowthFit:
    """Moore's law from the CPU table: log2(transistors) against year."""
    return fit_growth(cpus["date"], cpus["transistors"])


def llm_params_doubling(catalog: pd.DataFrame) -> GrowthFit:
    """The same fit for the total parameters of the catalog's models (unknowns skipped)."""
    return fit_growth(catalog["release_date"], catalog["params_total"])


def open_share_by_year(catalog: pd.DataFrame) -> pd.DataFrame:
    """Per release year: models with open weights, closed ones (unknowns left out), and the open share."""
    known = catalog.dropna(subset=["open_weights"])
    years = known["release_date"].dt.year
    is_open = known["open_weights"].astype(bool)
    table = pd.DataFrame({"year": years, "open": is_open.astype(int), "closed": (~is_open).astype(int)})
    out = table.groupby("year", as_index=False)[["open", "closed"]].sum()
    out["open_share"] = out["open"] / (out["open"] + out["closed"])
    return out
