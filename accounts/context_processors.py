from casework.permissions import principal_for


def roles(request):
    """What the navigation needs to know about the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"principal": None}
    return {"principal": principal_for(user)}
