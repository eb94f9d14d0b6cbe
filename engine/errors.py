"""The exception hierarchy of hapsvm; imports nothing so core and domain code can both use it.

Every error carries what went wrong, where, and (where it helps) what to do next, and maps to a
documented process exit code (see ``EXIT_CODES`` and the README's table).
"""
from __future__ import annotations

__all__ = [
    "HapsvmError",
    "InputError",
    "ConfigError",
    "NoWorkFound",
    "NoViableDataError",
    "AlgorithmError",
    "StepFailed",
    "OutputLockedError",
    "EXIT_CODES",
]


class HapsvmError(Exception):
    """Base class of every error raised on purpose by hapsvm."""

    exit_code = 1


class InputError(HapsvmError):
    """A user-supplied file or value is unusable.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    file
        The file concerned (path as the user gave it), if any.
    line
        1-based line number in ``file``, if the problem is on one line.
    value
        The offending value, if any.
    """

    exit_code = 2

    def __init__(self, problem: str, *, file: object = None, line: int | None = None,
                 value: object = None) -> None:
        self.problem = problem
        self.file = None if file is None else str(file)
        self.line = line
        self.value = value
        where = ""
        if self.file is not None:
            where = self.file + (f" line {line}" if line is not None else "") + ": "
        super().__init__(where + problem)


class ConfigError(HapsvmError):
    """A configuration key has a value that is not allowed."""

    exit_code = 3

    def __init__(self, problem: str, *, key: str | None = None, value: object = None,
                 allowed: object = None) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        text = problem
        if key is not None:
            text = f"{key}: {problem}"
        if allowed is not None:
            text += f" (allowed: {allowed})"
        super().__init__(text)


class NoWorkFound(HapsvmError):
    """A step has nothing to do; the runner records it as skipped with this reason."""

    exit_code = 0


class NoViableDataError(HapsvmError):
    """No exposure of the visit can be processed (runsinglehap's NO_VIABLE_DATA, 65)."""

    exit_code = 65


class AlgorithmError(HapsvmError):
    """An algorithm ran but its result is not acceptable; ``metrics`` says by how much."""

    exit_code = 4

    def __init__(self, problem: str, *, metrics: dict[str, object] | None = None) -> None:
        self.metrics = dict(metrics or {})
        super().__init__(problem)


class OutputLockedError(HapsvmError):
    """Another run holds the lock on the output directory."""

    exit_code = 6


class StepFailed(HapsvmError):
    """The runner's wrapper around an exception raised inside a step."""

    exit_code = 1

    def __init__(self, step: str, unit: str, cause: BaseException) -> None:
        self.step = step
        self.unit = unit
        self.cause = cause
        if isinstance(cause, HapsvmError):
            self.exit_code = cause.exit_code
        super().__init__(f"step {step!r} failed for {unit}: {type(cause).__name__}: {cause}")


#: Process exit codes of the ``svm`` command, by situation (also in the README).
EXIT_CODES: dict[str, int] = {
    "success": 0,
    "internal error": 1,
    "bad input": InputError.exit_code,
    "bad configuration": ConfigError.exit_code,
    "algorithm failure": AlgorithmError.exit_code,
    "output directory locked": OutputLockedError.exit_code,
    "no viable data": NoViableDataError.exit_code,
}
