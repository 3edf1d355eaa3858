"""The in-app notification list, marking read, and the preferences page (signed-in users)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from casework.views.worker import _formats

from .forms import PreferencesForm
from .selectors import unread_count, user_notices
from .services import notifications_mark_read, preferences_of, preferences_set


@never_cache
@login_required
def notice_list(request):
    rows = user_notices(request.user)
    context = {**_formats(), "rows": rows, "unread": unread_count(request.user)}
    return render(request, "notifications/list.html", context)


@never_cache
@login_required
def mark_read(request, notification_id: int | None = None):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    changed = notifications_mark_read(user=request.user, notification_id=notification_id)
    if notification_id is not None and not changed:
        # Someone else's, missing or already read: nothing to say beyond "not found".
        from casework.models import Notification

        if not Notification.objects.filter(recipient=request.user, pk=notification_id).exists():
            raise Http404
    return redirect("notifications:list")


@never_cache
@login_required
def preferences(request):
    current = preferences_of(request.user)
    language = request.user.preferred_language
    if request.method == "POST":
        form = PreferencesForm(request.POST, current=current, language=language)
        if form.is_valid():
            preferences_set(
                user=request.user,
                wanted=form.wanted(),
                language=form.cleaned_data["language"],
            )
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:preferences")
    elif request.method == "GET":
        form = PreferencesForm(current=current, language=language)
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "notifications/preferences.html", {"form": form})
