"""A task worker busy with a hostile render, in a process of its own, as in production (the
web processes only enqueue renders; a `db_worker` or Celery worker renders them). Used by
tests/documents/test_render_isolation.py:

    python -m tests.documents.hostile_worker LAYOUT

Sets Django up with config.settings, so that the render's time and memory limits come from
the environment exactly as in a worker (RIGHTSDESK_RENDER_TIME_LIMIT,
RIGHTSDESK_RENDER_MEMORY_LIMIT_MB), prints `rendering <pid>`, then renders one of
test_render_robustness.HOSTILE with render_pdf as the render task does (no limit passed: the
settings' apply), and prints one JSON line: the outcome and the seconds it took.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(layout: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from documents import rendering
    from tests.documents.test_render_robustness import HOSTILE

    markup = HOSTILE[layout]
    # The template's output replaced by the hostile markup: fields are escaped, so only a
    # template bug could produce it (security.md D1/D9); the render is otherwise the task's.
    rendering.render_html = lambda **kwargs: markup
    print(f"rendering {os.getpid()}", flush=True)
    started = time.monotonic()
    try:
        _pdf, pages = rendering.render_pdf(template="unused", context={})
        outcome = f"rendered {pages} pages"
    except rendering.RenderError as exc:
        outcome = f"RenderError: {exc}"
    except Exception as exc:  # noqa: BLE001 — the task records any failure by its type
        outcome = f"{type(exc).__name__}"
    print(json.dumps({"outcome": outcome, "seconds": time.monotonic() - started}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
