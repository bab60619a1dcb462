"""Every setting is documented in the README (name and environment variable)."""

from pathlib import Path

from clearway.settings import SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented():
    text = README.read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in text]
    assert not missing, f"settings missing from README: {missing}"
