"""Page-number pagination with a stable order (every list orders by a unique key last)."""

from collections import OrderedDict

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class ApiPagination(PageNumberPagination):
    page_size = 50

    def get_page_size(self, request):
        return settings.RIGHTSDESK["QUEUE_PAGE_SIZE"]


def page_response(request, page, results) -> Response:
    """A Django `Page` computed by a selector (the queue, the inbox) in the same envelope as
    ApiPagination: count, next, previous, results."""

    def link(number):
        url = request.build_absolute_uri()
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        return (
            remove_query_param(url, "page")
            if number == 1
            else replace_query_param(url, "page", number)
        )

    return Response(
        OrderedDict(
            count=page.paginator.count,
            next=link(page.next_page_number()) if page.has_next() else None,
            previous=link(page.previous_page_number()) if page.has_previous() else None,
            results=results,
        )
    )
