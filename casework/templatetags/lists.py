"""Tags for list pages that show fifty rows a page (the queue, inboxes), rendered in Python
because the template language costs a few microseconds per node and per lookup:

- `{% deadline d %}`: the nearest deadline (selectors.staff.Deadline) — the date, days left or
  overdue, and the urgent badge;
- `{{ reference|case_url:"casework:case_claim" }}`: a case URL, reversed once per name;
- `{% assign_options people selected_id %}`: a queue row's assignee options.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from ..html import escape

register = template.Library()


def _deadline_html(d) -> str:
    """The deadline cell's markup, every value escaped (`escape` below)."""
    if not d.date:
        return '<span class="muted">—</span>'
    out = f'<span class="nowrap">{escape(date_filter(d.date))}</span>'
    if d.open:
        if d.overdue_days:
            left = ngettext(
                "expired %(counter)s day ago", "expired %(counter)s days ago", d.overdue_days
            ) % {"counter": d.overdue_days}
        elif d.days_left == 0:
            left = gettext("last day today")
        else:
            left = ngettext("%(counter)s day left", "%(counter)s days left", d.days_left) % {
                "counter": d.days_left
            }
        out += f'\n<span class="muted nowrap">{escape(left)}</span>'
    if d.urgent:
        out += f'\n<strong class="badge badge-urgent">{escape(gettext("Urgent"))}</strong>'
    return out


@register.simple_tag
def deadline(d):
    return mark_safe(_deadline_html(d))  # noqa: S308 # nosec B308 B703 - values escaped above


@register.simple_tag(takes_context=True)
def assign_options(context, people, selected_id):
    """The <option>s of a queue row's assignee select. Rows of one organisation share their
    list of people, so its options are rendered once per page and only `selected` moves."""
    cache = context.render_context.setdefault("assign_options", {})
    key = id(people)
    if key not in cache:
        cache[key] = (
            people,
            "".join(
                f'<option value="{escape(person.pk)}">{escape(person)}</option>'
                for person in people
            ),
        )
    markup = cache[key][1]
    if selected_id is not None:
        markup = markup.replace(
            f'<option value="{selected_id}">', f'<option value="{selected_id}" selected>', 1
        )
    return mark_safe(markup)  # noqa: S308 # nosec B308 B703 - every value escaped above


_PLACEHOLDER = "REFERENCE-PLACEHOLDER"
_url_prefixes: dict[tuple[str, str], tuple[str, str]] = {}


@register.filter
def case_url(reference: str, name: str = "casework:case_detail") -> str:
    """`reverse(name, args=[reference])` for a case reference (letters, digits and hyphens)."""
    key = (name, get_script_prefix())
    if key not in _url_prefixes:
        head, _, tail = reverse(name, args=[_PLACEHOLDER]).partition(_PLACEHOLDER)
        _url_prefixes[key] = (head, tail)
    head, tail = _url_prefixes[key]
    return f"{head}{reference}{tail}"


@register.simple_tag
def select_field(field):
    """A bound ChoiceField's <select> with its options, as Django's Select widget renders it
    (name, id, the selected value), without a template per option: f-strings with every value
    escaped (the assignee filter of a district's queue offers a few hundred people)."""
    value = field.value()
    value = "" if value is None else str(value)
    e = escape
    options = "".join(
        f'<option value="{e(key)}" selected>{e(label)}</option>'
        if str(key) == value
        else f'<option value="{e(key)}">{e(label)}</option>'
        for key, label in field.field.choices
    )
    return mark_safe(  # noqa: S308 # nosec B308 B703 - every value escaped above
        f'<select name="{e(field.html_name)}" id="{e(field.auto_id)}">{options}</select>'
    )


@register.simple_tag(takes_context=True)
def queue_rows(context, rows, next_url):
    """The queue's table rows (selectors.staff.QueueRow): fifty a page, rendered here in one
    pass rather than node by node — the same markup the row template had. Built with
    f-strings in which every value passes through `escape` (format_html costs more than the
    rest of the row: tests/casework/test_list_tags.py compares the two)."""
    e = escape
    labels = {
        key: e(text)
        for key, text in {
            "ref": gettext("Case ref."),
            "categories": gettext("Categories"),
            "employer": gettext("Employer"),
            "state": gettext("State"),
            "assignee": gettext("Assignee"),
            "deadline": gettext("Nearest deadline"),
            "workers": gettext("Workers"),
            "actions": gettext("Actions"),
            "unassigned": gettext("Unassigned"),
            "collective": gettext("collective grievance"),
            "claim": pgettext("case", "Claim"),
            "assign": pgettext("within a union", "Assign"),
        }.items()
    }
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(context.get("csrf_token"))}">'
    )
    nxt = e(next_url)
    out = []
    for row in rows:
        case = row.case
        ref = e(case.reference)
        employer = e(case.primary_employer.name) if case.primary_employer else ""
        assignee = (
            e(str(case.assignee))
            if case.assignee
            else f'<span class="muted">{labels["unassigned"]}</span>'
        )
        workers = (
            f'<span class="badge badge-collective" title="{labels["collective"]}">'
            f"{e(case.claimant_count)}</span>"
            if case.is_collective
            else "1"
        )
        actions = ""
        hidden = (
            f'<input type="hidden" name="version" value="{e(case.version)}">\n'
            f'            <input type="hidden" name="next" value="{nxt}">'
        )
        if row.can_claim:
            actions += (
                f'\n          <form method="post" action="{case_url(ref, "casework:case_claim")}">'
                f"{csrf}\n            {hidden}\n"
                f'            <button type="submit">{labels["claim"]}</button>\n          </form>'
            )
        if row.can_assign and not row.assign_inline:
            actions += f'\n          <a href="{case_url(ref)}">{labels["assign"]}</a>'
        elif row.can_assign:
            pk = e(case.pk)
            options = assign_options(context, row.assignable, case.assignee_id)
            actions += (
                f'\n          <form method="post" action="{case_url(ref, "casework:case_assign")}">'
                f"{csrf}\n            {hidden}\n"
                f'            <label class="visually-hidden" for="assign-{pk}">'
                f"{labels['assignee']}</label>\n"
                f'            <select id="assign-{pk}" name="assignee" required>\n'
                f'              <option value="">—</option>\n              {options}\n'
                "            </select>\n"
                f'            <button type="submit">{labels["assign"]}</button>\n          </form>'
            )
        out.append(
            f"\n    <tr{' class="is-urgent"' if row.deadline.urgent else ''}>\n"
            f'      <td data-label="{labels["ref"]}"><a class="reference" href="{case_url(ref)}">'
            f"{ref}</a></td>\n"
            f'      <td data-label="{labels["categories"]}">{e("、".join(row.categories))}</td>\n'
            f'      <td data-label="{labels["employer"]}">{employer or "—"}</td>\n'
            f'      <td data-label="{labels["state"]}"><span class="badge badge-state">'
            f"{e(row.state_label)}</span></td>\n"
            f'      <td data-label="{labels["assignee"]}">{assignee}</td>\n'
            f'      <td data-label="{labels["deadline"]}">{_deadline_html(row.deadline)}</td>\n'
            f'      <td data-label="{labels["workers"]}" class="num">{workers}</td>\n'
            f'      <td data-label="{labels["actions"]}">\n        <div class="row-actions">'
            f"{actions}\n        </div>\n      </td>\n    </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 # nosec B308 B703 - every value escaped above
