"""Local development: debug on and an insecure key unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-not-for-production")

from .base import *  # noqa: F403
