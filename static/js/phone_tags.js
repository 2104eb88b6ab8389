// Tagging with a thumb: a kind chip toggles off when tapped again, and the kind chosen last stays
// chosen for the next post (its chip shows it, right under the text), so a quick post stays
// text + Send. Perspectives and phase are per insight and start empty after each post: a phase
// kept in a closed select stuck silently to the next post ("a frustration" filed under the last
// phase).
const form = document.getElementById("compose");

if (form) {
  const storageKey = `aantafel:tags:${JSON.parse(document.getElementById("page-data").textContent).code}`;
  const remembered = (() => {
    try {
      return JSON.parse(localStorage.getItem(storageKey)) || {};
    } catch {
      return {};
    }
  })();

  // form.reset() (after each post) returns to the default state: make the last kind the default;
  // the phase's default stays "—".
  function keep(kind) {
    for (const input of form.querySelectorAll('input[name="kind"]')) input.defaultChecked = input.value === kind;
    for (const option of form.querySelectorAll('select[name="phase"] option')) option.defaultSelected = option.value === "";
    localStorage.setItem(storageKey, JSON.stringify({ kind }));
  }

  const current = () => form.querySelector('input[name="kind"]:checked')?.value || "";

  // A draft the server sent back (an error) wins over what was remembered.
  const hasDraft = form.querySelector('input[name="kind"]:checked') || form.querySelector('select[name="phase"]')?.value;
  if (!hasDraft && remembered.kind) {
    const kind = form.querySelector(`input[name="kind"][value="${CSS.escape(remembered.kind)}"]`);
    if (kind) kind.checked = true;
  }
  keep(current());
  // The kinds row scrolls sideways: bring the remembered choice into view.
  form.querySelector('#kind-chips input:checked')?.closest("label").scrollIntoView({ block: "nearest", inline: "nearest" });

  // Radios cannot be unticked by a tap: do it by hand, so "no kind" stays reachable.
  let wasChecked = null;
  form.addEventListener("pointerdown", (event) => {
    const label = event.target.closest("#kind-chips label");
    wasChecked = label ? label.querySelector("input").checked : null;
  });
  form.addEventListener("click", (event) => {
    const label = event.target.closest("#kind-chips label");
    if (!label || event.target.tagName !== "INPUT") return;
    if (wasChecked) event.target.checked = false;
    wasChecked = null;
    keep(current());
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") keep(current());
  });
}
