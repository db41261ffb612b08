"""The ``imaging-hub`` command. Thin: each command parses flags and calls the layer below.

One module per command group (``serve``, ``deid``, ``spoke``, ``audit``, ``demo``); this file only
assembles them. A module registers itself by defining ``register(app)``; modules named with a leading
underscore are helpers the commands share.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from imaging_hub import __version__, logs

app = typer.Typer(
    name="imaging-hub",
    help="Imaging Hub: collect, de-identify, move, govern and use imaging across an NHS research network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals can hold identifiable values
    # Plain help: flags shown by name (`--json`, `--force/--no-force`), where rich help labels them `<bool>`;
    # every sub-command inherits it.
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and stop."
    ),
) -> None:
    """Imaging Hub command line."""
    logs.silence_value_quoting_libraries()


@app.command()
def version() -> None:
    """Print the Imaging Hub version."""
    typer.echo(__version__)


def _register_commands() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{module.name}").register(app)


_register_commands()
