// Fill an insight card (templates/partials/insight.html) from an insight payload.
// Text goes in through textContent only: nothing a participant writes is ever parsed as HTML.

export function newCard(payload, context) {
  const template = document.getElementById("insight-template");
  const card = template.content.firstElementChild.cloneNode(true);
  fillCard(card, payload, context);
  return card;
}

export function fillCard(card, payload, { kinds, perspectives, strings }) {
  card.dataset.id = payload.id;
  card.dataset.seq = payload.seq ?? "";
  card.dataset.kind = payload.kind || "";
  card.dataset.tableId = payload.table_id ?? "";
  card.dataset.phase = payload.phase || "";
  card.dataset.organisationType = (payload.author && payload.author.organisation_type) || "";
  card.classList.toggle("is-pinned", Boolean(payload.pinned));
  for (const status of ["pending", "hidden"]) {
    card.classList.toggle(`is-${status}`, payload.status === status);
  }
  card.classList.toggle("is-own", Boolean(payload.own));
  const field = (name) => card.querySelector(`[data-field="${name}"]`);

  const kind = kinds.find((k) => k.key === payload.kind);
  const kindEl = field("kind");
  kindEl.hidden = !kind;
  kindEl.textContent = kind ? `${kind.icon} ${kind.label}` : "";

  field("pinned").hidden = !payload.pinned;
  const status = field("status");
  status.hidden = !payload.status || payload.status === "visible";
  status.textContent = (strings && strings[payload.status]) || payload.status || "";

  field("text").textContent = payload.text ?? "";

  const list = field("perspectives");
  list.replaceChildren(
    ...perspectives
      .filter((p) => (payload.perspectives || []).includes(p.key))
      .map((p) => {
        const item = document.createElement("li");
        item.dataset.perspective = p.key;
        item.textContent = p.short;
        return item;
      }),
  );

  // Posted without a name: its author and the console see it said, not an empty space.
  const author = payload.author;
  const anonymous = Boolean(payload.anonymous) && !(author && author.name);
  field("author").textContent = author && author.name ? author.name : anonymous ? strings?.anonymous || "" : "";
  card.classList.toggle("is-anonymous", anonymous);

  // Who is speaking (the console's payload) and how documents may quote it (own posts, console).
  const speaker = field("speaker");
  if (speaker) {
    const who = payload.speaker;
    speaker.textContent = who ? [who.role, who.organisation, who.place].filter(Boolean).join(" · ") : "";
    speaker.hidden = !speaker.textContent;
  }
  const consent = field("consent");
  if (consent) {
    const badge = (payload.own || payload.speaker !== undefined) && strings?.consents?.[payload.quote_consent];
    consent.textContent = badge || "";
    consent.dataset.consent = badge ? payload.quote_consent : "";
    consent.hidden = !badge;
  }

  const votes = field("votes");
  votes.hidden = !payload.votes;
  field("votes-count").textContent = payload.votes || 0;

  const voteButton = card.querySelector("[data-vote]");
  if (voteButton) {
    voteButton.dataset.vote = payload.id;
    voteButton.hidden = Boolean(payload.own) || payload.status !== "visible";
  }
  return card;
}

export function setDelivery(card, state, label) {
  const delivery = card.querySelector('[data-field="delivery"]');
  if (!delivery) return;
  delivery.hidden = !state;
  delivery.dataset.state = state || "";
  delivery.textContent = label || "";
}
