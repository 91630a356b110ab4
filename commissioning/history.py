"""Who changed what, and when, for any record kept by django-simple-history."""

from __future__ import annotations

HISTORY_LIMIT = 50
#: Fields a person does not change: timestamps written on every save, and the link to
#: the forward plan's end milestone, which the portal keeps in step with the end date
#: (the end date's own change is shown).
HISTORY_IGNORED = ("created_at", "updated_at", "end_milestone")


def history_entries(instance, limit: int = HISTORY_LIMIT) -> list[dict]:
    """A record's django-simple-history rows, newest first, each with the fields it
    changed shown by their labels and their values as a reader would see them (choices
    by label, related rows by name, fetched once per field)."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(instance)
    noun = model._meta.verbose_name
    fields = {field.name: field for field in model._meta.concrete_fields}
    pairs = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = (
            record.diff_against(older, excluded_fields=HISTORY_IGNORED).changes
            if older is not None
            else []
        )
        pairs.append((record, older, changes))

    # Related rows named in the changes, fetched once per model rather than per change.
    wanted: dict[str, set] = {}
    for _record, _older, changes in pairs:
        for change in changes:
            if fields[change.field].is_relation:
                wanted.setdefault(change.field, set()).update(
                    value for value in (change.old, change.new) if value is not None
                )
    related = {
        name: fields[name].related_model._default_manager.in_bulk(ids)
        for name, ids in wanted.items()
    }

    def show(name: str, value) -> str:
        field = fields[name]
        if value in (None, ""):
            return "Not set"
        if field.is_relation:
            obj = related.get(name, {}).get(value)
            return str(obj) if obj is not None else "A deleted record"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        text = str(value)
        return text if len(text) <= 120 else text[:117] + "…"

    entries = []
    for record, older, changes in pairs:
        if record.history_type == "+" or older is None:
            what = f"Added the {noun}" if record.history_type == "+" else "Changed"
        elif record.history_type == "-":
            what = f"Deleted the {noun}"
        else:
            what = "Changed" if changes else "Saved with no changes"
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": what,
                "changes": [
                    {
                        "label": str(fields[change.field].verbose_name).capitalize(),
                        "old": show(change.field, change.old),
                        "new": show(change.field, change.new),
                    }
                    for change in changes
                ],
            }
        )
    return entries


def set_reference_quietly(instance, reference: str) -> None:
    """Give a just-created row its final reference (made from its id) without a second
    history entry, and correct its creation entry, so no one sees the placeholder."""
    model = type(instance)
    model._default_manager.filter(pk=instance.pk).update(reference=reference)
    instance.history.filter(history_type="+").update(reference=reference)
    instance.reference = reference
