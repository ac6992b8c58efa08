"""Config dataclasses as data: fields with help text and limits, checked, merged and read back from JSON.

Every config of the run layer and of a family is a dataclass whose fields are made with ``setting``:
the help text, the allowed range or choices and whether a resumed run may change it travel with the
field, so the CLI flags, ``--help``, validation and resume checks are all generated from it.
"""
import dataclasses
import math
import typing

_NUMBER_TYPES = (int, float)


def setting(default, help, minimum=None, maximum=None, choices=None, resumable=False, above=None):
    """A dataclass field carrying its help text and its limits.

    ``minimum``/``maximum`` are inclusive bounds, ``above`` an exclusive lower bound, ``choices`` the
    allowed values; ``resumable`` marks run settings a resumed run may change.
    """
    metadata = {"help": help, "minimum": minimum, "maximum": maximum, "above": above, "choices": choices,
                "resumable": resumable}
    if dataclasses.is_dataclass(default) or isinstance(default, (list, dict)):
        value = default
        return dataclasses.field(default_factory=lambda: dataclasses.replace(value) if dataclasses.is_dataclass(value)
                                 else type(value)(value), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def field_types(cls):
    """{field name: its type} of a config dataclass (string annotations resolved)."""
    hints = typing.get_type_hints(cls)
    return {field.name: hints[field.name] for field in dataclasses.fields(cls)}


def describe_expected(field, kind):
    """'an integer >= 1', 'one of a, b', ...: what a field accepts, for error messages."""
    meta = field.metadata
    if meta.get("choices"):
        return "one of " + ", ".join(map(str, meta["choices"]))
    words = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(kind, kind.__name__)
    limits = [f">= {meta['minimum']}" if meta.get("minimum") is not None else "",
              f"> {meta['above']}" if meta.get("above") is not None else "",
              f"<= {meta['maximum']}" if meta.get("maximum") is not None else ""]
    return " ".join([words, " and ".join(limit for limit in limits if limit)]).strip()


def check_value(name, field, kind, value):
    """``value`` converted to the field's type; a ValueError naming ``name`` and what was expected."""
    expected = describe_expected(field, kind)
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name}: expected {expected}, got {value!r}")
        return value
    if kind in _NUMBER_TYPES:
        if (isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES) or not math.isfinite(value)
                or (kind is int and value != int(value))):
            raise ValueError(f"{name}: expected {expected}, got {value!r}")
        value = kind(value)
    elif kind is str and not isinstance(value, str):
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    meta = field.metadata
    out_of_range = ((meta.get("minimum") is not None and value < meta["minimum"])
                    or (meta.get("maximum") is not None and value > meta["maximum"])
                    or (meta.get("above") is not None and value <= meta["above"])
                    or (meta.get("choices") and value not in meta["choices"]))
    if out_of_range:
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return value


def build(cls, values, where=""):
    """An instance of config dataclass ``cls`` from a dict (e.g. read from JSON), every value checked.

    Unknown keys, values of the wrong type and values out of range are errors naming the field;
    missing keys take the defaults. Nested config dataclasses are built recursively; tuples are
    accepted as lists (JSON has no tuples).
    """
    if not isinstance(values, dict):
        raise ValueError(f"{where or cls.__name__}: expected a mapping of settings, got {values!r}")
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"{where or cls.__name__}: unknown setting(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(fields)}")
    types, checked = field_types(cls), {}
    for name, value in values.items():
        label = f"{where}.{name}" if where else name
        kind = types[name]
        if dataclasses.is_dataclass(kind):
            nested = as_dict(value, keep_nested=True) if isinstance(value, kind) else value
            checked[name] = build(kind, nested, label)
        elif typing.get_origin(kind) is tuple:
            checked[name] = _check_tuple(label, fields[name], kind, value)
        else:
            checked[name] = check_value(label, fields[name], kind, value)
    return cls(**checked)


def _check_tuple(name, field, kind, value):
    item_kinds = typing.get_args(kind)
    if not isinstance(value, (list, tuple)) or len(value) != len(item_kinds):
        raise ValueError(f"{name}: expected {len(item_kinds)} values, got {value!r}")
    return tuple(check_value(name, field, item_kind, item) for item_kind, item in zip(item_kinds, value))


def validate(config, where=""):
    """Check every field of a config instance (see ``build``); returns it."""
    build(type(config), as_dict(config, keep_nested=True), where)
    return config


def as_dict(config, keep_nested=False):
    """The config as a plain dict (JSON-ready unless ``keep_nested`` keeps nested dataclasses)."""
    if keep_nested:
        return {field.name: getattr(config, field.name) for field in dataclasses.fields(config)}
    return dataclasses.asdict(config)


def field_names(cls):
    return [field.name for field in dataclasses.fields(cls)]
