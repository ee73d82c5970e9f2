"""What a data source refuses, in sentences an AI model can act on.

Every failure a source reports is a ``SourceError``; the tool layer turns it into a tool result
with ``isError: true`` and the message as its text. Messages say what was wrong and how to fix the
call; they never carry SQL, a traceback or a credential.
"""

from __future__ import annotations


class SourceError(Exception):
    """A call the data source could not carry out; ``str(error)`` is the sentence shown to the caller."""

    code = "source_error"


class UnknownModel(SourceError):
    code = "unknown_model"


class UnknownField(SourceError):
    code = "unknown_field"


class InvalidDomain(SourceError):
    """A malformed Odoo domain: wrong shape, unknown operator, a value of the wrong type."""

    code = "invalid_domain"


class InvalidArguments(SourceError):
    """Values, ordering, grouping or measures the source cannot accept as given."""

    code = "invalid_arguments"


class AccessDenied(SourceError):
    """The identity may not do this (Odoo's access rights or record rules, or a denylisted model/field)."""

    code = "access_denied"


class ReadOnlySource(SourceError):
    """A write on a source the administrator left read-only."""

    code = "read_only"


class MissingRecords(SourceError):
    """Some of the ids asked for do not exist (or are invisible to the identity)."""

    code = "missing_records"


class ValidationFailed(SourceError):
    """The source refused the values (a constraint, a required field, Odoo's ValidationError/UserError)."""

    code = "validation_failed"


class CredentialRejected(SourceError):
    """The source refused the identity's credential (an Odoo API key revoked or expired): re-link it."""

    code = "credential_rejected"


class NotLinked(SourceError):
    """The Bastion user has no linked account on the source (Odoo per-user mode)."""

    code = "not_linked"


class SourceUnavailable(SourceError):
    """The source did not answer in time, or answered with something that is not its protocol."""

    code = "unavailable"
