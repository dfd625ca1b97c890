"""Symbol tables: the built-in upstream tables, unknown symbols, and appended language tables."""

from __future__ import annotations

import pytest

from GPT_SoVITS.errors import ConfigError, UnknownSymbolError
from GPT_SoVITS.text.symbols import (
    DATA_DIR,
    InventorySymbol,
    append_inventory,
    cleaned_text_to_sequence,
    find_table,
    get_table,
    read_inventory,
    register_table,
    table_for_row_count,
)


def test_builtin_tables_match_upstream_ids():
    v1, v2 = get_table("v1"), get_table("v2")
    assert (len(v1), len(v2)) == (322, 732)
    assert v1.is_prefix_of(v2)
    assert (v2.id_of("!"), v2.id_of("SP"), v2.id_of("UNK"), v2.id_of("_")) == (0, 77, 86, 95)
    assert v2.symbols[322:324] == ("[", "]")
    assert v2.symbols[-1] == "Yz"
    shipped = (DATA_DIR / "symbols_v2.txt").read_text(encoding="utf-8").splitlines()
    assert list(v2.symbols) == shipped


def test_unknown_symbol_error_names_symbol_table_and_text():
    with pytest.raises(UnknownSymbolError) as error:
        get_table("v2").to_ids(["a1", "zz9", "SP"], text="hello world", where="data.list:3")
    message = str(error.value)
    assert "data.list:3: unknown symbol 'zz9' in 'hello world'" in message and "'v2'" in message
    assert error.value.symbol == "zz9"


def test_cleaned_text_to_sequence_uses_ids():
    assert cleaned_text_to_sequence(["!", "SP", "_"], "v2") == [0, 77, 95]


def test_unknown_table_name_lists_known_tables():
    with pytest.raises(ConfigError, match="unknown symbol table 'v9'.*known tables: .*v1, v2"):
        get_table("v9")


def test_appended_table_keeps_base_ids_and_declares_look_alikes():
    v2 = get_table("v2")
    inventory = [InventorySymbol("tt_a1", "a", ("AA1", "a4")), InventorySymbol("tt_j", "j", ("y",))]
    table = append_inventory(v2, inventory, "v2+tt")
    assert len(table) == 734 and table.symbols[:732] == v2.symbols
    assert table.id_of("tt_a1") == 732 and table.id_of("tt_j") == 733
    assert table.look_alikes("tt_a1") == ("AA1", "a4") and table.look_alikes("a4") == ()
    assert v2.is_prefix_of(table) and table.base_name == "v2"


def test_appended_symbol_colliding_with_base_is_refused():
    with pytest.raises(ConfigError, match="'sh' already exists in 'v2'; namespace it"):
        append_inventory(get_table("v2"), [InventorySymbol("sh")], "v2+bad")


def test_look_alike_missing_from_base_is_refused():
    with pytest.raises(ConfigError, match=r"declared similar to \['nope'\]"):
        append_inventory(get_table("v2"), [InventorySymbol("tt_x", "", ("nope",))], "v2+bad")


def test_duplicate_symbol_in_table_is_refused():
    with pytest.raises(ConfigError, match="appears twice"):
        append_inventory(get_table("v2"), [InventorySymbol("tt_a"), InventorySymbol("tt_a")], "v2+dup")


def test_inventory_tsv_round_trip_and_registry(tmp_path, symbol_registry):
    path = tmp_path / "phonemes.tsv"
    path.write_text("symbol\tipa\tsimilar\ntt_a1\ta\tAA1 a4\ntt_p\tp\tP\n", encoding="utf-8")
    inventory = read_inventory(path)
    assert inventory == [InventorySymbol("tt_a1", "a", ("AA1", "a4")), InventorySymbol("tt_p", "p", ("P",))]
    register_table("v2+tsv", lambda: append_inventory(get_table("v2"), read_inventory(path), "v2+tsv"))
    table = get_table("v2+tsv")
    assert table.symbols[-2:] == ("tt_a1", "tt_p")
    assert find_table(table.symbols) is table
    assert table_for_row_count(322).name == "v1" and table_for_row_count(733) is None


def test_inventory_with_empty_symbol_names_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("symbol\tipa\tsimilar\ntt_a\ta\t\n\tb\t\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.tsv:3: .*symbol is empty"):
        read_inventory(path)
