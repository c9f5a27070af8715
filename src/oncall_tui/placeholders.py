"""The placeholder syntax of runbook templates, shared by the config check and the planner.

`{labels.x}`, `{annotations.x}` and `{fingerprint}` are replaced by the alert's values;
`${NAME}` (header values and exec `env` only) by the environment's. Both are found in
one pass over the *configured* template, so a value that went in is never looked at
again: a label holding `${PROM_TOKEN}` or `{labels.y}` is sent as those characters.
"""

from __future__ import annotations

import re

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
PLACEHOLDER = re.compile(rf"\{{(?:(labels|annotations)\.({NAME})|(fingerprint))\}}")
ENV_REF = re.compile(rf"\$\{{({NAME})\}}")
TOKEN = re.compile(rf"\$\{{(?P<env>{NAME})\}}|{PLACEHOLDER.pattern}")
"""An `${ENV}` reference (group "env") or a placeholder (groups 1-3 of PLACEHOLDER)."""

# What looks like the start of a placeholder or an env reference: if it does not form a
# whole one, the config has a typo ("{labels.a", "{labels.a-b}", "${TOKEN") that would
# otherwise be sent literally.
_OPENING = re.compile(r"\{(?:labels|annotations)\b|\{fingerprint\b|\$\{")


def template_problem(text: str, env_allowed: bool) -> str | None:
    """Why `text` is not a valid template, or None."""
    if "{" not in text:
        return None  # the common case, and 200k runbooks check a million strings
    whole = TOKEN if env_allowed else PLACEHOLDER
    covered = [m.span() for m in whole.finditer(text)]

    def shown(start: int) -> str:
        end = text.find("}", start)
        part = text[start : end + 1] if end >= 0 else text[start:]
        return repr(part if len(part) <= 40 else part[:39] + "…")

    for m in _OPENING.finditer(text):
        if any(start == m.start() for start, _ in covered):
            continue
        if m.group(0) == "${":
            if not env_allowed:
                continue  # sent literally where ${ENV} is not expanded: nothing to check
            return f"{shown(m.start())} is not a valid ${{NAME}} reference (unclosed or a bad name)"
        if text.find("}", m.end()) < 0:
            return f"unclosed placeholder {shown(m.start())} (missing '}}')"
        return (
            f"{shown(m.start())} is not a placeholder; use {{labels.NAME}}, "
            "{annotations.NAME} or {fingerprint}"
        )
    return None
