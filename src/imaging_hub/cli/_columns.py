"""Help text listing a CSV file's columns, shared by the commands that read or write CSV."""

from __future__ import annotations

from collections.abc import Mapping


def describe(name: str, columns: Mapping[str, str]) -> str:
    listed = "\n\n".join(f"  {column}: {meaning}" for column, meaning in columns.items())
    return f"{name} columns:\n\n{listed}"
