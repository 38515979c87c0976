// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // A second click while the first request is on its way must not submit twice.
  if (form.dataset.submitting === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "true";
  setTimeout(() => { form.dataset.submitting = "false"; }, 5000);
});

// Book page: a thumbnail shows its photo in the main frame instead of
// opening it alone.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[data-gallery]") : null;
  const main = document.getElementById("gallery-main");
  if (!link || !main) return;
  event.preventDefault();
  const thumb = link.querySelector("img");
  main.src = link.href;
  main.alt = thumb ? thumb.alt : main.alt;
  main.removeAttribute("width");
  main.removeAttribute("height");
  main.parentElement.href = link.href;
});

// Search: on a phone the filters start folded under their button.
if (window.matchMedia("(max-width: 40rem)").matches) {
  for (const d of document.querySelectorAll("details[data-fold-narrow]")) d.open = false;
}

// Checkout: choosing a delivery updates the total in place (the server
// computes the real one when the order is placed); another country reloads
// the page with its providers.
const deliveryForm = document.getElementById("delivery-form");
if (deliveryForm) {
  const money = (cents) => "$" + (cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  deliveryForm.addEventListener("change", (event) => {
    const input = event.target;
    if (input.name === "country") {
      deliveryForm.submit();
      return;
    }
    if (input.name !== "provider") return;
    const hidden = document.querySelector('#checkout-form input[name="delivery_provider_id"]');
    if (hidden) hidden.value = input.value;
    const totals = document.getElementById("totals");
    if (!totals) return;
    const cost = Number(input.dataset.cost);
    totals.querySelector("[data-delivery]").textContent = money(cost) + " (" + input.dataset.name + ")";
    totals.querySelector("[data-total]").textContent = money(Number(totals.dataset.subtotal) + cost);
  });
}

// Order page: while the order moves, fetch the page again every few
// seconds and swap its live part, until the order reaches a final state
// (or half an hour passes; a reload starts again).
const live = document.querySelector("#order-live[data-live]");
if (live) {
  const started = Date.now();
  const poll = async () => {
    if (Date.now() - started > 30 * 60 * 1000) return;
    try {
      const res = await fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
      if (res.ok) {
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const next = doc.getElementById("order-live");
        const current = document.getElementById("order-live");
        if (next && current) {
          if (next.innerHTML !== current.innerHTML) {
            current.innerHTML = next.innerHTML;
            // "Your order is placed" stays true while the order goes well;
            // beside a failed payment or a cancellation it would contradict
            // the state line (the server leaves it off a failed order's page
            // too).
            const flash = document.querySelector("main > .flash-success");
            if (flash && next.querySelector(".status-bad")) flash.remove();
          }
          for (const badge of ["[data-unread]", "[data-cart-count]"]) {
            const fresh = doc.querySelector(badge), old = document.querySelector(badge);
            if (fresh && old) old.textContent = fresh.textContent;
          }
          if (!next.hasAttribute("data-live")) {
            current.removeAttribute("data-live");
            return;
          }
        }
      }
    } catch (_) {
      // Offline for a moment: try again at the next tick.
    }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
