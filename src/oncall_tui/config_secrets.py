"""Does the config file hold a secret that other users can read?

The config is meant to name secrets (`bearer_token_env`, `${TOKEN}` in a header), not to
hold them; but a literal token in a header or an `env` entry works, so people write one.
`readable_secret_warning(config)` says so once, at start-up, when such a file can be read
by its group or by everyone: "chmod 600" is then the fix.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping

from oncall_tui.config_types import Config
from oncall_tui.placeholders import ENV_REF, PLACEHOLDER

_SENSITIVE = re.compile(r"auth|token|secret|passw|api[-_]?key|cookie|credential", re.I)
_SCHEME_WORDS = re.compile(r"^\s*(?:bearer|basic|token)\b", re.I)


def _literal_secret(value: str) -> bool:
    """Something is left once `${ENV}`, placeholders and a "Bearer" word are removed."""
    rest = PLACEHOLDER.sub("", ENV_REF.sub("", value))
    return bool(_SCHEME_WORDS.sub("", rest).strip())


def _in_map(prefix: str, items: Mapping[str, str]) -> Iterator[str]:
    for key, value in items.items():
        if _SENSITIVE.search(key) and _literal_secret(value):
            yield f"{prefix}.{key}"


def _in_body(prefix: str, value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and _SENSITIVE.search(str(k)) and _literal_secret(v):
                yield f"{prefix}.{k}"
            else:
                yield from _in_body(f"{prefix}.{k}", v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _in_body(f"{prefix}[{i}]", v)


def secret_keys(cfg: Config) -> list[str]:
    """Dotted keys of the config that hold a secret literally."""
    found = [
        *_in_map("prometheus.headers", cfg.prometheus.auth.headers),
        *_in_map("alertmanager.headers", cfg.alertmanager.auth.headers),
    ]
    for i, rb in enumerate(cfg.runbooks):
        found += _in_map(f"runbooks[{i}].headers", rb.headers)
        found += _in_map(f"runbooks[{i}].env", rb.env)
        found += _in_body(f"runbooks[{i}].body", rb.body)
    return found


def readable_secret_warning(cfg: Config) -> str | None:
    """One line for stderr when the config file holds a secret and others may read it."""
    if cfg.source_file is None:
        return None
    try:
        mode = stat.S_IMODE(os.stat(cfg.source_file).st_mode)
    except OSError:
        return None
    if not mode & 0o044:
        return None
    keys = secret_keys(cfg)
    if not keys:
        return None
    shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
    who = "everyone" if mode & 0o004 else "its group"
    return (
        f"warning: {cfg.source_file} holds a secret ({shown}) and {who} can read it "
        f"(mode {mode:04o}): chmod 600 it, or move the secret to an environment variable"
    )
