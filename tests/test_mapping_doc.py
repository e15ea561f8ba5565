"""The example mapping in docs/ is valid for the contract (every name it maps is real)."""

from pathlib import Path

from etl.sources import _mapping


def test_the_example_mapping_parses_and_names_contract_columns():
    mapping = _mapping(Path(__file__).parent.parent / "docs" / "mapping.example.toml")
    assert set(mapping) == {"incidents", "investigations", "supervision"}
    assert mapping["supervision"]["watermark"] == "entry_id"
