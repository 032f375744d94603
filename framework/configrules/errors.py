"""The exceptions configrules raises.

Every exception is rooted at :class:`ConfigRulesError`, so ``except
ConfigRulesError`` catches all of them. Builtins are mixed in where a caller
would reasonably catch the builtin instead::

    ConfigRulesError
    ├── RuleDefinitionError (TypeError)       a @rule declaration is wrong
    ├── RuleNotFoundError (LookupError)       a rule named by path or name is missing
    ├── EventError (ValueError)               the Function Compute event is malformed
    ├── ParameterError (ValueError)           a rule parameter is missing or uncoercible
    ├── RuleExecutionError                    a rule raised or returned nonsense
    ├── PluginError                           a plugin failed to load or misbehaved
    ├── CredentialsError                      no usable credentials were found
    ├── ConfigurationError (ValueError)       client/endpoint options are wrong
    ├── ApiError                              Cloud Config answered with an error
    │   ├── ThrottlingError                   Throttling* codes (retryable)
    │   ├── ServiceUnavailableError           ServiceUnavailable, 5xx (retryable)
    │   ├── NoPermissionError                 NoPermission
    │   ├── AccountNotExistedError            AccountNotExisted
    │   ├── SignatureError                    SignatureDoesNotMatch, nonce, timestamp
    │   └── InvalidAccessKeyError             InvalidAccessKeyId.*
    ├── TransportError                        connection failure / timeout (retryable)
    └── SubmissionError                       evaluations were not delivered

No message produced here ever contains an access key secret or a security
token: the values that reach these classes are already masked by their callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._models import Evaluation

__all__ = [
    "AccountNotExistedError",
    "ApiError",
    "ConfigRulesError",
    "ConfigurationError",
    "CredentialsError",
    "EventError",
    "InvalidAccessKeyError",
    "NoPermissionError",
    "ParameterError",
    "PluginError",
    "RuleDefinitionError",
    "RuleExecutionError",
    "RuleFailure",
    "RuleNotFoundError",
    "ServiceUnavailableError",
    "SignatureError",
    "SubmissionError",
    "ThrottlingError",
    "TransportError",
]


class ConfigRulesError(Exception):
    """Root of every error raised by configrules."""


class RuleDefinitionError(ConfigRulesError, TypeError):
    """A ``@rule`` declaration is invalid (raised when the module is imported)."""


class RuleNotFoundError(ConfigRulesError, LookupError):
    """A rule named by import path or registry name could not be found."""


class EventError(ConfigRulesError, ValueError):
    """The event Cloud Config sent is malformed.

    Attributes:
        path: dotted path of the offending field (``""`` for the whole event).
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        where = f"event field {path!r}" if path else "event"
        super().__init__(f"{where}: {problem}")


class ParameterError(ConfigRulesError, ValueError):
    """A rule parameter is missing, unknown or cannot be coerced.

    Attributes:
        rule: the rule's name.
        parameter: the parameter's name.
        value: the raw value received (``None`` when missing).
    """

    def __init__(self, rule: str, parameter: str, value: object, problem: str) -> None:
        self.rule = rule
        self.parameter = parameter
        self.value = value
        received = "nothing" if value is None else repr(value)
        super().__init__(f"rule {rule!r}, parameter {parameter!r}: {problem} (received {received})")


class RuleFailure:
    """One resource for which a rule failed: the rule, the resource and the exception."""

    __slots__ = ("exception", "resource_id", "resource_type", "rule")

    def __init__(
        self, rule: str, resource_id: str, resource_type: str, exception: BaseException
    ) -> None:
        self.rule = rule
        self.resource_id = resource_id
        self.resource_type = resource_type
        self.exception = exception

    def describe(self) -> str:
        """One line: ``rule on type/id: ExcType: message``."""
        exc = self.exception
        return (
            f"{self.rule} on {self.resource_type} {self.resource_id}: {type(exc).__name__}: {exc}"
        )

    def __repr__(self) -> str:
        return f"RuleFailure({self.describe()!r})"


class RuleExecutionError(ConfigRulesError):
    """A rule raised, or returned something that is not a verdict.

    Attributes:
        failures: every failing (rule, resource, exception) of the run.
    """

    def __init__(self, message: str, failures: Sequence[RuleFailure] = ()) -> None:
        self.failures = list(failures)
        super().__init__(message)

    @classmethod
    def from_failures(cls, failures: Sequence[RuleFailure]) -> RuleExecutionError:
        """Build the error that summarises several failures."""
        lines = [f"{len(failures)} resource(s) could not be evaluated:"]
        lines += [f"  - {failure.describe()}" for failure in failures[:20]]
        if len(failures) > 20:
            lines.append(f"  ... and {len(failures) - 20} more")
        return cls("\n".join(lines), failures)


class PluginError(ConfigRulesError):
    """A plugin could not be loaded, or its hooks misbehaved."""


class CredentialsError(ConfigRulesError):
    """No usable Alibaba Cloud credentials were found."""


class ConfigurationError(ConfigRulesError, ValueError):
    """Client options (endpoint, site, signature version...) are invalid."""


class ApiError(ConfigRulesError):
    """Cloud Config (or something in front of it) answered with an error.

    Attributes:
        code: the Alibaba error code (``"NoPermission"``), or ``"HTTP<status>"``
            when the body was not an Alibaba error document.
        message: the service's message, or a short excerpt of the body.
        request_id: the ``RequestId`` when the service sent one.
        http_status: the HTTP status code.
    """

    retryable = False

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        parts = [f"{code}: {message}"]
        if http_status is not None:
            parts.append(f"HTTP {http_status}")
        if request_id:
            parts.append(f"RequestId {request_id}")
        super().__init__(" | ".join(parts))

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_api_error,
            (type(self), self.code, self.message, self.request_id, self.http_status),
        )


def _rebuild_api_error(
    cls: type[ApiError], code: str, message: str, request_id: str | None, status: int | None
) -> ApiError:
    return cls(code, message, request_id=request_id, http_status=status)


class ThrottlingError(ApiError):
    """The call was throttled (``Throttling``, ``Throttling.User``...). Retryable."""

    retryable = True


class ServiceUnavailableError(ApiError):
    """``ServiceUnavailable``, ``InternalError`` or an HTTP 5xx. Retryable."""

    retryable = True


class NoPermissionError(ApiError):
    """The RAM identity may not call this action (``NoPermission``)."""


class AccountNotExistedError(ApiError):
    """``AccountNotExisted``: the account is not known to Cloud Config."""


class SignatureError(ApiError):
    """The request signature was rejected (wrong secret, reused nonce, clock skew)."""


class InvalidAccessKeyError(ApiError):
    """The access key id is unknown or disabled (``InvalidAccessKeyId.*``)."""


class TransportError(ConfigRulesError):
    """The request did not get an HTTP answer: connection error or timeout. Retryable."""

    retryable = True


class SubmissionError(ConfigRulesError):
    """Some evaluations were not accepted by Cloud Config.

    Attributes:
        undelivered: exactly the evaluations that were not accepted.
        causes: the last error of every batch that failed.
        delivered: how many evaluations were accepted before giving up.
    """

    def __init__(
        self,
        undelivered: Sequence[Evaluation],
        causes: Sequence[BaseException],
        *,
        delivered: int = 0,
        delete_mode_skipped: bool = False,
    ) -> None:
        self.undelivered = list(undelivered)
        self.causes = list(causes)
        self.delivered = delivered
        self.delete_mode_skipped = delete_mode_skipped
        reasons = "; ".join(sorted({f"{type(c).__name__}: {c}" for c in self.causes}))
        message = (
            f"{len(self.undelivered)} evaluation(s) were not delivered to Cloud Config "
            f"({delivered} delivered)"
        )
        if delete_mode_skipped:
            message += "; DeleteMode was not sent, so old results were kept"
        super().__init__(f"{message}: {reasons}" if reasons else message)
