"""Command-line flags generated from config dataclasses: one flag per field, typed and range-checked.

``--steps`` for ``steps``, ``--g-optimizer-lr`` for ``g_optimizer.lr`` (nested configs), ``--spectral-norm``
/ ``--no-spectral-norm`` for booleans, two values for a pair. Flags default to absent, so the parsed
namespace holds exactly what the user gave (the overrides), under the field's dotted name.
"""
import argparse
import dataclasses
import difflib
import typing

from .run.settings import check_value, describe_expected, field_types


class UsageError(ValueError):
    """A command line that does not fit: exits with the usage code after one line."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (``error: ...``) and exit code 2, never the usage block;
    flags are never abbreviated (``--lr`` must not silently become ``--lr-schedule``), and an unknown
    flag is answered with the known ones it resembles."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}{self._did_you_mean(message)} (see {self.prog} --help)")

    def _did_you_mean(self, message):
        """'; did you mean --a or --b?' for the known flags an unknown one is a word of or is spelled like."""
        if not message.startswith("unrecognized arguments: "):
            return ""
        known = {flag[2:]: flag for action in self._actions for flag in action.option_strings if flag.startswith("--")}
        unknown = [word.split("=")[0][2:] for word in message.split(": ", 1)[1].split() if word.startswith("--")]
        close = sorted({known[name] for word in unknown for name in known
                        if word in name.split("-") or name in difflib.get_close_matches(word, known, cutoff=0.75)})
        return f"; did you mean {' or '.join(close)}?" if close else ""


def add_config_flags(parser, config_class, skip=(), prefix="", title=None):
    """Add one flag per field of ``config_class`` (recursing into nested configs) to ``parser``."""
    group = parser.add_argument_group(title) if title else parser
    types = field_types(config_class)
    for field in dataclasses.fields(config_class):
        if field.name in skip:
            continue
        dest, kind = prefix + field.name, types[field.name]
        if dataclasses.is_dataclass(kind):
            add_config_flags(group, kind, prefix=f"{dest}.")
            continue
        flag = "--" + dest.replace(".", "-").replace("_", "-")
        help_text = f"{field.metadata.get('help', '')} ({_default_text(field)})"
        if kind is bool:
            group.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=help_text)
        elif typing.get_origin(kind) is tuple:
            item_kinds = typing.get_args(kind)
            group.add_argument(flag, dest=dest, nargs=len(item_kinds), type=_checker(flag, field, item_kinds[0]),
                               default=argparse.SUPPRESS, metavar=_metavar(item_kinds[0]), help=help_text)
        else:
            group.add_argument(flag, dest=dest, type=_checker(flag, field, kind), default=argparse.SUPPRESS,
                               metavar=_metavar(kind, field), help=help_text)


def _default_text(field):
    default = field.default if field.default is not dataclasses.MISSING else None
    choices = field.metadata.get("choices")
    text = f"default {default}" if default is not None and not dataclasses.is_dataclass(default) else ""
    return "; ".join(part for part in (text, f"one of {', '.join(map(str, choices))}" if choices else "") if part) \
        or "see the preset"


def _metavar(kind, field=None):
    if field is not None and field.metadata.get("choices"):
        return "{" + ",".join(map(str, field.metadata["choices"])) + "}"
    return {int: "INT", float: "NUMBER", str: "TEXT"}.get(kind, kind.__name__.upper())


def _checker(flag, field, kind):
    """argparse type: the text converted and range-checked, or an error naming the flag's expectation."""
    def convert(text):
        try:
            value = kind(text) if kind is not int else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {describe_expected(field, kind)}, got {text!r}") from None
        try:
            return check_value(flag, field, kind, value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error).split(": ", 1)[1]) from None

    convert.__name__ = _metavar(kind)
    return convert


def given_overrides(namespace, config_classes):
    """{dotted field name: value} of the config flags present in ``namespace``."""
    names = set()
    for config_class in config_classes:
        names |= _dotted_names(config_class)
    return {name: (tuple(value) if isinstance(value, list) else value)
            for name, value in vars(namespace).items() if name in names}


def _dotted_names(config_class, prefix=""):
    names, types = set(), field_types(config_class)
    for field in dataclasses.fields(config_class):
        if dataclasses.is_dataclass(types[field.name]):
            names |= _dotted_names(types[field.name], f"{prefix}{field.name}.")
        else:
            names.add(prefix + field.name)
    return names
