// dealdesk console script: it only improves pages that work without it.
//
// The Create CPPO form (templates/opportunity_new.html): its buyer and installment rows are
// added and removed in the page rather than by the server (the buttons post
// action=add-buyer, remove-buyer:I, ... when this script is not running); each change renumbers
// the rows' names, ids, labels and buttons as the server numbers them (buyerAccountIds[0..],
// installments[0..].amount), moves the focus and is announced in the form's live region; and
// the installments' total against the commit is recomputed as one types, in the server's
// words (opportunityForm.InstallmentsSum), with exact decimal arithmetic (BigInt).
//
// A page waiting on AWS (the opportunity page: templates/offer_show.html) carries
// data-refresh-token on its polite status line; the page is fetched again every 2 s while the
// tab is visible, and reloaded once the fetched page's token differs or is gone (something has
// arrived). After 3 minutes of polling the line says to reload later. Without this script the
// line says to reload.
"use strict";

// The page knows the script runs (CSS may rely on it: html.js).
document.documentElement.classList.add("js");

(() => {
  const form = document.getElementById("opportunity-form");
  if (!form) {
    return;
  }
  const status = document.getElementById("rows-status");
  let sumTimer = 0;
  const announce = (text) => {
    window.clearTimeout(sumTimer);
    if (status) {
      status.textContent = text;
    }
  };

  // Decimals: the domain's one written form (dealdesk.ParseDecimal), read into BigInt units.
  const decimalPattern = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
  const parseDecimal = (s) => {
    if (!decimalPattern.test(s) || /^-0(\.0+)?$/.test(s) || s.replace(/[-.]/g, "").length > 40) {
      return null;
    }
    const [whole, frac = ""] = s.replace("-", "").split(".");
    const units = BigInt(whole + frac);
    return { units: s.startsWith("-") ? -units : units, places: frac.length };
  };
  const scaled = (d, places) => d.units * 10n ** BigInt(places - d.places);
  const format = (units, places) => {
    const digits = (units < 0n ? -units : units).toString().padStart(places + 1, "0");
    const whole = digits.slice(0, digits.length - places).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (units < 0n ? "-" : "") + whole + (places > 0 ? "." + digits.slice(digits.length - places) : "");
  };

  const sumOut = document.getElementById("installments-sum");
  const commitIn = document.getElementById("commitAmount");
  const currencyIn = document.getElementById("currency");

  // sumText is opportunityForm.InstallmentsSum, word for word.
  const sumText = () => {
    const amounts = [];
    const rows = form.querySelectorAll("#installments [data-row-list] > [data-row]");
    for (const [i, row] of [...rows].entries()) {
      const s = row.querySelector("[data-amount]").value.trim();
      if (s === "") {
        continue;
      }
      const d = parseDecimal(s);
      if (d === null) {
        return `Installments total: the amount of installment ${i + 1} is not a number.`;
      }
      amounts.push(d);
    }
    if (amounts.length === 0) {
      return "No installment amount entered.";
    }
    const currency = currencyIn ? currencyIn.value : "";
    let places = currency === "JPY" ? 0 : 2;
    for (const a of amounts) {
      places = Math.max(places, a.places);
    }
    const total = (p) => amounts.reduce((t, a) => t + scaled(a, p), 0n);
    const commitText = commitIn ? commitIn.value.trim() : "";
    const commit = parseDecimal(commitText);
    if (commit === null) {
      const why = commitText === "" ? "no commit amount to compare with" : "the commit amount is not a number";
      return `Installments total ${format(total(places), places)}; ${why}.`;
    }
    places = Math.max(places, commit.places);
    const sum = total(places);
    const c = scaled(commit, places);
    const head = `Installments total ${format(sum, places)} of the ${format(c, places)} ${currency} commit`;
    if (sum === c) {
      return head + ".";
    }
    return sum < c ? `${head}: ${format(c - sum, places)} short.` : `${head}: ${format(sum - c, places)} over.`;
  };

  // The total is shown at once and, when there is one, read out once typing pauses.
  const updateSum = (speak) => {
    if (!sumOut) {
      return;
    }
    const text = sumText();
    sumOut.textContent = text;
    window.clearTimeout(sumTimer);
    if (speak && text.startsWith("Installments total")) {
      sumTimer = window.setTimeout(() => announce(text), 1000);
    }
  };
  form.addEventListener("input", (e) => {
    if (e.target.matches("[data-amount], #commitAmount, #currency")) {
      updateSum(true);
    }
  });

  // renumber gives the rows of a group the indexes and numbers of their places, as the
  // server would render them.
  const renumber = (group, kind) => {
    const rows = [...group.querySelectorAll("[data-row-list] > [data-row]")];
    rows.forEach((row, i) => {
      for (const el of row.querySelectorAll("[name], [id], [for], [aria-describedby]")) {
        for (const attr of ["name", "id", "for", "aria-describedby"]) {
          const v = el.getAttribute(attr);
          if (v !== null) {
            el.setAttribute(attr, v.replace(/\[-?\d+\]/, `[${i}]`).replace(/^(error-[A-Za-z]+)--?\d+/, `$1-${i}`));
          }
        }
      }
      for (const el of row.querySelectorAll("[data-row-number]")) {
        el.textContent = String(i + 1);
      }
      if (row.matches("[data-row-number]")) {
        row.textContent = String(i + 1);
      }
      for (const b of row.querySelectorAll("[data-remove-row]")) {
        b.value = `remove-${kind}:${i}`;
      }
    });
    const add = group.querySelector("[data-add-row]");
    if (add) {
      add.hidden = rows.length >= Number(group.dataset.max);
    }
    return rows;
  };

  for (const group of form.querySelectorAll("[data-rows]")) {
    const kind = group.dataset.rows;
    const label = kind === "buyer" ? "Buyer" : "Installment";
    const list = group.querySelector("[data-row-list]");
    const template = group.querySelector("template[data-row-template]");
    const add = group.querySelector("[data-add-row]");
    const rows = () => [...list.querySelectorAll(":scope > [data-row]")];
    if (!list || !template || !add) {
      continue;
    }

    group.addEventListener("click", (e) => {
      const button = e.target.closest("button");
      if (button === null || !group.contains(button)) {
        return;
      }
      if (button.matches("[data-add-row]")) {
        e.preventDefault();
        if (rows().length >= Number(group.dataset.max)) {
          return;
        }
        const row = template.content.firstElementChild.cloneNode(true);
        list.append(row);
        const now = renumber(group, kind);
        row.querySelector("input").focus();
        announce(`${label} ${now.length} added.`);
      } else if (button.matches("[data-remove-row]")) {
        e.preventDefault();
        const row = button.closest("[data-row]");
        const i = rows().indexOf(row);
        row.remove();
        const left = renumber(group, kind);
        const next = left[i - 1] ?? left[0];
        (next ? next.querySelector("input") : add).focus();
        announce(`${label} ${i + 1} removed; ${left.length} left.`);
        updateSum(false);
      }
    });
  }
})();

// Live refresh of a page waiting on AWS.
(() => {
  const key = "dealdesk-live-refresh";
  const line = document.getElementById("live-refresh");
  // After a reload of ours: say what changed, in the live line.
  let reloaded = null;
  try {
    reloaded = window.sessionStorage.getItem(key);
    window.sessionStorage.removeItem(key);
  } catch {
    reloaded = null;
  }
  if (reloaded === location.href) {
    const status = document.getElementById("offer-status");
    if (line && line.textContent.trim() === "" && status) {
      window.setTimeout(() => {
        line.textContent = `Updated: the status is ${status.textContent.trim()}.`;
      }, 300);
    }
  }

  const waiting = document.querySelector("[data-refresh-token]");
  if (!waiting) {
    return;
  }
  const token = waiting.dataset.refreshToken;
  for (const el of waiting.querySelectorAll("[data-live-nojs]")) {
    el.hidden = true;
  }
  for (const el of waiting.querySelectorAll("[data-live-js]")) {
    el.hidden = false;
  }
  const every = 2000; // ms between fetches
  const most = 90; // fetches: 3 minutes of visible waiting
  let fetches = 0;
  let timer = 0;
  let busy = false;
  let stopped = false;
  const stop = (text) => {
    stopped = true;
    window.clearTimeout(timer);
    if (text) {
      waiting.textContent = text;
    }
  };
  const visible = () => document.visibilityState === "visible";
  const schedule = () => {
    window.clearTimeout(timer);
    if (!stopped && visible()) {
      timer = window.setTimeout(poll, every);
    }
  };
  const poll = async () => {
    if (stopped || busy || !visible()) {
      return;
    }
    if (fetches >= most) {
      stop("Still waiting for AWS: reload this page later.");
      return;
    }
    fetches++;
    busy = true;
    try {
      const resp = await fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } });
      if (resp.ok) {
        const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
        const next = doc.querySelector("[data-refresh-token]");
        if (!stopped && (next === null || next.dataset.refreshToken !== token)) {
          stop("");
          try {
            window.sessionStorage.setItem(key, location.href);
          } catch {
            // No session storage: the reloaded page does not say it was updated.
          }
          location.reload();
          return;
        }
      }
    } catch {
      // The network failed: try again at the next turn.
    } finally {
      busy = false;
    }
    schedule();
  };
  // A hidden tab does not poll; it looks at once when it is shown again.
  document.addEventListener("visibilitychange", () => {
    window.clearTimeout(timer);
    if (visible()) {
      poll();
    }
  });
  // A form being submitted (a button of the page) leaves the page: no reload may overtake it.
  document.addEventListener("submit", () => stop(""), true);
  schedule();
})();
