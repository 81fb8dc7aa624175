// Shared by the pages that update figures in place: a text is only written when it changed, so that a screen
// reader does not announce the same figure again and the browser does not redo the layout for nothing.
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
