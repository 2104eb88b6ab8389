// The live event dashboard (/o/events/<id>/live): every session of the event as a card, redrawn
// from each `event:update` (the server sends one at most every second, and only on a change).
import { EVENTS, pageData } from "./live.js";

const data = pageData();
const words = data.words;
const grid = document.getElementById("dashboard-sessions");
const template = document.getElementById("session-card");
const dot = document.getElementById("connection");
const numbers = new Intl.NumberFormat(document.documentElement.lang);

const socket = window.io({
  auth: { role: "organiser", token: data.token, event: data.event },
  transports: ["websocket", "polling"],
  reconnectionDelayMax: 5000,
});
socket.on("connect", () => (dot.dataset.status = "online"));
socket.on("disconnect", () => (dot.dataset.status = "offline"));
socket.on("connect_error", () => (dot.dataset.status = "offline"));
socket.on(EVENTS.EVENT_UPDATE, render);

function render({ sessions }) {
  document.getElementById("dashboard-empty").hidden = sessions.length > 0;
  const sum = (field) => numbers.format(sessions.reduce((total, s) => total + s[field], 0));
  document.getElementById("dashboard-totals").textContent = words.totals
    .replace("{sessions}", numbers.format(sessions.length))
    .replace("{phones}", sum("phones"))
    .replace("{insights}", sum("insights"));
  grid.replaceChildren(...sessions.map(card));
}

function card(session) {
  const node = template.content.firstElementChild.cloneNode(true);
  node.dataset.code = session.code;
  const link = node.querySelector("[data-console]");
  link.href = data.console_url.replace("CODE", encodeURIComponent(session.code));
  link.textContent = `${session.title} (${words.code} ${session.code})`;
  const badge = node.querySelector("[data-state]");
  badge.dataset.state = session.state;
  badge.textContent = words.states[session.state] || session.state;
  for (const field of ["phones", "insights", "recent", "pending"]) {
    node.querySelector(`[data-${field}]`).textContent = numbers.format(session[field]);
  }
  node.querySelector("[data-pending]").classList.toggle("attention", session.pending > 0);
  node.querySelector("[data-round]").textContent = roundText(session.round);
  const tables = node.querySelector("[data-tables]");
  for (const table of session.tables) {
    const item = document.createElement("li");
    const missing = session.blind_spots[String(table.id)] || [];
    const name = document.createElement("strong");
    name.textContent = `${table.name}: `;
    item.append(name, missing.length ? missing.map((key) => data.perspectives[key] || key).join(", ") : words.all_covered);
    item.classList.toggle("covered", missing.length === 0);
    tables.append(item);
  }
  return node;
}

function roundText(round) {
  if (!round.number) return words.no_round;
  const title = round.title ? ` · ${round.title}` : "";
  const until = round.ends_at
    ? ` · ${words.until} ${new Date(round.ends_at).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" })}`
    : "";
  return `${words.round} ${round.number}${title}${until}`;
}
