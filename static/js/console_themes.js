// The console's themes across tables: make, rename and remove themes, put each insight in one
// (its "Theme" menu), and accept a suggested group of insights that say the same as a theme in
// one click. Changes go through the API; `theme:update` brings every console the same list.

import { secondClickDoes } from "./two_clicks.js";

export function mountConsoleThemes({ call, act, strings, initial }) {
  const $ = (id) => document.getElementById(id);
  const rows = $("theme-rows");
  let themes = initial || [];

  const plural = new Intl.PluralRules(document.documentElement.lang);
  const counted = (n, one, other) => `${n} ${plural.select(n) === "one" ? one : other}`;

  function row(theme) {
    const li = document.createElement("li");
    li.className = "theme-row";
    li.dataset.themeId = theme.id;
    const name = document.createElement("input");
    name.value = theme.name;
    name.maxLength = 120;
    name.dataset.themeName = "";
    name.setAttribute("aria-label", strings.theme_name);
    const meta = document.createElement("span");
    meta.className = "theme-meta";
    const insights = counted(theme.insight_ids.length, strings.insight_one, strings.insight_other);
    meta.textContent = `${insights} · ${counted(theme.votes, strings.vote_one, strings.vote_other)}`;
    const remove = Object.assign(document.createElement("button"), {
      type: "button",
      className: "button small quiet",
      textContent: strings.remove_theme,
    });
    remove.dataset.removeTheme = "";
    li.append(name, meta, remove);
    return li;
  }

  function fillSelect(select, themeId) {
    const wanted = ["", ...themes.map((t) => String(t.id))];
    const have = [...select.options].map((o) => o.value);
    if (wanted.join(",") !== have.join(",") || themes.some((t, i) => select.options[i + 1].textContent !== t.name)) {
      const none = Object.assign(document.createElement("option"), { value: "", textContent: "—" });
      select.replaceChildren(none, ...themes.map((t) => Object.assign(document.createElement("option"), { value: String(t.id), textContent: t.name })));
    }
    select.value = themeId ? String(themeId) : "";
  }

  /** Show an insight card's theme in its menu (console.js calls it for every card it draws). */
  function decorate(card, payload) {
    const select = card.querySelector("[data-theme-select]");
    if (!select) return;
    card.draggable = true; // or drag it onto a theme
    card.dataset.themeId = payload.theme_id || "";
    fillSelect(select, payload.theme_id);
  }

  function apply(list) {
    themes = list;
    const focused = document.activeElement;
    const editing = focused && focused.matches("[data-theme-name]") ? focused.closest(".theme-row")?.dataset.themeId : null;
    if (editing) {
      // Keep the field being typed in; refresh the rest.
      for (const li of [...rows.children]) if (li.dataset.themeId !== editing) li.remove();
      for (const theme of themes) {
        if (String(theme.id) === editing) continue;
        const index = themes.indexOf(theme);
        rows.insertBefore(row(theme), rows.children[index] || null);
      }
    } else {
      rows.replaceChildren(...themes.map(row));
    }
    $("themes-empty").hidden = themes.length > 0;
    for (const card of document.querySelectorAll(".insight[data-id]")) {
      const select = card.querySelector("[data-theme-select]");
      if (select) fillSelect(select, card.dataset.themeId);
    }
  }

  rows.addEventListener("change", (event) => {
    const input = event.target.closest("[data-theme-name]");
    if (!input) return;
    const id = input.closest(".theme-row").dataset.themeId;
    act(call("PATCH", `/themes/${id}`, { name: input.value }));
  });
  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-theme]");
    if (!button) return;
    const themeId = button.closest(".theme-row").dataset.themeId;
    secondClickDoes(button, strings.confirm_remove, () => act(call("DELETE", `/themes/${themeId}`)));
  });
  $("add-theme").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(call("POST", "/themes", { name: form.name.value }).then(() => form.reset()));
  });

  // Drag an insight card onto a theme to put it there.
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest?.(".insight[data-id]");
    if (!card) return;
    if (card.querySelector(".edit-form")) return event.preventDefault(); // selecting text to fix a typo
    event.dataTransfer.setData("text/x-insight-id", card.dataset.id);
    event.dataTransfer.effectAllowed = "move";
  });
  rows.addEventListener("dragover", (event) => {
    const target = event.target.closest(".theme-row");
    if (!target || !event.dataTransfer.types.includes("text/x-insight-id")) return;
    event.preventDefault();
    rows.querySelectorAll(".is-drop-target").forEach((r) => r !== target && r.classList.remove("is-drop-target"));
    target.classList.add("is-drop-target");
  });
  rows.addEventListener("dragleave", (event) => event.target.closest(".theme-row")?.classList.remove("is-drop-target"));
  rows.addEventListener("drop", (event) => {
    const target = event.target.closest(".theme-row");
    const id = event.dataTransfer.getData("text/x-insight-id");
    if (!target || !id) return;
    event.preventDefault();
    target.classList.remove("is-drop-target");
    act(call("PATCH", `/insights/${id}`, { theme_id: Number(target.dataset.themeId) }));
  });

  // Each insight's menu: put it in a theme, or take it out.
  document.addEventListener("change", (event) => {
    const select = event.target.closest("[data-theme-select]");
    if (!select) return;
    const card = select.closest(".insight");
    const themeId = select.value ? Number(select.value) : null;
    act(call("PATCH", `/insights/${card.dataset.id}`, { theme_id: themeId }));
  });

  // --- suggestions -------------------------------------------------------------------------------
  const note = $("suggestions-note");
  const box = $("suggestions");
  const textOf = (id) => document.querySelector(`.insight[data-id="${id}"] .insight-text`)?.textContent || `#${id}`;

  function suggestion(group) {
    const card = document.createElement("article");
    card.className = "theme-suggestion";
    const title = Object.assign(document.createElement("h3"), { textContent: group.label });
    const list = document.createElement("ul");
    for (const id of group.insight_ids) {
      list.append(Object.assign(document.createElement("li"), { textContent: textOf(id) }));
    }
    const accept = Object.assign(document.createElement("button"), {
      type: "button",
      className: "button small primary",
      textContent: strings.accept_suggestion,
    });
    accept.addEventListener("click", () => {
      accept.disabled = true;
      act(
        call("POST", "/themes", { name: group.label, insight_ids: group.insight_ids }).then(() => card.remove()),
      ).finally(() => (accept.disabled = false));
    });
    card.append(title, list, accept);
    return card;
  }

  $("suggest-themes").addEventListener("click", async (event) => {
    const button = event.target;
    button.disabled = true;
    note.hidden = false;
    note.textContent = strings.suggesting;
    try {
      const answer = await call("GET", "/themes/suggestions");
      box.replaceChildren(...answer.groups.map(suggestion));
      note.hidden = answer.groups.length > 0;
      note.textContent = answer.groups.length ? "" : strings.no_suggestions;
    } catch {
      note.hidden = true;
    } finally {
      button.disabled = false;
    }
  });

  apply(themes);
  return { apply, decorate };
}
