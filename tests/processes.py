"""Running the project in a fresh Python process with an environment of the test's choosing.

Settings are read once per process, so a test that needs other settings (production HTTPS,
an unreachable database) starts a new one.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# What lodestar/settings.py reads from the environment; a subprocess gets only what its test
# sets, so a developer's or CI's own values cannot change the outcome.
_SETTINGS_VARIABLES = re.compile(
    r"^(DJANGO_|DATABASE_|EMAIL_|CELERY_|API_TOKEN_)|^(REDIS_URL|DEFAULT_FROM_EMAIL)$"
)


def django_env(**variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not _SETTINGS_VARIABLES.match(key)}
    env["DJANGO_SETTINGS_MODULE"] = "lodestar.settings"
    env.update(variables)
    return env


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """Production settings (DEBUG off, a strong secret key) on a SQLite file in ``tmp_path``."""
    defaults = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "DJANGO_ALLOWED_HOSTS": "lodestar.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    return django_env(**{**defaults, **variables})


def run_python(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    """``python ARGS`` in the project directory, output captured, never raising on failure."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output_of(completed: subprocess.CompletedProcess) -> str:
    return (
        f"exit code {completed.returncode}\nstdout:\n{completed.stdout}\n"
        f"stderr:\n{completed.stderr}"
    )
