from functools import cache


def unread(request):
    """The unread count in the navigation: one query, made only when a template shows it
    (templates call a callable), so partial renders with a request cost nothing more."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .selectors import unread_count

    @cache
    def notifications_unread() -> int:
        return unread_count(user)

    return {"notifications_unread": notifications_unread}
