"""Small helpers for driving the portal's GOV.UK pages as a person would: by the labels,
legends and button text they see."""

from __future__ import annotations

import datetime
import re

from playwright.sync_api import Locator, Page, expect


def main(page: Page) -> Locator:
    return page.locator("main")


def choose_radio(page: Page, legend: str, label: str) -> None:
    """Chooses ``label`` in the radios under the fieldset whose legend is ``legend``."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label(label, exact=True).check()


def fill_date(page: Page, legend: str, date: datetime.date) -> None:
    """Fills a GOV.UK date input (Day, Month, Year) under the fieldset ``legend``."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(date.day))
    group.get_by_label("Month").fill(str(date.month))
    group.get_by_label("Year").fill(str(date.year))


def submit(page: Page, label: str) -> None:
    main(page).get_by_role("button", name=label, exact=True).click()


def check_error_summary(page: Page, messages: list[str]) -> None:
    """The GOV.UK error summary after a form was sent with mistakes: it is shown with
    ``messages`` (in order) and focused, the page title says "(error)", and each message
    links to its field: following the link moves focus there."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"\(error\)"))
    links = summary.get_by_role("link")
    expect(links).to_have_text(messages)
    for index in range(len(messages)):
        link = links.nth(index)
        target = link.get_attribute("href").removeprefix("#")
        field = page.locator(f'[id="{target}"]')
        expect(field).to_have_count(1)
        link.click()
        expect(field).to_be_focused()
        # The message is repeated at the field itself.
        message = messages[index]
        expect(page.locator(".govuk-error-message").filter(has_text=message)).not_to_have_count(0)


# --- The keyboard ----------------------------------------------------------------------

#: What has focus now, and whether its focus can be seen: GOV.UK Frontend's focus style
#: is its yellow focus colour as an outline, a box-shadow or the background (for radios
#: and checkboxes it is drawn on the label's ``::before``, the visible circle or box).
_FOCUS_STATE = """
(targets) => {
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) {
    return {focused: false, isTarget: false, visible: true, element: "nothing"};
  }
  const yellow = "rgb(255, 221, 0)";
  const shows = (style) =>
    (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
      && style.outlineColor === yellow)
    || (style.boxShadow || "").includes(yellow)
    || style.backgroundColor === yellow;
  let visible = shows(getComputedStyle(element));
  if (!visible && ["radio", "checkbox"].includes(element.type) && element.labels.length) {
    visible = shows(getComputedStyle(element.labels[0], "::before"));
  }
  const text = (element.innerText || element.value || element.name || "").trim();
  const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
    + (text ? ` "${text.slice(0, 60)}"` : "");
  return {focused: true, isTarget: (targets || []).includes(element), visible, element: name};
}
"""


def focus_state(page: Page) -> dict:
    """``{"focused", "visible", "element"}``: what has focus and whether it shows."""
    return page.evaluate(_FOCUS_STATE, [])


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 80) -> None:
    """Presses Tab (or Shift+Tab) until ``target`` (or, if it matches several elements,
    one of them) has focus, checking at every stop that the focused element shows GOV.UK's
    focus style. Fails naming the element whose focus cannot be seen, or the stops made
    if the target is never reached."""
    key = "Shift+Tab" if backwards else "Tab"
    target.first.wait_for()
    handles = target.element_handles()
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        state = page.evaluate(_FOCUS_STATE, handles)
        stops.append(state["element"])
        assert state["visible"], f"Focus is not visible on {state['element']} at {page.url}"
        if state["isTarget"]:
            return
    raise AssertionError(
        f"{key} never reached {target} at {page.url} in {limit} presses: " + " → ".join(stops)
    )


def choose_radio_by_keyboard(page: Page, legend: str, label: str) -> None:
    """Tabs into the radios under ``legend`` (focus lands on the chosen one, or the first)
    and moves to ``label`` with the arrow keys, which choose as they move; Space chooses
    the first when none was chosen."""
    group = page.get_by_role("group", name=legend, exact=True)
    radios = group.get_by_role("radio")
    wanted = group.get_by_label(label, exact=True)
    tab_to(page, radios)
    names = [radio.evaluate("el => el.id") for radio in radios.all()]
    position = names.index(page.evaluate("() => document.activeElement.id"))
    target = names.index(wanted.evaluate("el => el.id"))
    if position == target:
        page.keyboard.press("Space")
    for _ in range(abs(target - position)):
        page.keyboard.press("ArrowDown" if target > position else "ArrowUp")
    expect(wanted).to_be_focused()
    expect(wanted).to_be_checked()
    state = focus_state(page)
    assert state["visible"], f"Focus is not visible on {state['element']} at {page.url}"
