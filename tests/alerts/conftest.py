"""Fixtures of the alerts tests: real servers on 127.0.0.1 (see ``alert_servers.py``)."""

from .alert_servers import pg_server, secrets_env, smtp, state_url, tls_cert, webhook  # noqa: F401
