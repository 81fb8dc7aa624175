// The verdict on screen: a modal dialog in the verdict's colour (focus inside, background inert, Enter or
// Escape continue, green and red close by themselves unless held) and the list of the last verdicts.
const GREEN_VISIBLE_MS = 1800;
const RED_VISIBLE_MS = 4500;
const RECENT_KEPT = 5;
const SYMBOLS = { green: "✓", amber: "!", red: "✗" };

// Keys that a hand scanner types: one printable character, no modifier (Space stays a button's key).
function isTyped(event) {
  return event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey && !event.altKey;
}


// The person's line under the name: unit and group, as far as known.
export function affiliation(guest) {
  return guest ? [guest.unit, guest.group].filter(Boolean).join(" · ") : "";
}

// box: the #verdict dialog; codeInput: the field the hand scanner types into; onCode() submits what it typed
// while the dialog was open; onAction(action, answer) runs the verdict's buttons (move to the hall, walk in).
// timeZone: the zone of the times the server writes (Europe/Berlin), so that the list's times match theirs.
export function verdictDialog({ box, codeInput, recentList, recentEmpty, repeatText, timeZone, onCode, onAction }) {
  const repeatBanner = box.querySelector(".verdict__repeat");
  const heldNote = box.querySelector(".verdict__held");
  const holdButton = box.querySelector('[data-action="hold"]');
  let hideTimer = 0;
  let current = null;
  const clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone,
  });

  function setBackgroundInert(inert) {
    for (let node = box; node.parentElement && node !== document.body; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling !== node && sibling.tagName !== "SCRIPT") sibling.inert = inert;
      }
    }
  }

  function remember(answer, repeatOf) {
    const item = document.createElement("li");
    item.className = `recent-verdict recent-verdict--${answer.tone}`;
    const time = document.createElement("time");
    const now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = clock.format(now);
    const title = document.createElement("strong");
    title.textContent = `${SYMBOLS[answer.tone]} ${answer.title}`;
    const parts = [repeatOf ? box.querySelector(".verdict__repeat strong").textContent : "",
      answer.guest ? answer.guest.name : "", answer.reason];
    const detail = document.createElement("span");
    detail.textContent = parts.filter(Boolean).join(" · ");
    item.append(time, " ", title, " ", detail);
    recentList.prepend(item);
    while (recentList.children.length > RECENT_KEPT) recentList.lastElementChild.remove();
    recentEmpty.hidden = true;
  }

  // Show an answer of the API; repeatOf (a Date) marks the earlier verdict of a code scanned again.
  function show(answer, repeatOf = null) {
    clearTimeout(hideTimer);
    // A verdict replacing another one: focus leaves and comes back, so that a screen reader reads it anew.
    if (box.contains(document.activeElement)) document.activeElement.blur();
    current = answer;
    const tone = answer.tone;
    box.className = `verdict verdict--${tone}`;
    box.dataset.verdict = answer.verdict;
    box.querySelector(".verdict__symbol").textContent = SYMBOLS[tone];
    box.querySelector(".verdict__title").textContent = answer.title;
    box.querySelector(".verdict__name").textContent = answer.guest ? answer.guest.name : "";
    box.querySelector(".verdict__group").textContent = affiliation(answer.guest);
    box.querySelector(".verdict__reason").textContent = answer.reason;
    repeatBanner.hidden = !repeatOf;
    box.setAttribute("aria-describedby", repeatOf ? "verdict-repeat verdict-details" : "verdict-details");
    repeatBanner.querySelector(".verdict__repeat-detail").textContent = repeatOf
      ? repeatText.replace("{time}", clock.format(repeatOf)) : "";
    const closesAlone = tone !== "amber";
    for (const button of box.querySelectorAll("[data-action]")) {
      const action = button.dataset.action;
      button.disabled = false;
      button.hidden = action === "hold" ? !closesAlone : action !== "close" && !(answer.actions || []).includes(action);
    }
    heldNote.hidden = true;
    box.hidden = false;
    box.focus();
    setBackgroundInert(true);
    remember(answer, repeatOf);
    if (closesAlone) hideTimer = setTimeout(hide, tone === "green" ? GREEN_VISIBLE_MS : RED_VISIBLE_MS);
  }

  function hide() {
    clearTimeout(hideTimer);
    current = null;
    setBackgroundInert(false);
    box.hidden = true;
    codeInput.focus({ preventScroll: true });
  }

  function hold() {
    clearTimeout(hideTimer);
    holdButton.hidden = true;
    heldNote.hidden = false;
    box.querySelector('[data-action="close"]').focus();
  }

  function keepTabInside(event) {
    const buttons = [...box.querySelectorAll("button:not([hidden])")];
    const first = buttons[0];
    const last = buttons[buttons.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === box)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      hide();
    } else if ((event.key === "Enter" || event.key === "Tab") && codeInput.value.trim()) {
      event.preventDefault(); // the end of a code the hand scanner typed while the verdict was open
      onCode();
    } else if (event.key === "Enter" && event.target === box) {
      event.preventDefault();
      hide();
    } else if (event.key === "Tab") {
      keepTabInside(event);
    } else if (isTyped(event)) {
      event.preventDefault(); // the hand scanner keeps typing into the code field beneath
      codeInput.value += event.key;
    }
  });

  box.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "hold") {
      hold();
    } else if (action === "close" || !current || !current.guest) {
      hide();
    } else {
      button.disabled = true;
      await onAction(action, current);
    }
  });

  return { show, hide, isOpen: () => !box.hidden };
}
