"""Reading YAML files safely: scenario files, the files they extend, funding parameter files.

A file given to Parcours may be anything: a directory, a device, a huge or binary file, a file
nested thousands of levels deep or written in another encoding. :func:`read_yaml` reads it
within stated limits and raises :class:`~sim.scenario.errors.ScenarioError` naming the file, the
field and the rule, never a traceback:

- only a regular file (not a directory, a device or a pipe), of at most
  :data:`MAX_FILE_BYTES` bytes (read no further than that);
- UTF-8 text (a UTF-8 byte order mark is accepted), without a NUL character;
- YAML nested at most :data:`MAX_DEPTH` levels, with at most :data:`MAX_NODES` values once
  aliases are expanded (a "billion laughs" file is refused before it is built);
- no key repeated in one mapping (YAML would keep the last one silently): the error names the
  key and both lines;
- dates are not converted: they stay text, and the schema reads them (``run.start``, the start
  dates of a parameter file), so that an impossible date is an error naming its field.

What a scenario may reach (:func:`check_reachable`): the files it extends and the parameter file
it names must lie in the folder of the scenario file given to Parcours (or below it), in the
shipped ``scenarios/`` folder, or for parameter files in the shipped ``sim/parameters/``; other
folders are allowed explicitly (``--allow-dir DIR`` on the command line, :func:`allowing` or the
``allow`` argument of :func:`~sim.scenario.loading.load_scenario` in Python).

Error messages never print what a file that is not a scenario holds: a file that is not UTF-8
YAML, or not a mapping, is described by its line and column and the rule it breaks.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import ScenarioError, shown

MAX_FILE_BYTES = 1_000_000
"""Largest YAML file read [bytes] (the baseline scenario is about 25,000)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (a scenario needs 6)."""
MAX_NODES = 200_000
"""Most values in a file once aliases are expanded (the baseline has about 1,200)."""

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_SCENARIOS = PACKAGE_ROOT / "scenarios"
SHIPPED_PARAMETERS = PACKAGE_ROOT / "sim" / "parameters"

_ALLOWED: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "parcours_allowed_dirs", default=()
)


def allow_dirs(dirs: Iterable[str | Path]) -> None:
    """Allow scenarios read from now on (in this context) to reach files under ``dirs`` too."""
    _ALLOWED.set(tuple(Path(d).resolve() for d in dirs))


@contextlib.contextmanager
def allowing(dirs: Iterable[str | Path]) -> Iterator[None]:
    """Within the block, scenarios may also reach files under ``dirs``."""
    token = _ALLOWED.set(tuple(Path(d).resolve() for d in dirs))
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def allowed_roots(top: Path, allow: Iterable[str | Path] = ()) -> tuple[Path, ...]:
    """The folders a scenario whose top file is ``top`` may reach, resolved."""
    roots = [_resolve(top).parent, SHIPPED_SCENARIOS, SHIPPED_PARAMETERS]
    roots += [Path(d).resolve() for d in allow]
    roots += list(_ALLOWED.get())
    return tuple(dict.fromkeys(roots))


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: keep the path as given
        return Path(os.path.abspath(path))


def check_reachable(
    target: Path, roots: tuple[Path, ...], file: str | Path, field: str, what: str
) -> Path:
    """``target`` resolved, if it lies under one of ``roots``; else an error on ``file: field``."""
    resolved = _resolve(target)
    if any(resolved == r or resolved.is_relative_to(r) for r in roots):
        return resolved
    shown_roots = ", ".join(str(r) for r in roots)
    raise ScenarioError(
        file,
        field,
        f"{what} {target} is outside the folders a scenario may read ({shown_roots}); "
        "allow another folder with --allow-dir DIR",
    )


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with dates kept as text and nesting depth bounded."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooDeep(mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooDeep(Exception):
    def __init__(self, mark):
        super().__init__()
        self.mark = mark


_FAST = getattr(yaml, "__with_libyaml__", False)


class _CLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's safe loader (about 7 times faster), used once the depth is known to be safe."""


# Dates stay text: drop the timestamp resolver (the schema and the parameter files parse them).
_NO_DATES = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_implicit_resolvers = _NO_DATES
_CLoader.yaml_implicit_resolvers = _NO_DATES


def _check_depth(text: str) -> None:
    """Raise :class:`_TooDeep` at the first collection deeper than MAX_DEPTH (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_CLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeep(event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _open_checked(path: Path, referrer: tuple[str | Path, str] | None, what: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES, or an error naming the referrer."""
    file, field = referrer if referrer else (path, "")
    prefix = f"{what} {path}" if referrer else what
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(file, field, f"{prefix}: file not found") from None
    except RuntimeError:
        raise ScenarioError(file, field, f"{prefix}: a symbolic link loop") from None
    except OSError as err:
        if err.errno == 40:  # ELOOP
            raise ScenarioError(file, field, f"{prefix}: a symbolic link loop") from None
        raise ScenarioError(file, field, f"{prefix}: cannot be read ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(file, field, f"{prefix}: is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(file, field, f"{prefix}: not a regular file (a device or a pipe)")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            file, field, f"{prefix}: {info.st_size:,} bytes; at most {MAX_FILE_BYTES:,} are read"
        )
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ScenarioError(file, field, f"{prefix}: cannot be read ({err.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(file, field, f"{prefix}: more than {MAX_FILE_BYTES:,} bytes")
    return data


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(path, "", "the file is UTF-16; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError(path, "", f"a NUL byte at line {line}: not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ScenarioError(
            path, "", f"not UTF-8: byte 0x{data[err.start]:02x} at line {line}; save it as UTF-8"
        ) from None


def _where(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"


def _key_text(node) -> str:
    return shown(node.value) if isinstance(node, yaml.ScalarNode) else "a complex key"


def _check_nodes(path: Path, root) -> None:
    """Refuse repeated keys, NUL characters and too many values (aliases expanded)."""
    count = 0
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, where = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ScenarioError(
                path, "", f"more than {MAX_NODES:,} values once aliases are expanded"
            )
        if isinstance(node, yaml.ScalarNode):
            if "\x00" in node.value:
                raise ScenarioError(
                    path, where, f"a NUL character ({_where(node.start_mark)}) is not allowed"
                )
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, f"{where}.{i}" if where else str(i)) for i, child in
                         enumerate(node.value))  # fmt: skip
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, Any] = {}
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    stack.append((value, where))
                    continue
                name = key.value if isinstance(key, yaml.ScalarNode) else repr(key.start_mark)
                child = f"{where}.{name}" if where else str(name)
                if name in seen:
                    first = seen[name].start_mark.line + 1
                    raise ScenarioError(
                        path,
                        child,
                        f"duplicate key {_key_text(key)} (line {first} and line "
                        f"{key.start_mark.line + 1}); give each key once",
                    )
                seen[name] = key
                stack.append((key, where))
                stack.append((value, child))


def read_yaml(
    path: str | Path,
    referrer: tuple[str | Path, str] | None = None,
    what: str = "file",
) -> Any:
    """Read one YAML file within the limits of this module.

    Args:
        path: the file.
        referrer: ``(file, field)`` that names ``path`` (an ``extends`` or a parameter file):
            when ``path`` cannot be read at all, the error names the referrer.
        what: what the file is, for messages ("extends", "parameter file").

    Returns:
        The data (dates as text).

    Raises:
        ScenarioError: the file cannot be read, is not UTF-8 YAML or breaks a limit.
    """
    path = Path(path)
    text = _decode(path, _open_checked(path, referrer, what))
    loader = None
    try:
        try:
            if _FAST:
                _check_depth(text)  # the C composer recurses: check the depth first
                loader = _CLoader(text)
            else:
                loader = _Loader(text)
            root = loader.get_single_node()
        except _TooDeep as err:
            raise ScenarioError(
                path, "", f"nested more than {MAX_DEPTH} levels deep ({_where(err.mark)})"
            ) from None
        except yaml.MarkedYAMLError as err:
            if "nesting depth" in str(err.problem):  # libyaml's own limit, met while scanning
                raise ScenarioError(
                    path,
                    "",
                    f"nested more than {MAX_DEPTH} levels deep ({_where(err.problem_mark)})",
                ) from None
            raise ScenarioError(
                path, "", f"not valid YAML at {_where(err.problem_mark)}: {err.problem}"
            ) from None
        except yaml.YAMLError as err:
            raise ScenarioError(path, "", f"not valid YAML ({type(err).__name__})") from None
        if root is None:
            return None
        _check_nodes(path, root)
        try:
            return loader.construct_document(root)
        except yaml.MarkedYAMLError as err:
            raise ScenarioError(
                path, "", f"not valid YAML at {_where(err.problem_mark)}: {err.problem}"
            ) from None
        except (ValueError, OverflowError, TypeError) as err:  # e.g. a bad !!binary or !!float
            raise ScenarioError(
                path, "", f"a value cannot be read ({type(err).__name__})"
            ) from None
    finally:
        if loader is not None:
            loader.dispose()
