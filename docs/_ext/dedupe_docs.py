"""Pages generated from the code at build time, so the docs cannot drift from it.

Three directives, usable from MyST (```` ```{dedupe-options} ````) and reST alike:

* ``dedupe-options``: the table of :data:`dedupe.params.OPTIONS` (name, class, type, default,
  what it does, the command-line flag that sets it).
* ``dedupe-exports``: every name ``import dedupe`` gives, linked to where it is documented.
* ``dedupe-cli``: the reference of the ``dedupe`` command, from
  :func:`dedupe.cli.build_parser` (usage, description and every argument of every command).

Each directive writes reStructuredText and parses it in place, so the references it makes
are checked by the nitpicky build like any other.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any, TypeVar

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


def _cell(text: str) -> str:
    """One table cell: a single line, with ``|`` escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _literal(value: Any) -> str:
    return "``" + repr(value) + "``"


def _list_table(header: list[str], rows: list[list[str]], widths: str = "auto") -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for row in [header, *rows]:
        lines.append("   * - " + _cell(row[0]))
        lines.extend("     - " + _cell(c) for c in row[1:])
    return lines


class _Generated(SphinxDirective):
    has_content = False

    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        source = f"<{self.name} directive, generated from the code>"
        content = StringList(self.lines(), source=source)
        container = nodes.section() if self.name == "dedupe-cli" else nodes.container()
        self.state.nested_parse(content, self.content_offset, container, match_titles=True)
        return list(container.children)


# --- options ------------------------------------------------------------------------------


def _cli_flags() -> dict[str, tuple[str, set[str]]]:
    """Help text -> (flag, the commands that take it), for every flag of the command line."""
    from dedupe.cli import build_parser

    flags: dict[str, tuple[str, set[str]]] = {}
    for path, parser in _commands(build_parser()):
        for action in parser._actions:
            if action.help and action.option_strings:
                flag, commands = flags.setdefault(action.help, (action.option_strings[-1], set()))
                commands.add(" ".join(path[1:]))
    return flags


def _flag_of(opt: Any, flags: dict[str, tuple[str, set[str]]]) -> str:
    """The flag whose help the command line builds from the option's doc, or ``-``."""
    found = sorted(
        (flag, commands)
        for help_text, (flag, commands) in flags.items()
        if help_text.startswith(opt.doc + " (default")
    )
    if not found:
        return "none"
    return "; ".join(f"``{flag}`` ({', '.join(sorted(cmds))})" for flag, cmds in found)


class OptionsTable(_Generated):
    """The table of :data:`dedupe.params.OPTIONS`."""

    def lines(self) -> list[str]:
        from dedupe.params import OPTIONS

        flags = _cli_flags()
        rows = [
            [
                f"``{opt.name}``",
                f":class:`~dedupe.params.{opt.group}`",
                f"``{opt.annotation}``",
                _literal(opt.default),
                opt.doc,
                _flag_of(opt, flags),
            ]
            for opt in OPTIONS.values()
        ]
        header = ["option", "class", "type", "default", "what it does", "command-line flag"]
        return _list_table(header, rows, "12 10 6 8 40 24")


# --- exports ------------------------------------------------------------------------------


def _target(obj: Any, name: str) -> tuple[str, str]:
    """(role, target) of a name ``import dedupe`` gives: where it is documented."""
    if inspect.ismodule(obj):
        return "mod", obj.__name__
    module = getattr(obj, "__module__", "dedupe")
    if name in ("Index", "find_duplicates"):
        return ("class" if inspect.isclass(obj) else "func"), f"dedupe.{name}"
    if name in ("Alignment", "ParagraphOp", "WordOp", "align"):
        module = "dedupe.align"
    if module == "dedupe.match":
        module = "dedupe.results"
    role = "exc" if inspect.isclass(obj) and issubclass(obj, BaseException) else None
    role = role or ("class" if inspect.isclass(obj) else "func" if callable(obj) else "data")
    return role, f"{module}.{name}"


_ROLE = re.compile(r":[a-z]+:`~?([^`<]*?)(?: <[^>]*>)?`")


def _summary(obj: Any) -> str:
    """The first paragraph of ``obj``'s docstring; its roles become literals (their names
    are relative to the module that holds the docstring, not to this page)."""
    doc = inspect.getdoc(obj) or ""
    first = " ".join(doc.split("\n\n", 1)[0].split())
    return _ROLE.sub(lambda m: f"``{m.group(1).strip()}``", first)


class ExportsTable(_Generated):
    """Every name of ``dedupe.__all__``, linked, with the first paragraph of its docstring."""

    def lines(self) -> list[str]:
        import dedupe

        rows = []
        for name in dedupe.__all__:
            obj = getattr(dedupe, name)
            if name == "__version__":
                rows.append([f"``dedupe.{name}``", f"the version, ``{obj}``"])
                continue
            role, target = _target(obj, name)
            rows.append([f":{role}:`dedupe.{name} <{target}>`", _summary(obj)])
        return _list_table(["name", "what it is"], rows, "25 75")


# --- command line ---------------------------------------------------------------------------


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("dedupe",)
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (sub)command's parser, depth first, with its words."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _argument(action: argparse.Action) -> tuple[str, str]:
    if action.option_strings:
        metavar = ""
        if action.nargs != 0:
            metavar = " " + (action.metavar or action.dest.upper())
            if isinstance(action.metavar, tuple):
                metavar = " " + " ".join(action.metavar)
            elif action.choices and not action.metavar:
                metavar = " {" + ",".join(map(str, action.choices)) + "}"
        names = ", ".join(action.option_strings)
        return f"{names}{metavar}", action.help or ""
    metavar = action.metavar or action.dest
    return str(metavar), action.help or ""


def _expand(help_text: str, action: argparse.Action) -> str:
    try:
        return help_text % {**vars(action), "prog": "dedupe"}
    except (KeyError, TypeError, ValueError):
        return help_text


class CommandReference(_Generated):
    """The reference of the ``dedupe`` command, one section a command."""

    def lines(self) -> list[str]:
        from dedupe.cli import build_parser

        out: list[str] = []
        for path, parser in _commands(build_parser()):
            subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            if len(path) > 1 and subparsers:  # a group such as `dedupe index`: its usage only
                pass
            title = " ".join(path)
            out += [title, "-" * len(title), ""]
            usage = parser.format_usage().removeprefix("usage: ").strip()
            out += [".. code-block:: text", ""]
            out += ["   " + line for line in usage.splitlines()]
            out.append("")
            if parser.description:
                out += [_rst_text(parser.description), ""]
            for group in parser._action_groups:
                actions = [
                    a
                    for a in group._group_actions
                    if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)
                ]
                if not actions:
                    continue
                out += [f"**{group.title}**", ""]
                for action in actions:
                    if isinstance(action, argparse._SubParsersAction):
                        for choice in action._choices_actions:
                            sub = " ".join((*path, choice.dest))
                            out += [f"``{sub}``", f"   {_rst_text(choice.help or '')}", ""]
                        continue
                    name, help_text = _argument(action)
                    text = _rst_text(_expand(help_text, action)) or "\\ "
                    out += [f"``{name}``", f"   {text}", ""]
            if parser.epilog:
                out += [_rst_text(parser.epilog), ""]
        return out


_FLAG = re.compile(r"(?<![\w`\\-])(--?[A-Za-z][\w\\-]*)")


def _rst_text(text: str) -> str:
    """argparse's plain text as one reST paragraph: backquoted words become literals."""
    words = " ".join(text.split())
    parts = words.split("`") if words.count("`") % 2 == 0 else [words]
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"``{part}``")
            continue
        for ch in ("\\", "*", "|", "_", "`"):
            part = part.replace(ch, "\\" + ch)
        # flags as literals (and so never turned into dashes by smart quotes)
        out.append(_FLAG.sub(lambda m: f"``{m.group(1).replace(chr(92), '')}``", part))
    return "".join(out)


# --- roles that name the wrong kind of object --------------------------------------------


class CheckRoles(SphinxPostTransform):
    """Warn when a Python role names an object of another kind (``:class:`` for a function,
    ``:meth:`` for a property...): Sphinx resolves such a reference silently, so a strict
    build would not notice a wrong role. Runs just before references are resolved."""

    default_priority = 9  # ReferencesResolver is 10

    def run(self, **kwargs: Any) -> None:
        domain = self.env.domains["py"]
        for node in self.document.findall(addnodes.pending_xref):
            role = node.get("reftype")
            if node.get("refdomain") != "py" or role in ("obj", "mod", None):
                continue
            matches = domain.find_obj(
                self.env,
                node.get("py:module"),
                node.get("py:class"),
                node["reftarget"],
                None,
                1 if node.get("refspecific") else 0,
            )
            if len(matches) != 1:
                continue  # not found (the nitpicky build says so) or ambiguous
            name, entry = matches[0]
            allowed = domain.objtypes_for_role(role) or []
            if entry.objtype not in allowed and not _is_type_variable(name):
                logger.warning(
                    "role :%s: names %s, a %s (use :%s:)",
                    role,
                    name,
                    entry.objtype,
                    _ROLE_OF.get(entry.objtype, "obj"),
                    location=node,
                    type="dedupe",
                    subtype="role",
                )


def _is_type_variable(name: str) -> bool:
    """Whether ``name`` is a ``TypeVar`` (autodoc links those in signatures as classes)."""
    module, _, attr = name.rpartition(".")
    try:
        return isinstance(getattr(importlib.import_module(module), attr, None), TypeVar)
    except ImportError:
        return False


_ROLE_OF = {
    "function": "func",
    "method": "meth",
    "classmethod": "meth",
    "staticmethod": "meth",
    "class": "class",
    "exception": "exc",
    "data": "data",
    "attribute": "attr",
    "property": "attr",
    "module": "mod",
    "type": "type",
}


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(CheckRoles)
    app.add_directive("dedupe-options", OptionsTable)
    app.add_directive("dedupe-exports", ExportsTable)
    app.add_directive("dedupe-cli", CommandReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
