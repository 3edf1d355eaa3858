"""Background work of the documents app (django.tasks), always enqueued on commit.

`make run` starts `manage.py db_worker --queue-name '*'`, which serves the "pdf" queue too.
"""

from django.tasks import task


@task(queue_name="pdf")
def document_render(doc_id: int) -> str:
    """Render a generated document to PDF. Safe to run twice: a document already ready, or
    being rendered by another worker, is left alone. Returns the document's status."""
    from .services import document_render_now  # WeasyPrint is imported inside, never at load

    return document_render_now(doc_id)
