// The organiser's "new session" form: the title follows the chosen template and language until the
// organiser types one of their own (a blank template leaves it to them).
const form = document.getElementById("new-session-form");
const titles = JSON.parse(document.getElementById("page-data").textContent).template_titles || {};

if (form) {
  const title = form.querySelector("#title");
  const template = form.querySelector("#template");
  const language = form.querySelector("#language");
  const known = () => Object.values(titles).flatMap((byLanguage) => Object.values(byLanguage));
  const suggested = () => (titles[template.value] || {})[language.value] || "";
  const follow = () => {
    if (!title.value.trim() || known().includes(title.value)) title.value = suggested();
  };
  template.addEventListener("change", follow);
  language.addEventListener("change", follow);
  follow();
}
