"""What every UI handler needs: settings, the assistant, the library and catalog, logs, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.protocols import AssistantLike, CatalogReader
from assistant.settings import Settings
from assistant.ui.audit import AuditLog
from assistant.ui.auth import Authenticator, resolve_user
from assistant.ui.feedback import FeedbackStore


@dataclass
class UiContext:
    """The objects the web app is built around; built once by assistant.ui.app.build_context."""

    settings: Settings
    assistant: AssistantLike
    library: Any  # assistant.corpus.library.Library (add / replace / remove)
    catalog: CatalogReader
    authenticator: Authenticator | None
    audit: AuditLog
    feedback: FeedbackStore

    def who(self, request: Any) -> tuple[str, str | None]:
        """Return (user name, role) of a Gradio request; role None means not allowed in."""
        return resolve_user(getattr(request, "username", None) if request is not None else None, self.authenticator)
