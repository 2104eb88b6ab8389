// The phone's themes across tables: the facilitator's themes, live (`theme:update`), and a vote
// per theme (`theme:vote`, toggled, acked with {ok, votes, voted}). Text goes in as textContent.
import { EVENTS } from "./live.js";

const ACK_TIMEOUT_MS = 8000;

export function mountPhoneThemes(socket, data) {
  const section = document.getElementById("themes");
  const list = document.getElementById("theme-list");
  const errorBox = document.getElementById("theme-error");
  if (!section || !list) return;
  const voted = new Set(data.voted_themes || []);
  const plural = new Intl.PluralRules(document.documentElement.lang);
  const insightsWord = (n) => (plural.select(n) === "one" ? data.strings.insight_one : data.strings.insight_other);
  let themes = data.themes || [];

  function item(theme) {
    const li = document.createElement("li");
    li.className = "theme-item";
    li.dataset.themeId = theme.id;
    const name = Object.assign(document.createElement("span"), { className: "theme-name", textContent: theme.name });
    const count = Object.assign(document.createElement("span"), {
      className: "theme-insights muted small",
      textContent: `${theme.insight_ids.length} ${insightsWord(theme.insight_ids.length)}`,
    });
    // A plain form as well, as the page renders it: without a live socket the vote is posted.
    const form = document.createElement("form");
    form.method = "post";
    form.action = `/j/${data.code}/themes/${theme.id}/vote`;
    form.className = "vote-form";
    const csrf = document.querySelector('input[name="csrf_token"]');
    if (csrf) form.append(Object.assign(document.createElement("input"), { type: "hidden", name: "csrf_token", value: csrf.value }));
    const button = document.createElement("button");
    button.dataset.themeVote = theme.id;
    const on = voted.has(theme.id);
    button.className = on ? "vote-button is-voted" : "vote-button";
    button.setAttribute("aria-pressed", String(on));
    button.setAttribute("aria-label", `${on ? data.strings.vote_taken : data.strings.vote_for}: ${theme.name} (${theme.votes} ${plural.select(theme.votes) === "one" ? data.strings.vote_one : data.strings.vote_other})`);
    const votes = Object.assign(document.createElement("span"), { textContent: String(theme.votes) });
    votes.dataset.themeVotes = "";
    button.append(on ? `✓ ${data.strings.voted} · ` : `🗳 ${data.strings.vote} · `, votes);
    form.append(button);
    li.append(name, count, form);
    return li;
  }

  function render() {
    section.hidden = themes.length === 0;
    list.replaceChildren(...themes.map(item));
  }

  socket.on(EVENTS.THEME_UPDATE, (update) => {
    themes = update.themes || [];
    render();
  });

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-theme-vote]");
    if (!button) return;
    event.preventDefault();
    const themeId = Number(button.dataset.themeVote);
    if (!socket.connected) return button.closest("form")?.submit();
    errorBox.hidden = true;
    button.disabled = true;
    socket.timeout(ACK_TIMEOUT_MS).emit(EVENTS.THEME_VOTE, { theme_id: themeId }, (err, answer) => {
      button.disabled = false;
      if (err || !answer || !answer.ok) {
        errorBox.textContent = answer?.error?.message || data.strings.waiting;
        errorBox.hidden = false;
        return;
      }
      if (answer.voted) voted.add(themeId);
      else voted.delete(themeId);
      themes = themes.map((t) => (t.id === themeId ? { ...t, votes: answer.votes } : t));
      render();
    });
  });
  render();
}
