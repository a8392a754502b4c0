"""The error every invalid scenario raises, and pydantic's validation errors turned into it.

A :class:`ScenarioError` names the file, the field (as a dotted path) and what is allowed; it is
a ``ValueError``, pickled with its three fields so that it travels back from worker processes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file, the field and the rule."""

    def __init__(self, file: str | Path, field: str, message: str):
        """Build the error from the file, the dotted field path and what is allowed."""
        self.file = str(file)
        self.field = field
        self.message = message
        where = f"{self.file}: {field}: " if field else f"{self.file}: "
        super().__init__(where + message)

    def __reduce__(self):
        """Pickle with the three fields (errors travel back from worker processes)."""
        return (type(self), (self.file, self.field, self.message))


def validation_error(file: Path, err: ValidationError) -> ScenarioError:
    """A pydantic validation error as a :class:`ScenarioError` naming the file and first field."""
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "required field is missing"
    if first.get("input") is not None and first["type"] not in ("missing", "extra_forbidden"):
        if not isinstance(first["input"], dict | list):
            msg += f" (got {first['input']!r})"
    extra = len(err.errors()) - 1
    if extra:
        msg += f" [and {extra} more error{'s' if extra > 1 else ''}]"
    return ScenarioError(file, field, msg)
