"""The calibration's targets file: its schema, its loading and the ``--truth`` values.

The targets file (``calibration/targets.yaml``) lists the published figures the model can reproduce
(:class:`Target`: value, tolerance, weight, source and the named statistic of
:mod:`sim.experiments.target_statistics` that computes the model's counterpart), the parameters to
fit (:class:`Parameter`: dotted scenario paths with bounds, a starting value and why they are
uncertain) and the published figures left aside (:class:`NotReproduced`, with the reason).
:func:`load_targets` validates it against a scenario; :func:`parse_truth` reads the known values
of an identifiability check (``parcours calibrate --truth PATH=VALUE``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.experiments.sweeps import value_at
from sim.experiments.target_statistics import STATISTICS
from sim.scenario import (
    Scenario,
    ScenarioError,
    Strict,
    apply_overrides,
    read_yaml,
    scenario_from_dict,
    scenario_to_dict,
    validation_error,
)


class Target(Strict):
    """One published figure and the statistic that reproduces it."""

    name: str = Field(description="unique name of this target")
    id: str = Field(
        pattern=r"^(C\d+|[A-Z][A-Za-z]*-[A-Za-z0-9-]+)$",
        description="id in calibration-targets.md (C1...), or a public statistic's short "
        "reference (e.g. DREES-ER1073)",
    )
    value: float = Field(description="published value")
    tolerance: float = Field(gt=0, description="distance to the value still acceptable")
    weight: float = Field(default=1.0, ge=0, description="weight in the loss")
    statistic: str = Field(description="name of a function in sim.experiments.target_statistics")
    source: str
    note: str = ""

    @field_validator("statistic")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in STATISTICS:
            raise ValueError(f"unknown statistic; allowed: {', '.join(sorted(STATISTICS))}")
        return name


class Parameter(Strict):
    """One parameter to fit: a dotted scenario path and its range."""

    path: str
    low: float
    high: float
    start: float
    integer: bool = False
    log: bool = False
    why: str = Field(description="why this value is uncertain")

    @model_validator(mode="after")
    def _bounds(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if not self.low <= self.start <= self.high:
            raise ValueError(f"start ({self.start}) must lie within [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ValueError("a log-scaled parameter needs low > 0")
        return self

    def cast(self, value: float) -> float | int:
        """The value a run uses: rounded to a whole number for an integer parameter."""
        return int(round(value)) if self.integer else float(value)


class NotReproduced(Strict):
    """A published figure the model does not try to reproduce, and why."""

    id: str = Field(pattern=r"^C\d+$")
    reason: str


class TargetsFile(Strict):
    """The whole targets file."""

    description: str = ""
    targets: list[Target] = Field(min_length=1)
    parameters: list[Parameter] = Field(min_length=1)
    not_reproduced: list[NotReproduced] = []

    @model_validator(mode="after")
    def _unique(self):
        for what, names in (
            ("targets", [t.name for t in self.targets]),
            ("parameters", [p.path for p in self.parameters]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{what} must be unique; repeated: {', '.join(dupes)}")
        return self


def load_targets(path: str | Path, scenario: Scenario) -> TargetsFile:
    """Read and validate a targets file against ``scenario``.

    Every parameter path must exist in the scenario and accept its low, high and start values;
    an integer field must be declared ``integer: true``.
    """
    path = Path(path)
    data = read_yaml(path, None, "targets file")
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "expected a mapping with targets and parameters")
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as err:
        raise validation_error(path, err, TargetsFile) from None
    base = scenario_to_dict(scenario)
    for i, p in enumerate(spec.parameters):
        field = f"parameters.{i}.path"
        current = value_at(base, p.path)
        if current is None or isinstance(current, dict | list | bool | str):
            raise ScenarioError(path, field, f"{p.path!r} is not a numeric scenario value")
        if isinstance(current, int) and not p.integer:
            raise ScenarioError(path, field, f"{p.path} is an integer: add integer: true")
        for value in (p.low, p.high, p.start):
            data = scenario_to_dict(scenario)
            apply_overrides(data, {p.path: p.cast(value)}, path)
            try:
                scenario_from_dict(data, path)
            except ScenarioError as err:
                raise ScenarioError(path, field, f"{p.path}={value}: {err.message}") from None
    return spec


def parse_truth(specs: list[str]) -> dict[str, float]:
    """``PATH=VALUE`` strings -> {path: value}."""
    truth = {}
    for spec in specs:
        path, sep, value = spec.partition("=")
        try:
            truth[path.strip()] = float(value)
        except ValueError:
            raise ScenarioError("--truth", spec, "expected PATH=VALUE with a number") from None
        if not sep or not path:
            raise ScenarioError("--truth", spec, "expected PATH=VALUE with a number")
    return truth


def check_truth(truth: dict[str, float], parameters: list[Parameter]) -> dict[str, float]:
    """A synthetic truth checked against the fitted parameters: one value each, cast.

    Raises:
        ScenarioError: a value for an unknown parameter, or a fitted parameter without one.
    """
    paths = {p.path: p for p in parameters}
    unknown = sorted(set(truth) - set(paths))
    if unknown:
        raise ScenarioError("--truth", unknown[0], "not a parameter of the targets file")
    missing = sorted(set(paths) - set(truth))
    if missing:
        raise ScenarioError("--truth", missing[0], "every fitted parameter needs a true value")
    return {k: paths[k].cast(v) for k, v in truth.items()}
