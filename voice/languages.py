"""The languages the agent speaks its prompts in (voice/prompts.py) and reads templates for (voice/selectors.py)."""
from __future__ import annotations

SPOKEN = ("en", "es", "hi")


def template_language(language: str) -> str:
    """The language prompts are spoken in: seed 000's `mixed` callers hear Hindi."""
    code = (language or "en").split("-")[0].lower()
    return "hi" if code == "mixed" else code if code in SPOKEN else "en"
