// Two clicks instead of a confirm() dialog: the first arms the button and says what the second does;
// a second click within 4 s runs `action`, after that the button forgets it was armed.
export function secondClickDoes(button, confirmText, action) {
  if (button.dataset.armed) {
    action();
    return;
  }
  button.dataset.armed = "1";
  const label = button.textContent;
  button.textContent = confirmText;
  setTimeout(() => {
    delete button.dataset.armed;
    button.textContent = label;
  }, 4000);
}
