"""The in-app list with its unread count and mark-read; the settings page; the anonymous
worker's notifications on the follow-up page."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from casework import services as s
from casework.choices import CaseState
from casework.models import Notification
from notifications.choices import Channel, NotificationKind
from notifications.models import NotificationPreference, TrackReadMark
from notifications.services import preferences_of
from tests.factories import drive_to, run_on_commit

pytestmark = pytest.mark.django_db


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def test_the_list_shows_unread_notices_and_marks_them_read(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)  # the worker is told the union took it on
    unread = Notification.objects.filter(recipient=world.worker, read_at__isnull=True)
    assert unread.count() >= 1
    client.force_login(world.worker)

    page = client.get(reverse("notifications:list")).content.decode()
    assert _zh("The union has taken on your grievance.") in page
    assert reverse("casework:my_case", args=[case.reference]) in page
    # the count in the navigation, on any page
    home = client.get(reverse("casework:my_cases")).content.decode()
    assert f'{_zh("Notifications")} <span class="badge attention"' in home
    assert f'">{unread.count()}</span></a>' in home

    first = unread.order_by("id").first()
    assert client.post(reverse("notifications:read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not unread.exists()
    home = client.get(reverse("casework:my_cases")).content.decode()
    assert 'class="badge attention"' not in home


def test_another_users_notification_cannot_be_marked(world, client):
    drive_to(world, CaseState.UNDER_REVIEW)
    theirs = Notification.objects.filter(recipient=world.worker).first()
    client.force_login(world.other_worker)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = client.get(reverse("notifications:list")).content.decode()
    assert theirs.case.reference not in page


def test_staff_see_deadline_reminders_and_assignments(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    with run_on_commit():
        s.case_assign(case=case, user=world.district_supervisor, assignee_id=world.caseworker2.pk)
    client.force_login(world.caseworker2)
    page = client.get(reverse("notifications:list")).content.decode()
    assert reverse("casework:case_detail", args=[case.reference]) in page
    assert case.reference in page


def test_preferences_are_saved_per_kind_and_channel(world, client):
    client.force_login(world.caseworker)
    assert preferences_of(world.caseworker)[NotificationKind.DEADLINE] == {Channel.EMAIL}
    response = client.post(
        reverse("notifications:preferences"),
        {"deadline__sms": "on", "assignment__email": "on", "language": "en"},
    )
    assert response.status_code == 302
    world.caseworker.refresh_from_db()
    assert world.caseworker.preferred_language == "en"
    prefs = preferences_of(world.caseworker)
    assert prefs[NotificationKind.DEADLINE] == {Channel.SMS}
    assert prefs[NotificationKind.ASSIGNMENT] == {Channel.EMAIL}
    assert prefs[NotificationKind.CASE_UPDATE] == set()
    assert NotificationPreference.objects.filter(user=world.caseworker).count() == 4
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="deadline__sms" id="id_deadline__sms" checked' in page
    assert '<option value="en" selected>English</option>' in page


def test_a_bad_language_is_refused_and_changes_nothing(world, client):
    client.force_login(world.caseworker)
    before = preferences_of(world.caseworker)
    response = client.post(
        reverse("notifications:preferences"), {"deadline__sms": "on", "language": "fr"}
    )
    assert response.status_code == 200
    assert 'id="id_language"' in response.content.decode()
    assert response.context["form"].errors["language"]
    world.caseworker.refresh_from_db()
    assert world.caseworker.preferred_language == ""
    assert preferences_of(world.caseworker) == before
    assert not NotificationPreference.objects.filter(user=world.caseworker).exists()


def test_signed_out_users_are_sent_to_sign_in(client):
    for name in ("notifications:list", "notifications:preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_anonymous_worker_sees_notifications_on_the_follow_up_page(
    world, anonymous_case, client
):
    case, code = anonymous_case
    with run_on_commit():
        s.case_accept_for_review(case=case, user=world.caseworker)
    with run_on_commit():
        s.case_request_info(case=case, user=world.caseworker, question="请上传工资条照片。")
    client.post(reverse("casework:track"), {"code": code})

    page = client.get(reverse("casework:track_case")).content.decode()
    assert 'id="notices"' in page
    assert _zh("The union has taken on your grievance.") in page
    assert _zh("The union asked you for more information.") in page
    assert page.count('class="notice unread"') == 2
    assert reverse("casework:track_action", args=["notices-read"]) in page

    response = client.post(reverse("casework:track_action", args=["notices-read"]))
    assert response.status_code == 302
    assert TrackReadMark.objects.get(case=case).seen_event_id > 0
    page = client.get(reverse("casework:track_case")).content.decode()
    assert 'class="notice unread"' not in page
    assert _zh("The union asked you for more information.") in page

    # a new event is new again
    with run_on_commit():
        s.message_post(case=case, user=world.caseworker, body="收到，谢谢。")
    page = client.get(reverse("casework:track_case")).content.decode()
    assert page.count('class="notice unread"') == 1


def test_notices_cannot_be_marked_without_the_receipt_code(world, anonymous_case, client):
    case, _code = anonymous_case
    response = client.post(reverse("casework:track_action", args=["notices-read"]))
    assert response.status_code == 302
    assert not TrackReadMark.objects.filter(case=case).exists()


def test_the_list_costs_the_same_queries_whatever_its_length(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = drive_to(world, CaseState.UNDER_REVIEW)
    client.force_login(world.caseworker)

    def cost() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        with run_on_commit():
            s.message_post(case=case, user=world.worker, body="还有一个问题。")
    few = cost()
    assert Notification.objects.filter(recipient=world.caseworker).count() >= 2
    for _ in range(6):
        with run_on_commit():
            s.message_post(case=case, user=world.worker, body="还有一个问题。")
    assert Notification.objects.filter(recipient=world.caseworker).count() >= 8
    assert cost() == few


def test_the_worker_with_an_account_marks_a_grievances_notices_read_on_its_page(world, client):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    mine = Notification.objects.filter(recipient=world.worker, case=case, read_at__isnull=True)
    assert mine.exists()
    client.force_login(world.worker)
    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert 'class="notice unread"' in page

    url = reverse("casework:my_case_action", args=[case.reference, "notices-read"])
    assert client.post(url).status_code == 302
    assert not mine.exists()
    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert 'class="notice unread"' not in page
    # and what is read in the notification list is read here too
    with run_on_commit():
        s.message_post(case=case, user=world.caseworker, body="请补充工资条。")
    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert page.count('class="notice unread"') == 1
    client.post(reverse("notifications:read_all"))
    page = client.get(reverse("casework:my_case", args=[case.reference])).content.decode()
    assert 'class="notice unread"' not in page

    # someone else's grievance: not found, nothing marked
    other = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.other_worker)
    theirs = Notification.objects.filter(recipient=world.other_worker, read_at__isnull=True)
    url = reverse("casework:my_case_action", args=[other.reference, "notices-read"])
    assert client.post(url).status_code == 404
    assert theirs.exists()
    assert not TrackReadMark.objects.filter(case=other).exists()


def test_the_unread_count_comes_from_the_cache_and_follows_every_change(world, client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.selectors import UNREAD_KEY

    case = drive_to(world, CaseState.UNDER_REVIEW)
    client.force_login(world.worker)
    url = reverse("casework:my_cases")

    def shown() -> int | None:
        page = client.get(url).content.decode()
        badge = f'{_zh("Notifications")} <span class="badge attention"'
        if badge not in page:
            return None
        return int(page.split(badge)[1].split(">")[1].split("<")[0])

    before = Notification.objects.filter(recipient=world.worker, read_at__isnull=True).count()
    assert shown() == before
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert not [q for q in ctx.captured_queries if "casework_notification" in q["sql"]]

    # a new notification (the task runs on commit) shows at once
    with run_on_commit():
        s.case_request_info(case=case, user=world.caseworker, question="您的入职日期？")
    assert shown() == before + 1
    # so does reading them
    client.post(reverse("notifications:read_all"))
    assert shown() is None
    # a change that bypasses the services is seen once the cached count is gone
    Notification.objects.filter(recipient=world.worker).update(read_at=None)
    assert shown() is None
    cache.delete(UNREAD_KEY.format(world.worker.pk))
    assert shown() == before + 1
