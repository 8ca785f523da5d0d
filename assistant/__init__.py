"""Offline knowledge assistant for Chinese security regulations.

Importing the package sets the offline switches first, so no entry point can forget them.
"""

from assistant.offline import enforce_offline

enforce_offline()
