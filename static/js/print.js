// The print button of the table cards page (inline handlers are forbidden by the CSP).
document.getElementById("print-button")?.addEventListener("click", () => window.print());
