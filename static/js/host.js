// The table host's page: the table's visible insights, most recognised first, kept live while the
// host writes the summary (role "host": the table's room, authorised by the host link's token).
import { fillCard, newCard } from "./cards.js";
import { connectLive, pageData, showConnection } from "./live.js";

const data = pageData();
const context = { kinds: data.kinds, perspectives: data.perspectives, strings: data.strings };
const feed = document.getElementById("feed");

const votesOf = (card) => Number(card.querySelector('[data-field="votes-count"]')?.textContent) || 0;

/** Most recognised first; among equals the newest first (ids grow with time). */
function order() {
  const cards = [...feed.querySelectorAll(".insight")];
  const sorted = [...cards].sort((a, b) => votesOf(b) - votesOf(a) || Number(b.dataset.id) - Number(a.dataset.id));
  if (sorted.some((card, i) => card !== cards[i])) feed.replaceChildren(...sorted);
  document.getElementById("insight-count").textContent = cards.length;
  document.getElementById("feed-empty").hidden = cards.length > 0;
}

function show(payload) {
  let card = feed.querySelector(`.insight[data-id="${payload.id}"]`);
  const visible = payload.text !== undefined && payload.status === "visible" && payload.table_id === data.table_id;
  if (!visible) card?.remove();
  else if (card) fillCard(card, payload, context);
  else {
    card = newCard(payload, context);
    card.classList.add("is-new");
    feed.append(card);
  }
  order();
}

connectLive({
  code: data.code,
  role: "host",
  token: data.token,
  auth: { table: data.table_id },
  initialInsights: data.insights,
  initialSeq: data.state.seq,
  handlers: { insight: show, status: showConnection },
});
