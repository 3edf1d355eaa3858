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
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext

register = template.Library()


@register.simple_tag
def deadline(d):
    if not d.date:
        return mark_safe('<span class="muted">—</span>')  # noqa: S308 # nosec B308 B703 - a constant
    html = format_html('<span class="nowrap">{}</span>', date_filter(d.date))
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
        html += format_html('\n<span class="muted nowrap">{}</span>', left)
    if d.urgent:
        html += format_html('\n<strong class="badge badge-urgent">{}</strong>', gettext("Urgent"))
    return html


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
                format_html('<option value="{}">{}</option>', person.pk, str(person))
                for person in people
            ),
        )
    html = cache[key][1]
    if selected_id is not None:
        html = html.replace(
            f'<option value="{selected_id}">', f'<option value="{selected_id}" selected>', 1
        )
    return mark_safe(html)  # noqa: S308 # nosec B308 B703 - built with format_html above


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
    (name, id, the selected value), without a template per option."""
    value = field.value()
    value = "" if value is None else str(value)
    options = format_html_join(
        "",
        "{}",
        (
            (
                format_html('<option value="{}" selected>{}</option>', key, label)
                if str(key) == value
                else format_html('<option value="{}">{}</option>', key, label),
            )
            for key, label in field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>', field.html_name, field.auto_id, options
    )


@register.simple_tag(takes_context=True)
def queue_rows(context, rows, next_url):
    """The queue's table rows (selectors.staff.QueueRow): fifty a page, rendered here in one
    pass rather than node by node — the same markup the row template had."""
    labels = {
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
    }
    csrf = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context.get("csrf_token")
    )
    out = []
    for row in rows:
        case = row.case
        employer = case.primary_employer.name if case.primary_employer else ""
        assignee = (
            conditional_escape(str(case.assignee))
            if case.assignee
            else format_html('<span class="muted">{}</span>', labels["unassigned"])
        )
        workers = (
            format_html(
                '<span class="badge badge-collective" title="{}">{}</span>',
                labels["collective"],
                case.claimant_count,
            )
            if case.is_collective
            else "1"
        )
        actions = []
        hidden = format_html(
            '<input type="hidden" name="version" value="{}">\n'
            '            <input type="hidden" name="next" value="{}">',
            case.version,
            next_url,
        )
        if row.can_claim:
            actions.append(
                format_html(
                    '\n          <form method="post" action="{}">{}\n            {}\n'
                    '            <button type="submit">{}</button>\n          </form>',
                    case_url(case.reference, "casework:case_claim"),
                    csrf,
                    hidden,
                    labels["claim"],
                )
            )
        if row.can_assign and not row.assign_inline:
            actions.append(
                format_html(
                    '\n          <a href="{}">{}</a>', case_url(case.reference), labels["assign"]
                )
            )
        elif row.can_assign:
            actions.append(
                format_html(
                    '\n          <form method="post" action="{}">{}\n            {}\n'
                    '            <label class="visually-hidden" for="assign-{}">{}</label>\n'
                    '            <select id="assign-{}" name="assignee" required>\n'
                    '              <option value="">—</option>\n              {}\n'
                    "            </select>\n"
                    '            <button type="submit">{}</button>\n          </form>',
                    case_url(case.reference, "casework:case_assign"),
                    csrf,
                    hidden,
                    case.pk,
                    labels["assignee"],
                    case.pk,
                    assign_options(context, row.assignable, case.assignee_id),
                    labels["assign"],
                )
            )
        out.append(
            format_html(
                "\n    <tr{}>\n"
                '      <td data-label="{}"><a class="reference" href="{}">{}</a></td>\n'
                '      <td data-label="{}">{}</td>\n'
                '      <td data-label="{}">{}</td>\n'
                '      <td data-label="{}"><span class="badge badge-state">{}</span></td>\n'
                '      <td data-label="{}">{}</td>\n'
                '      <td data-label="{}">{}</td>\n'
                '      <td data-label="{}" class="num">{}</td>\n'
                '      <td data-label="{}">\n        <div class="row-actions">{}\n        </div>\n'
                "      </td>\n    </tr>",
                mark_safe(' class="is-urgent"') if row.deadline.urgent else "",  # noqa: S308 # nosec B308 B703 - a constant
                labels["ref"],
                case_url(case.reference),
                case.reference,
                labels["categories"],
                "、".join(row.categories),
                labels["employer"],
                employer or "—",
                labels["state"],
                row.state_label,
                labels["assignee"],
                assignee,
                labels["deadline"],
                deadline(row.deadline),
                labels["workers"],
                workers,
                labels["actions"],
                format_html_join("", "{}", ((a,) for a in actions)),
            )
        )
    return format_html_join("", "{}", ((r,) for r in out))
