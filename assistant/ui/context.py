"""What every UI handler needs: settings, the assistant, the library and catalog, logs, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
    # Where uploaded files must lie for the console to take them; None means Gradio's upload folder.
    upload_root: Path | None = None

    def uploads_folder(self) -> Path:
        """Return the folder console uploads must come from (resolved)."""
        if self.upload_root is not None:
            return self.upload_root.resolve()
        from gradio.utils import get_upload_folder

        return Path(get_upload_folder()).resolve()

    def who(self, request: Any) -> tuple[str, str | None]:
        """Return (user name, role) of a Gradio request; role None means not allowed in."""
        return resolve_user(getattr(request, "username", None) if request is not None else None, self.authenticator)
