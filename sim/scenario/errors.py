"""The error every invalid scenario raises, and pydantic's validation errors turned into it.

A :class:`ScenarioError` names the file, the field (as a dotted path) and what is allowed; it is
a ``ValueError``, pickled with its fields so that it travels back from worker processes. When a
file has several errors, the first is the error's own file, field and message and the others
follow in :attr:`ScenarioError.others`; the message lists them all, one per line.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic is imported where it is used: catching the error does not load it
    from pydantic import BaseModel, ValidationError

PLAIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""A plain name: it may name a file or a directory without leaving its folder."""
PLAIN_NAME_RULE = (
    "must be a plain name: letters, digits, '_', '-' and '.', starting with a letter or a digit"
)
MAX_LISTED = 200
"""Most validation errors listed in one message."""
MAX_SHOWN = 60
"""Longest value or key, in characters, repeated in a message."""

# Messages of pydantic error types whose own text is unclear for a scenario's author.
_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required field is missing",
    "finite_number": "must be a finite number (not .nan or .inf)",
}


def shown(value) -> str:
    """``repr(value)``, cut to :data:`MAX_SHOWN` characters, for messages."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 5] + "...'" + text[-1:]


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file, the field and the rule."""

    def __init__(
        self,
        file: str | Path,
        field: str,
        message: str,
        others: list[ScenarioError] | None = None,
    ):
        """Build the error from the file, the dotted field path and what is allowed.

        Args:
            file: the file at fault (or the option, for a command-line argument).
            field: the dotted path of the field ("" for the whole file).
            message: what is wrong and what is allowed.
            others: further errors found at the same time, listed after this one.
        """
        self.file = str(file)
        self.field = field
        self.message = message
        self.others = list(others or [])
        lines = [self.line()] + [f"  {e.line()}" for e in self.others]
        super().__init__("\n".join(lines))

    def line(self) -> str:
        """``FILE: FIELD: MESSAGE`` (this error alone)."""
        where = f"{self.file}: {self.field}: " if self.field else f"{self.file}: "
        return where + self.message

    def __reduce__(self):
        """Pickle with the fields (errors travel back from worker processes)."""
        return (type(self), (self.file, self.field, self.message, self.others))


def _unwrap(annotation):
    """The model (or container) inside ``Annotated``, ``Optional`` and unions."""
    from pydantic import BaseModel

    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[0]
        else:
            return annotation


def allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the schema allows in the mapping at ``loc`` below ``model`` ([] if unknown)."""
    from pydantic import BaseModel

    current = model
    i = 0
    while i < len(loc):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(loc[i]))
        if field is None:
            return []
        current = _unwrap(field.annotation)
        i += 1
        while typing.get_origin(current) in (dict, list) and i < len(loc):
            current = _unwrap(typing.get_args(current)[-1])
            i += 1
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def did_you_mean(key: str, allowed: list[str]) -> str | None:
    """The allowed key nearest to ``key``, if one is close enough to be a typo."""
    found = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    return found[0] if found else None


def suggestion(name, allowed) -> str:
    """``; did you mean `NEAR`?`` when an allowed name is close to ``name``, else ""."""
    near = did_you_mean(str(name), [str(a) for a in allowed])
    return f"; did you mean `{near}`?" if near else ""


def unknown_names(names, allowed) -> str:
    """``names`` for a message, each with the nearest allowed name when one is close enough.

    >>> unknown_names(["mental_helth"], ["mental_health", "debt"])
    "'mental_helth' (did you mean `mental_health`?)"
    """
    parts = []
    for name in names:
        near = did_you_mean(str(name), [str(a) for a in allowed])
        parts.append(shown(name) + (f" (did you mean `{near}`?)" if near else ""))
    return ", ".join(parts)


def validation_error(
    file: str | Path,
    err: ValidationError,
    model: type[BaseModel] | None = None,
    origin: Callable[[tuple], str] | None = None,
) -> ScenarioError:
    """Every error of a pydantic validation as one :class:`ScenarioError`.

    Args:
        file: the file validated.
        err: the validation error.
        model: the schema validated against, to suggest the nearest valid name for an unknown
            key ("did you mean `practice`?").
        origin: gives, for a field's location, the file that set it (a parent file's defect is
            reported against the parent); by default every error names ``file``.

    Returns:
        The first error, with the others in :attr:`ScenarioError.others`.
    """
    details = err.errors()
    suggested: set[tuple] = set()
    rows = []
    for e in details:
        loc = tuple(p for p in e["loc"] if p != "[key]")  # a mapping's key: its own path
        kind = e["type"]
        msg = _MESSAGES.get(kind) or e["msg"].removeprefix("Value error, ")
        if kind == "string_pattern_mismatch" and e.get("ctx", {}).get("pattern") == PLAIN_NAME:
            msg = PLAIN_NAME_RULE
        if kind == "extra_forbidden" and model is not None:
            near = did_you_mean(str(loc[-1]), allowed_keys(model, loc[:-1]))
            if near is not None:
                msg += f"; did you mean `{near}`?"
                suggested.add((*loc[:-1], near))
        if e.get("input") is not None and kind not in ("missing", "extra_forbidden"):
            if not isinstance(e["input"], dict | list):
                msg += f" (got {shown(e['input'])})"
        rows.append((loc, kind, msg))
    # A missing field explained by a misspelt key beside it is said once, with the suggestion.
    rows = [r for r in rows if not (r[1] == "missing" and r[0] in suggested)]
    errors = [
        ScenarioError(
            origin(loc) if origin else file,
            ".".join(_field_part(p) for p in loc),
            msg,
        )
        for loc, _, msg in rows
    ]
    if len(errors) > MAX_LISTED:
        more = len(errors) - MAX_LISTED
        errors = errors[:MAX_LISTED]
        errors[-1].message += f" (and {more} further errors not listed)"
    first = errors[0]
    return ScenarioError(first.file, first.field, first.message, errors[1:])


def _field_part(part) -> str:
    text = str(part)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
