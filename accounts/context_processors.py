from casework.permissions import principal_for


def roles(request):
    """What the navigation needs to know about the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"principal": None}
    verified = getattr(user, "is_verified", None)
    if verified is not None and not verified():
        from .second_factor import requires_second_factor

        required = getattr(request, "second_factor_required", None)
        if required is None:
            required = requires_second_factor(user)
        if required:
            # Between the password and the code: no navigation but signing out.
            return {"principal": None, "second_factor_pending": True}
    return {"principal": principal_for(user)}
