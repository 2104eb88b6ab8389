// Paging for a wall column: pinned cards stay on top, the others turn page by page, slowly, so a
// table with 60+ insights still shows its whole conversation. Only whole cards are shown: a card
// that does not fit waits for the next page. A position line ("12–18 van 64") says where we are.

const PAGE_MS = 9000; // time to read a page from the back of the room
const REDUCED_PAGE_MS = 14000; // no animation with reduced motion, and a calmer pace
const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");

// Density by the number of cards in the column: more cards, tighter cards (text stays >= 24 px).
const density = (n) => (n > 24 ? "3" : n > 8 ? "2" : "1");

export function pageFeeds(strings, selector) {
  const offsets = new WeakMap(); // feed -> index of the first unpinned card on screen
  const number = new Intl.NumberFormat(document.documentElement.lang).format;

  function positionText(first, last, total) {
    return (first === last ? strings.position_one : strings.position)
      .replace("%(first)s", number(first))
      .replace("%(last)s", number(last))
      .replace("%(total)s", number(total));
  }

  function layout(feed, turn = false, again = false) {
    const cards = [...feed.querySelectorAll(":scope > .insight")];
    const indicator = feed.parentElement.querySelector("[data-position]");
    feed.dataset.density = density(cards.length);
    for (const card of cards) {
      card.classList.remove("is-off");
      const text = card.querySelector(".insight-text.is-clamped");
      if (text) {
        text.classList.remove("is-clamped");
        text.style.removeProperty("-webkit-line-clamp");
      }
    }
    const room = feed.clientHeight;
    if (!room) return; // view not shown: laid out when it is
    const gap = parseFloat(getComputedStyle(feed).rowGap) || 0;
    const top = parseFloat(getComputedStyle(feed).paddingTop) || 0;
    const allPinned = cards.filter((c) => c.classList.contains("is-pinned"));
    const unpinned = cards.filter((c) => !c.classList.contains("is-pinned"));
    const heights = new Map(cards.map((c) => [c, c.getBoundingClientRect().height]));
    let used = top;
    const fits = (card) => used + heights.get(card) <= room + 0.5;
    const shown = new Set();
    // Pinned cards stay on top, but leave at least half the column to the conversation; pinned
    // cards beyond that half take their turn at the head of the pages.
    const pinned = [];
    for (const card of allPinned) {
      if (pinned.length && used + heights.get(card) > room / 2) break;
      if (!fits(card)) break;
      pinned.push(card);
      shown.add(card);
      used += heights.get(card) + gap;
    }
    const rest = [...allPinned.slice(pinned.length), ...unpinned];
    let offset = offsets.get(feed) || 0;
    if (turn) offset = Number(feed.dataset.lastIndex || 0); // the next page starts after this one
    if (offset >= rest.length) offset = 0;
    let last = offset;
    for (let i = offset; i < rest.length && fits(rest[i]); i += 1) {
      shown.add(rest[i]);
      used += heights.get(rest[i]) + gap;
      last = i + 1;
    }
    // A card too tall for what is left waits for a page of its own: drop the pinned ones for it.
    if (last === offset && offset < rest.length) {
      for (const card of pinned) shown.delete(card);
      const card = rest[offset];
      shown.add(card);
      last = offset + 1;
      if (heights.get(card) > room - top) clamp(card, heights.get(card), room - top);
    }
    offsets.set(feed, offset);
    feed.dataset.lastIndex = String(last);
    for (const card of cards) card.classList.toggle("is-off", !shown.has(card));
    const paged = last - offset < rest.length;
    const first = pinned.length + offset + 1;
    const end = pinned.length + last;
    feed.dataset.first = paged ? String(first) : "1";
    feed.dataset.last = paged ? String(end) : String(cards.length);
    feed.dataset.total = String(cards.length);
    feed.dataset.paged = String(paged);
    feed.dataset.fixed = String(pinned.length); // pinned cards that stay on top of every page
    if (indicator) {
      indicator.hidden = !paged;
      indicator.textContent = paged ? positionText(first, end, cards.length) : "";
    }
    // Showing the position line can wrap the column head and shrink the feed: fit once more.
    if (!again && feed.clientHeight !== room) return layout(feed, false, true);
    if (turn && !reduced.matches) {
      feed.classList.remove("is-turning");
      void feed.offsetWidth; // restart the page-in animation
      feed.classList.add("is-turning");
      // Only this turn animates: cards drawn into the feed later must not slide in again.
      setTimeout(() => feed.classList.remove("is-turning"), 800);
    }
  }

  // Taller than the whole column (a very long text on a small screen): end the text at a line,
  // with an ellipsis after a whole word, so the card still fits in one piece.
  function clamp(card, height, room) {
    const text = card.querySelector(".insight-text");
    if (!text) return;
    const lineHeight = parseFloat(getComputedStyle(text).lineHeight);
    const lines = Math.max(1, Math.floor((room - (height - text.getBoundingClientRect().height)) / lineHeight));
    text.style.setProperty("-webkit-line-clamp", String(lines));
    text.classList.add("is-clamped");
  }

  const feeds = () => document.querySelectorAll(selector);
  const relayout = () => feeds().forEach((feed) => layout(feed));
  function turn() {
    feeds().forEach((feed) => {
      if (feed.dataset.paged === "true") layout(feed, true);
    });
    setTimeout(turn, reduced.matches ? REDUCED_PAGE_MS : PAGE_MS);
  }
  setTimeout(turn, reduced.matches ? REDUCED_PAGE_MS : PAGE_MS);
  window.addEventListener("resize", relayout);
  document.fonts?.ready.then(relayout);
  return { relayout, turn: (feed) => layout(feed, true) };
}
