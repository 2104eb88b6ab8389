// The console's wall view switcher (templates/partials/view_switcher.html): one click sets the
// `wall_view`, `wall_sort` or `wall_theme` setting through the API; every wall follows over Socket.IO.
import { pageData } from "./live.js";

const panel = document.getElementById("view-switcher");
if (panel) {
  const data = pageData();
  const errorBox = panel.querySelector("[data-view-error]");

  const show = (settings) => {
    for (const button of panel.querySelectorAll("[data-wall-view]")) {
      button.setAttribute("aria-pressed", String(button.dataset.wallView === (settings.wall_view || "tables")));
    }
    for (const button of panel.querySelectorAll("[data-wall-sort]")) {
      button.setAttribute("aria-pressed", String(button.dataset.wallSort === (settings.wall_sort || "newest")));
    }
    for (const button of panel.querySelectorAll("[data-wall-theme]")) {
      button.setAttribute("aria-pressed", String(button.dataset.wallTheme === (settings.wall_theme || "dark")));
    }
  };

  async function change(settings) {
    errorBox.hidden = true;
    const response = await fetch(`/api/v1/sessions/${data.code}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${data.key}` },
      body: JSON.stringify({ settings }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      errorBox.textContent = answer.error ? answer.error.message : response.statusText;
      errorBox.hidden = false;
      return;
    }
    show(answer.settings || {});
  }

  panel.addEventListener("click", (event) => {
    const button = event.target.closest("[data-wall-view], [data-wall-sort], [data-wall-theme]");
    if (!button) return;
    if (button.dataset.wallView) change({ wall_view: button.dataset.wallView });
    else if (button.dataset.wallTheme) change({ wall_theme: button.dataset.wallTheme });
    else change({ wall_sort: button.dataset.wallSort });
  });
  show(data.state.settings || {});
}
