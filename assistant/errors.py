"""Errors the assistant raises; every message names what failed, the value involved and the fix."""


class AssistantError(Exception):
    """Base of every error meant to be shown to a user."""


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class CorpusError(AssistantError):
    """A document could not be read, parsed or stored."""


class UnsupportedFileError(CorpusError):
    """The file type is not one the readers understand."""


class IndexNotBuiltError(AssistantError):
    """No index exists where one was expected."""


class DocumentNotFoundError(AssistantError):
    """A document id or title names nothing in the catalog."""


class ModelError(AssistantError):
    """The configured language model failed or timed out."""


class ModelStoppedError(ModelError):
    """The model server dropped the connection after the request was sent: it crashed or was stopped mid-answer."""


class AccessDeniedError(AssistantError):
    """The user lacks the role an action needs."""
