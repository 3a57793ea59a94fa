"""Mapping files: per route incoming name -> TVox variable; every problem names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.ingest.mapping import (
    DATABASE,
    DEFAULT,
    FILE,
    MappingFileError,
    Mappings,
    canonical_route,
    parse_mapping_text,
    read_mapping_file,
)
from tvox_journey.ingest.native import NATIVE_ROUTE

GOOD = """\
# Our TVox sends Italian names.
[routes."service/ring"]
numeroChiamante = "cli"

[routes."/tvox/events"]
crmId = "popup1"
tipo = "eventtype"
"""


def line_of(text: str) -> int | None:
    with pytest.raises(MappingFileError) as raised:
        parse_mapping_text(text, "m.toml")
    assert str(raised.value).startswith("m.toml")
    return raised.value.line


def test_a_valid_file_gives_mappings_by_canonical_route() -> None:
    table = parse_mapping_text(GOOD)
    assert dict(table["service/ring"]) == {"numeroChiamante": "cli"}
    assert dict(table[NATIVE_ROUTE]) == {"crmId": "popup1", "tipo": "eventtype"}


def test_route_names_may_carry_slashes_and_the_php_suffix() -> None:
    assert canonical_route("/service/ring.php") == "service/ring"
    assert canonical_route("tvox/events/") == NATIVE_ROUTE
    assert canonical_route("service/rang") is None


def test_toml_syntax_error_names_the_line() -> None:
    assert line_of('[routes."service/ring"]\ncallId = "id"\ncli = \n') == 3


def test_unknown_tvox_variable_names_the_line() -> None:
    text = '[routes."service/ring"]\ncallId = "idlastcall"\n\nnumero = "callerNumber"\n'
    assert line_of(text) == 4
    with pytest.raises(MappingFileError, match="unknown TVox variable 'callerNumber'"):
        parse_mapping_text(text)


def test_unknown_route_names_the_line_of_its_table() -> None:
    assert line_of('[routes."service/ring"]\na = "cli"\n\n[routes."service/rang"]\nb = "cli"\n') == 4


def test_unknown_route_in_a_dotted_key_names_its_line() -> None:
    assert line_of('# x\n\nroutes."outbound/new".a = "dnis"\nroutes."nowhere".b = "cli"\n') == 4


def test_unknown_route_in_an_inline_table_names_its_line() -> None:
    assert line_of('[routes]\n"outbound/new" = { a = "dnis" }\n"bogus" = { a = "dnis" }\n') == 3


def test_unknown_top_level_key_and_non_string_variable_name_their_lines() -> None:
    assert line_of('title = "x"\n') == 1
    assert line_of('[routes."service/ring"]\n\ncallId = 3\n') == 3


def test_route_that_is_not_a_table_is_refused() -> None:
    assert line_of('[routes]\n"service/ring" = "cli"\n') == 2


def test_unreadable_file_is_refused_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match="missing.toml"):
        read_mapping_file(tmp_path / "missing.toml")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(MappingFileError, match="cannot be read"):
        read_mapping_file(binary)


def test_effective_mapping_is_default_then_file_then_database_rows() -> None:
    file = parse_mapping_text('[routes."service/ring"]\ncallerNumber = "clid"\nnumero = "cli"\n')
    rows = {"service/ring": {"numero": "dnis", "operatore": "pin"}}
    effective = Mappings(file, rows).for_route("service/ring")
    assert effective["callId"] == "idlastcall"  # default
    assert effective["callerNumber"] == "clid"  # file over default
    assert effective["numero"] == "dnis"  # database over file
    sources = {e.incoming: e.source for e in Mappings(file, rows).entries("service/ring")}
    assert (sources["callId"], sources["callerNumber"], sources["numero"]) == (DEFAULT, FILE, DATABASE)


def test_names_to_configure_prefer_the_highest_layer_and_skip_the_alias() -> None:
    mappings = Mappings(parse_mapping_text('[routes."service/ring"]\nnumero = "cli"\n'))
    assert mappings.names("service/ring")["cli"] == "numero"
    assert mappings.names("transfer/transfer")["userdnis"] == "transferToAgent"
    assert Mappings().names(NATIVE_ROUTE) == {}


def test_default_mapping_of_every_tutorial_route_is_the_contract() -> None:
    mappings = Mappings()
    for path, route in TUTORIAL_ROUTES.items():
        effective = mappings.for_route(path)
        assert all(effective[wire] == variable for wire, variable in route.mapping.items())
        assert effective["transfer"] == "userdnis"  # the published alias


def test_a_file_giving_one_variable_two_chosen_names_is_refused_naming_the_clash_and_line() -> None:
    text = '[routes."service/ring.php"]\nnumero = "cli"\nchiamante = "cli"\n'
    with pytest.raises(MappingFileError, match=r"line 3: chiamante -> cli clashes on service/ring with"):
        parse_mapping_text(text)


def test_a_file_pointing_a_default_name_at_a_variable_that_has_one_is_refused() -> None:
    with pytest.raises(MappingFileError, match=r"line 2: dateTime -> cli clashes .*callerNumber \(default\)"):
        parse_mapping_text('[routes."service/ring"]\ndateTime = "cli"\n')


def test_a_new_name_beside_the_default_one_is_a_rename_not_a_clash() -> None:
    mappings = Mappings(parse_mapping_text('[routes."service/ring"]\nnumero = "cli"\ncrm = "popup1"\n'))
    assert mappings.clashes() == []
    assert Mappings(None, {"service/ring": {"a": "popup1", "b": "popup1"}}).clashes() == []
    assert Mappings().clashes() == []  # the defaults (transfer and transferToAgent) are aliases
