"""Optional integrations with other systems, each behind its own extra.

- :mod:`stancekit.integrations.ray` — score a ``ray.data.Dataset`` on a Ray cluster
  (``pip install "stancekit[ray]"``).

Nothing here is imported by ``import stancekit``; each module imports its dependency itself and
raises :class:`~stancekit.errors.StancekitError` with the install command when it is missing.
"""
