"""URL converters shared by every app's urls.py (importing this module registers them)."""

from django.urls import register_converter


class IdConverter:
    """A row id: at most 18 digits, so it always fits a 64-bit integer column.

    Django's ``int`` converter accepts any number of digits, and SQLite raises OverflowError on
    an id past 2**63 instead of simply finding no row. A longer id is a plain 404 here.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
