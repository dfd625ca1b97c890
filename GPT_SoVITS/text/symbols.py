"""Symbol tables: the ordered phone lists whose positions are the embedding row ids.

Pretrained checkpoints index their text embeddings by these ids, so the built-in `v1` (322)
and `v2` (732) tables are read verbatim from the shipped data files, and a language table
such as `v2+ru` is always the base table with the language's symbols *appended*: ids of the
base never move. This module does not know any language; `text.languages` says which
inventory file belongs to a language code.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from GPT_SoVITS.errors import ConfigError, UnknownSymbolError

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Symbols every table of the v1/v2 family has; padding id 0 is `!` as upstream pads text with 0.
PAD_ID = 0


@dataclass(frozen=True)
class InventorySymbol:
    """One symbol a language adds: its name, IPA value and the base symbols it sounds like."""

    symbol: str
    ipa: str = ""
    similar: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False, repr=False)
class SymbolTable:
    """An ordered, immutable list of phone symbols; a symbol's id is its position.

    `similar` maps appended symbols to base symbols they sound like; weights_compat uses it to
    initialise new embedding rows from pretrained ones.
    """

    name: str
    symbols: tuple[str, ...]
    similar: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    base_name: str | None = None
    _ids: Mapping[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids: dict[str, int] = {}
        for index, symbol in enumerate(self.symbols):
            if symbol in ids:
                raise ConfigError(f"symbol table {self.name!r}: {symbol!r} appears twice (ids {ids[symbol]} and {index})")
            ids[symbol] = index
        object.__setattr__(self, "_ids", ids)

    def __len__(self) -> int:
        return len(self.symbols)

    def __repr__(self) -> str:
        return f"SymbolTable({self.name!r}, {len(self.symbols)} symbols)"

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._ids

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SymbolTable) and self.symbols == other.symbols

    def __hash__(self) -> int:
        return hash(self.symbols)

    def id_of(self, symbol: str, *, text: str | None = None, where: str | None = None) -> int:
        """The id of `symbol`; `UnknownSymbolError` naming the symbol and the text if absent."""
        try:
            return self._ids[symbol]
        except KeyError:
            raise UnknownSymbolError(symbol, self.name, text=text, where=where) from None

    def to_ids(self, phones: Iterable[str], *, text: str | None = None, where: str | None = None) -> list[int]:
        """Number a cleaned phone sequence (upstream's `cleaned_text_to_sequence`)."""
        phones = list(phones)
        if text is None:
            text = " ".join(phones)
        return [self.id_of(p, text=text, where=where) for p in phones]

    def look_alikes(self, symbol: str) -> tuple[str, ...]:
        """Base symbols declared to sound like `symbol` (empty for base symbols)."""
        return tuple(self.similar.get(symbol, ()))

    def is_prefix_of(self, other: "SymbolTable") -> bool:
        """True when `other` keeps every id of this table (it only appends)."""
        return other.symbols[: len(self.symbols)] == self.symbols


def read_symbol_file(path: str | Path) -> tuple[str, ...]:
    """Read a table file: one symbol per line, id = line number, trailing newline allowed."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if not line or line != line.strip():
            raise ConfigError(f"{path}:{number}: a symbol must be non-empty and have no surrounding spaces, got {line!r}")
    return tuple(lines)


def read_inventory(path: str | Path) -> list[InventorySymbol]:
    """Read a language inventory TSV with columns `symbol`, `ipa`, `similar` (space-separated)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: inventory file not found") from None
    entries = []
    for number, row in enumerate(rows, start=2):
        symbol = (row.get("symbol") or "").strip()
        if not symbol:
            raise ConfigError(f"{path}:{number}: expected columns symbol, ipa, similar; the symbol is empty")
        similar = tuple((row.get("similar") or "").split())
        entries.append(InventorySymbol(symbol, (row.get("ipa") or "").strip(), similar))
    return entries


def append_inventory(base: SymbolTable, inventory: Sequence[InventorySymbol], name: str) -> SymbolTable:
    """Build `base` + `inventory` appended in order; ids of `base` are unchanged.

    Refuses a new symbol that collides with a base symbol (it would silently share a row) and a
    look-alike that is not in the base (its row could not be copied).
    """
    similar: dict[str, tuple[str, ...]] = {}
    for entry in inventory:
        if entry.symbol in base:
            raise ConfigError(f"table {name!r}: new symbol {entry.symbol!r} already exists in {base.name!r}; namespace it")
        missing = [s for s in entry.similar if s not in base]
        if missing:
            raise ConfigError(f"table {name!r}: {entry.symbol!r} is declared similar to {missing}, which are not in {base.name!r}")
        similar[entry.symbol] = entry.similar
    symbols = base.symbols + tuple(entry.symbol for entry in inventory)
    return SymbolTable(name=name, symbols=symbols, similar=similar, base_name=base.name)


# --- registry -------------------------------------------------------------------------

_FACTORIES: dict[str, Callable[[], SymbolTable]] = {
    "v1": lambda: SymbolTable("v1", read_symbol_file(DATA_DIR / "symbols_v1.txt")),
    "v2": lambda: SymbolTable("v2", read_symbol_file(DATA_DIR / "symbols_v2.txt")),
}
_CACHE: dict[str, SymbolTable] = {}
_LOCK = threading.Lock()


def register_table(name: str, factory: Callable[[], SymbolTable]) -> None:
    """Register a table under `name`, built lazily on first use."""
    with _LOCK:
        _FACTORIES[name] = factory
        _CACHE.pop(name, None)


def _language_table(name: str) -> SymbolTable | None:
    """Build `<base>+<lang>` from a registered language's inventory, or None if not of that form."""
    base_name, plus, language = name.rpartition("+")
    if not plus:
        return None
    from GPT_SoVITS.text import languages  # local: languages imports this module

    inventory_path = languages.inventory_path(language)
    if inventory_path is None:
        return None
    return append_inventory(get_table(base_name), read_inventory(inventory_path), name)


def get_table(name: str) -> SymbolTable:
    """The table registered as `name` (`v1`, `v2`, `v2+ru`, ...)."""
    with _LOCK:
        cached = _CACHE.get(name)
        factory = _FACTORIES.get(name)
    if cached is not None:
        return cached
    table = factory() if factory is not None else _language_table(name)
    if table is None:
        raise ConfigError(f"unknown symbol table {name!r}; known tables: {', '.join(table_names())}")
    with _LOCK:
        _CACHE.setdefault(name, table)
        return _CACHE[name]


def table_names() -> list[str]:
    """Names of every table that can be built: registered ones and `v2+<lang>` per inventory."""
    from GPT_SoVITS.text import languages

    names = list(_FACTORIES)
    names += [f"v2+{code}" for code in languages.languages_with_inventory()]
    return sorted(set(names))


def find_table(symbols: Sequence[str]) -> SymbolTable | None:
    """The registered table with exactly these symbols, if any (identifies stored tables)."""
    symbols = tuple(symbols)
    for name in table_names():
        try:
            table = get_table(name)
        except ConfigError:
            continue
        if table.symbols == symbols:
            return table
    return None


def table_for_row_count(rows: int) -> SymbolTable | None:
    """The built-in table of this size (322 -> v1, 732 -> v2): how upstream files are identified."""
    for name in ("v1", "v2"):
        table = get_table(name)
        if len(table) == rows:
            return table
    return None


def default_table_name() -> str:
    """The project's default training table: `v2+ru` when the Russian inventory is present."""
    from GPT_SoVITS.text import languages

    return "v2+ru" if languages.inventory_path("ru") is not None else "v2"


def cleaned_text_to_sequence(phones: Sequence[str], table: str | SymbolTable | None = None) -> list[int]:
    """Upstream-style conversion of cleaned phones to ids in `table` (default training table)."""
    if table is None:
        table = default_table_name()
    if isinstance(table, str):
        table = get_table(table)
    return table.to_ids(phones)
