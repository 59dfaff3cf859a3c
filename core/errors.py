"""The project's exception types: who caused a failure decides how the job ends.

A ``UserError`` is something the person can fix (bad file, wrong column, unknown
task): the job fails at once with the message and the CLI exits with code 2.
A ``TransientError`` is worth retrying (a busy model queue, a lost connection):
the worker retries it with backoff. Anything else is a bug: the job fails with
the exception text so nothing is silently lost.
"""

from __future__ import annotations


class EnclaveError(Exception):
    """Base class for every error Enclave raises on purpose."""


class UserError(EnclaveError):
    """Bad input or request that the user can fix; the message says what and where."""


class TransientError(EnclaveError):
    """A temporary condition (busy queue, lost connection); retrying may succeed."""


class JobCancelled(EnclaveError):
    """Raised inside a task when its job was cancelled; the job ends as cancelled."""


def file_error(path: object, problem: str) -> UserError:
    """Build a UserError whose message names the file first, as every file error should."""
    return UserError(f"{path}: {problem}")
