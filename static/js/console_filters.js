// Filters on the console's insight list (templates/partials/console_filters.html): table, kind,
// perspective, phase, organisation type. Cards that do not match are hidden, including cards that
// arrive live; the export links carry the same filters as query parameters.
const form = document.getElementById("console-filters");
const feed = document.getElementById("feed");

if (form && feed) {
  // The table comes from the console's own table picker beside the status filter.
  const tablePicker = document.getElementById("filter-table");
  const chosen = () =>
    Object.fromEntries(
      [...new FormData(form), ["table", tablePicker?.value || ""]].filter(([, value]) => value),
    );

  function matches(card, filters) {
    const perspectives = [...card.querySelectorAll("[data-perspective]")].map((li) => li.dataset.perspective);
    return (
      (!filters.table || card.dataset.tableId === filters.table) &&
      (!filters.kind || card.dataset.kind === filters.kind) &&
      (!filters.perspective || perspectives.includes(filters.perspective)) &&
      (!filters.phase || card.dataset.phase === filters.phase) &&
      (!filters.organisation_type || card.dataset.organisationType === filters.organisation_type)
    );
  }

  function apply() {
    const filters = chosen();
    const cards = [...feed.querySelectorAll(".insight")];
    let shown = 0;
    for (const card of cards) {
      const keep = matches(card, filters);
      card.classList.toggle("is-filtered-out", !keep);
      if (keep) shown += 1;
    }
    form.querySelector("[data-filter-shown]").textContent = shown;
    form.querySelector("[data-filter-total]").textContent = cards.length;
    const query = new URLSearchParams(filters).toString();
    for (const link of form.querySelectorAll("[data-filter-export]")) {
      const url = new URL(link.href, window.location.href);
      url.search = query;
      link.href = url.pathname + (query ? `?${query}` : "");
    }
  }

  form.addEventListener("change", apply);
  tablePicker?.addEventListener("change", apply);
  form.addEventListener("reset", () => setTimeout(apply));
  form.addEventListener("submit", (event) => event.preventDefault());
  new MutationObserver(apply).observe(feed, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-kind", "data-table-id", "data-phase", "data-organisation-type"],
  });
  apply();
}
