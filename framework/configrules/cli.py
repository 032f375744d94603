"""The ``configrules`` command.

Exit codes: 0 success; 1 non-compliant resources found with ``--fail-on``;
2 usage or input error (one clear line, no traceback unless ``--debug``);
141 the reader of the output went away (``| head``), reported without a message.
Heavy modules are imported inside the commands so ``configrules --help`` is instant.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ._models import Resource
    from ._rules import Rule

__all__ = ["main"]

EXIT_NON_COMPLIANT = 1
EXIT_USAGE = 2
#: 128 + SIGPIPE, what a shell reports for a Unix tool whose reader went away.
EXIT_BROKEN_PIPE = 141


class InputError(click.ClickException):
    """A bad input file or line: one clear line and exit code 2."""

    exit_code = EXIT_USAGE


class _Group(click.Group):
    """Turns configrules errors into one line and exit code 2; adds plugins' commands.

    Plugin commands (hook ``configrules_cli_commands``) are looked up only when a
    name is not a built-in command or when commands are listed, so running a
    built-in command never scans plugins.
    """

    def _plugin_commands(self) -> dict[str, click.Command]:
        from ._plugins import make_plugin_manager

        commands: dict[str, click.Command] = {}
        loaded = make_plugin_manager()
        for group in loaded.manager.hook.configrules_cli_commands():
            for command in group or ():
                if command.name and command.name not in self.commands:
                    commands[command.name] = command
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = self._plugin_commands().get(cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import ConfigRulesError

        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`configrules run ... | head`): stop quietly,
            # as Unix tools do, and point stdout at /dev/null so the
            # interpreter's last flush cannot raise again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
        except (ConfigRulesError, OSError, ValueError) as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Group)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="configrules", prog_name="configrules")
def main(debug: bool) -> None:
    """Write, test and run Alibaba Cloud Config custom rules."""


def _import_from_the_current_directory() -> None:
    """Make modules in the current directory importable, as ``python -m`` does.

    A console script's ``sys.path`` starts with its own ``bin`` directory, so
    without this ``configrules run my_rules:check`` could not find
    ``./my_rules.py``, the first thing an author tries.
    """
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)


def _resolve(name: str, rules_module: str | None) -> Rule:
    from .fc import resolve_rule

    _import_from_the_current_directory()
    if rules_module and ":" not in name:
        return resolve_rule(f"{rules_module}:{name}")
    return resolve_rule(name)


@main.command("list")
@click.option(
    "--rules",
    "rules_module",
    metavar="MODULE_OR_PATH",
    help="List the rules of a module (or one rule, by import path module:function) "
    "instead of the installed plugins'.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_rules(rules_module: str | None, as_json: bool) -> None:
    """List the rules available (from installed plugins, or --rules MODULE)."""
    from ._registry import RuleRegistry
    from ._rules import Rule

    if rules_module:
        import importlib

        from .errors import RuleNotFoundError

        registry = RuleRegistry()
        _import_from_the_current_directory()
        if ":" in rules_module:
            registry.register(_resolve(rules_module, None), source=rules_module)
        else:
            try:
                module = importlib.import_module(rules_module)
            except ImportError as exc:
                raise RuleNotFoundError(
                    f"--rules {rules_module!r}: cannot import the module ({exc})"
                ) from exc
            for value in vars(module).values():
                if isinstance(value, Rule) and value.name not in registry:
                    registry.register(value, source=rules_module)
    else:
        from ._plugins import load_registry

        registry = load_registry()
    rows: list[dict[str, Any]] = [
        {
            "name": r.name,
            "resourceTypes": list(r.resource_types),
            "description": r.description,
            "parameters": r.parameters.describe(),
            "source": registry.source_of(r.name),
            "importPath": r.source,
        }
        for r in registry
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("no rules found (install a rule plugin, or use --rules MODULE)")
        return
    for row in rows:
        click.echo(f"{row['name']}  [{row['source']}]")
        click.echo(f"  {row['description']}")
        click.echo(f"  types: {', '.join(row['resourceTypes'])}")
        for p in row["parameters"]:
            default = "required" if p["required"] else f"default {p['default']!r}"
            click.echo(f"  param {p['name']}: {p['type']} ({default})")


@main.command()
def plugins() -> None:
    """List loaded plugins, and those that failed or were blocked, with why."""
    from ._plugins import make_plugin_manager

    loaded = make_plugin_manager()
    for name in loaded.loaded:
        click.echo(f"loaded   {name}")
    for name in loaded.blocked:
        click.echo(f"blocked  {name} (CONFIGRULES_DISABLE_PLUGINS)")
    for failure in loaded.failed:
        click.echo(f"FAILED   {failure.name}: {failure.cause}")


def _parameters(pairs: tuple[str, ...], parameters_file: str | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if parameters_file:
        data = json.loads(Path(parameters_file).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise click.BadParameter("must hold a JSON object", param_hint="--parameters-file")
        values.update({k: str(v) for k, v in data.items()})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--parameter")
        values[key] = value
    return values


#: One row of ``run``'s table: resource, type, compliance, annotation. Rows are
#: written as they are made, so widths are fixed rather than measured.
_TABLE_ROW = "{:<32} {:<28} {:<17} {}\n"

#: Inputs at least this large get a progress bar (when stderr is a terminal).
PROGRESS_THRESHOLD_BYTES = 8 * 1024 * 1024


def _input_files(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl"))
        else:
            files.append(path)
    return files


def _items(
    files: list[Path], advance: Callable[[int], None] = lambda size: None
) -> Iterator[tuple[str, Any]]:
    """(where, item) for every configuration item in the files, streamed.

    JSON Lines files are read a line at a time (in bytes, so ``advance`` can
    report progress cheaply); a million-line export is never held in memory.
    """
    from ._events import items_in_document

    for file in files:
        if file.suffix == ".jsonl":
            with file.open("rb") as handle:
                for number, line in enumerate(handle, 1):
                    advance(len(line))
                    if line.strip():
                        try:
                            yield f"{file}:{number}", json.loads(line)
                        except ValueError as exc:
                            raise InputError(
                                f"{file}: line {number} is not valid JSON ({exc})"
                            ) from None
            continue
        data = file.read_bytes()
        advance(len(data))
        try:
            document = json.loads(data)
        except ValueError as exc:
            raise InputError(f"{file}: not valid JSON ({exc})") from None
        for item in items_in_document(document):
            yield str(file), item


def _resources(items: Iterator[tuple[str, Any]]) -> Iterator[Resource]:
    from ._events import resource_from_item
    from .errors import EventError

    for where, item in items:
        try:
            yield resource_from_item(item)
        except EventError as exc:
            raise InputError(f"{where}: {exc}") from None


@contextlib.contextmanager
def _progress(files: list[Path], wanted: bool | None) -> Iterator[Callable[[int], None]]:
    """A byte-counting progress bar on stderr, or a no-op.

    Shown when asked (``--progress``), or by default when the input is large
    and stderr is a terminal, so pipes and CI logs never fill with bars.
    """
    total = sum(file.stat().st_size for file in files)
    show = wanted if wanted is not None else total >= PROGRESS_THRESHOLD_BYTES
    if not show or not sys.stderr.isatty():
        yield lambda size: None
        return
    with click.progressbar(length=total, label="evaluating", file=sys.stderr) as bar:
        pending = 0

        def advance(size: int) -> None:
            # Redrawing per line would cost more than parsing it; batch 1 MiB.
            nonlocal pending
            pending += size
            if pending >= 1 << 20:
                bar.update(pending)
                pending = 0

        yield advance
        bar.update(pending)


@main.command()
@click.argument("rule_name", metavar="RULE")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--rules", "rules_module", help="Module holding RULE (else plugins / import path).")
@click.option(
    "-p",
    "--parameter",
    "--parameters",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A rule parameter (repeatable).",
)
@click.option("--parameters-file", type=click.Path(exists=True), help="JSON object of parameters.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table")
@click.option(
    "--fail-on",
    type=click.Choice(["non-compliant", "never"]),
    default="never",
    help="Exit 1 when a resource is NON_COMPLIANT.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when the input is large and stderr is a terminal).",
)
def run(
    rule_name: str,
    paths: tuple[str, ...],
    rules_module: str | None,
    pairs: tuple[str, ...],
    parameters_file: str | None,
    fmt: str,
    fail_on: str,
    progress: bool | None,
) -> None:
    """Evaluate configuration items from files (JSON, JSONL, directories); submits nothing."""
    from collections import Counter

    from ._engine import Evaluator

    rule = _resolve(rule_name, rules_module)
    evaluator = Evaluator(rule, parameters=_parameters(pairs, parameters_file))
    counts: Counter[str] = Counter()
    files = _input_files(paths)
    # Every format streams: one line per evaluation as it is made. Written
    # without click.echo, which flushes on every call.
    out = sys.stdout
    separator = "[\n" if fmt == "json" else ""
    if fmt == "table":
        out.write(_TABLE_ROW.format("RESOURCE", "TYPE", "COMPLIANCE", "ANNOTATION"))
    with _progress(files, progress) as advance:
        for evaluation in evaluator.evaluate(_resources(_items(files, advance))):
            counts[evaluation.compliance.value] += 1
            if fmt == "table":
                e = evaluation
                out.write(
                    _TABLE_ROW.format(
                        e.resource_id, e.resource_type, e.compliance.value, e.annotation
                    )
                )
            elif fmt == "jsonl":
                out.write(json.dumps(evaluation.to_api(), ensure_ascii=False) + "\n")
            else:  # json: an array written element by element
                out.write(separator + json.dumps(evaluation.to_api(), ensure_ascii=False))
                separator = ",\n"
    if fmt == "json":
        out.write("[]\n" if separator == "[\n" else "\n]\n")
    out.flush()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing evaluated"
    click.echo(f"{sum(counts.values())} evaluation(s): {summary}", err=True)
    for failure in evaluator.failures:
        click.echo(f"rule failed: {failure.describe()}", err=True)
    if evaluator.raising_failures:
        sys.exit(EXIT_USAGE)
    if fail_on == "non-compliant" and counts["NON_COMPLIANT"]:
        sys.exit(EXIT_NON_COMPLIANT)


@main.command()
@click.argument("rule_name", metavar="RULE")
@click.argument("event_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--rules", "rules_module", help="Module holding RULE (else plugins / import path).")
@click.option("--local", is_flag=True, help="Submit to an embedded emulator started for this call.")
@click.option(
    "--endpoint", envvar="CONFIGRULES_ENDPOINT", help="Cloud Config endpoint (host or URL)."
)
@click.option("--signature", type=click.Choice(["v3", "v2"]), default=None)
@click.option(
    "--profile",
    envvar="ALIBABA_CLOUD_PROFILE",
    help="Take the credentials from this Alibaba Cloud CLI profile (~/.aliyun/config.json) "
    "only (default: the environment's keys, then the CLI's current profile).",
)
def invoke(
    rule_name: str,
    event_file: str,
    rules_module: str | None,
    local: bool,
    endpoint: str | None,
    signature: str | None,
    profile: str | None,
) -> None:
    """Run the whole Function Compute pipeline on EVENT_FILE.

    With --local, against an embedded emulator (then prints what it received);
    otherwise against --endpoint / CONFIGRULES_ENDPOINT with credentials from
    the environment or the CLI profile. Refuses to guess between the two.
    """
    from .fc import make_handler

    rule = _resolve(rule_name, rules_module)
    raw = Path(event_file).read_bytes()
    if local:
        from ._credentials import Credentials
        from .emulator import ConfigEmulator

        with ConfigEmulator({"local": "local-secret"}) as emulator:
            handler = make_handler(
                rule,
                credentials=Credentials("local", "local-secret"),
                endpoint=emulator.endpoint,
                signature_version=signature,
            )
            summary = handler(raw, None)
            received = [dict(s.evaluation) for s in emulator.evaluations()]
        click.echo(
            json.dumps(
                {"summary": summary, "emulatorReceived": received}, indent=2, ensure_ascii=False
            )
        )
        return
    if not endpoint:
        raise click.UsageError(
            "choose where to submit: --local for the embedded emulator, or --endpoint "
            "(or CONFIGRULES_ENDPOINT) for Cloud Config itself; nothing was submitted"
        )
    credentials = None
    if profile:
        from ._credentials import CliProfileProvider

        credentials = CliProfileProvider(profile=profile)
    handler = make_handler(
        rule, credentials=credentials, endpoint=endpoint, signature_version=signature
    )
    click.echo(json.dumps(handler(raw, None), indent=2))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8999, show_default=True, type=int)
@click.option(
    "--credential",
    "credentials",
    multiple=True,
    metavar="ID:SECRET",
    help="An accepted access key (repeatable); default testid:testsecret.",
)
@click.option("--inventory", type=click.Path(exists=True), help="JSON/JSONL file or directory.")
def emulator(host: str, port: int, credentials: tuple[str, ...], inventory: str | None) -> None:
    """Serve the local Cloud Config emulator until interrupted."""
    from .emulator import ConfigEmulator

    accepted = {}
    for pair in credentials or ("testid:testsecret",):
        key, sep, secret = pair.partition(":")
        if not sep or not key or not secret:
            raise click.BadParameter(
                f"expected ID:SECRET, got {key!r}:…", param_hint="--credential"
            )
        accepted[key] = secret
    server = ConfigEmulator(accepted, host=host, port=port, inventory=inventory)
    server.start()
    click.echo(
        f"configrules emulator serving on {server.endpoint} "
        f"({server.state.resource_count()} resources); Ctrl-C to stop",
        err=True,
    )
    click.echo(server.endpoint)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        server.stop()


@main.command()
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False),
    help="Where to write it (default: ./NAME). Must be empty or absent.",
)
def new(name: str, directory: str | None) -> None:
    """Scaffold a rule plugin distribution NAME (one rule, tests, a case file, an event).

    Its tests pass right after ``pip install -e NAME``.
    """
    from ._scaffold import scaffold

    written = scaffold(name, directory)
    root = Path(directory) if directory else Path(name)
    for path in written:
        click.echo(f"created {path}")
    click.echo(
        # Quoted: zsh, macOS's default shell, expands [test] as a glob.
        f'\nnext: python -m pip install -e "{root}[test]" && python -m pytest {root}',
        err=True,
    )


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


@main.command()
@click.argument("rule_name", metavar="RULE")
@click.option("--rules", "rules_module", help="Module holding RULE (else plugins / import path).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="function.zip",
    show_default=True,
    help="The zip to write.",
)
@click.option(
    "--python-version",
    metavar="X.Y",
    help="The Function Compute runtime's Python (default: this interpreter's).",
)
@click.option(
    "--find-links",
    multiple=True,
    metavar="DIR_OR_URL",
    help="Passed to pip: where else to look for wheels.",
)
@click.option("--no-index", is_flag=True, help="Passed to pip: use only --find-links.")
def package(
    rule_name: str,
    rules_module: str | None,
    output: str,
    python_version: str | None,
    find_links: tuple[str, ...],
    no_index: bool,
) -> None:
    """Build a Function Compute code package (zip) whose index.handler serves RULE.

    The zip holds index.py, configrules, the rule's own package and the runtime
    dependencies of both as pure-Python wheels for the target Python.
    """
    from ._packaging import build_package

    rule = _resolve(rule_name, rules_module)
    pip_options = [option for link in find_links for option in ("--find-links", link)]
    if no_index:
        pip_options.append("--no-index")
    report = build_package(rule, output, python_version=python_version, pip_options=pip_options)
    click.echo(
        f"wrote {report.output} ({_human(report.zip_bytes)} zipped) for Python {report.python_version}"
    )
    for name, size in report.sizes:
        click.echo(f"  {_human(size):>10}  {name}")
    click.echo(f"handler: {report.handler}")
    click.echo(
        "environment: none required. Optional: CONFIGRULES_ENDPOINT (default: the "
        "Cloud Config endpoint), CONFIGRULES_SIGNATURE (v3 or v2). Credentials come "
        "from the function's role."
    )


if __name__ == "__main__":  # pragma: no cover - `python -m configrules.cli`
    main()
