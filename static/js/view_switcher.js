// The console's wall view switcher (templates/partials/view_switcher.html): one click sets the
// `wall_view`, `wall_sort` or `wall_theme` setting through the API; every wall follows over Socket.IO.
import { pageData } from "./live.js";

const panel = document.getElementById("view-switcher");
if (panel) {
  const data = pageData();
  const errorBox = panel.querySelector("[data-view-error]");

  // Each button group sets one setting: data attribute -> [setting, its default]. The defaults
  // come from the server's settings table (workshop/session_settings.py) in the page data.
  const defaults = data.setting_defaults;
  const choices = {
    wallView: ["wall_view", defaults.wall_view],
    wallSort: ["wall_sort", defaults.wall_sort],
    wallTheme: ["wall_theme", defaults.wall_theme],
  };
  const buttons = "[data-wall-view], [data-wall-sort], [data-wall-theme]";
  const choiceOf = (button) => Object.keys(choices).find((attribute) => attribute in button.dataset);

  const show = (settings) => {
    for (const button of panel.querySelectorAll(buttons)) {
      const attribute = choiceOf(button);
      const [setting, fallback] = choices[attribute];
      button.setAttribute("aria-pressed", String(button.dataset[attribute] === (settings[setting] || fallback)));
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
    const button = event.target.closest(buttons);
    if (!button) return;
    const attribute = choiceOf(button);
    change({ [choices[attribute][0]]: button.dataset[attribute] });
  });
  show(data.state.settings || {});
}
