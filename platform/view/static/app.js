// Progressive enhancement only: every page works without this file.

const money = (cents) => "$" + (cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  const refused = [...form.querySelectorAll("input[type=file][data-max-bytes]")].find((input) => photoProblem(input) !== "");
  if (refused) {
    event.preventDefault();
    showPhotoProblem(refused);
    refused.focus();
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

// Photos: a file the server would refuse for its size, or more files than
// the listing has room for, is named as soon as it is chosen, and the form
// is not sent with it: over the upload limit the server cannot read the
// form at all, and what was typed would be lost.
// Kept photos the seller ticks to remove (a form that came back) make
// room for as many more.
const photoProblem = (input) => {
  const files = [...(input.files || [])];
  const dropped = input.form ? input.form.querySelectorAll("input[name=drop_staged]:checked").length : 0;
  const room = Number(input.dataset.maxFiles) + dropped;
  if (files.length > room) {
    return room === 0 ? "this listing has no room for more photos; delete one first"
      : "choose at most " + room + (room === 1 ? " photo" : " photos") + ": a listing has at most " + input.dataset.maxPhotos;
  }
  const limit = Number(input.dataset.maxBytes);
  const big = files.filter((f) => f.size > limit).map((f) => f.name);
  if (big.length === 0) return "";
  const mb = " larger than " + limit / (1 << 20) + " MB; choose ";
  return big.length === 1 ? "the photo " + big[0] + " is" + mb + "a smaller one" : "the photos " + big.join(", ") + " are" + mb + "smaller ones";
};
const showPhotoProblem = (input) => {
  const message = photoProblem(input);
  const id = "e-" + input.id;
  let shown = document.getElementById(id);
  if (message && !shown) {
    shown = document.createElement("p");
    shown.className = "field-error";
    shown.id = id;
    input.after(shown);
  }
  if (shown && !message) {
    shown.remove();
  } else if (shown) {
    shown.textContent = message;
  }
  input.closest(".field").classList.toggle("has-error", message !== "");
  if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  const described = [document.getElementById("h-" + input.id) ? "h-" + input.id : "", message ? id : ""].filter(Boolean).join(" ");
  if (described) input.setAttribute("aria-describedby", described); else input.removeAttribute("aria-describedby");
};
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement)) return;
  if (input.type === "file" && input.dataset.maxBytes) showPhotoProblem(input);
  if (input.name === "drop_staged" && input.form) {
    input.form.querySelectorAll("input[type=file][data-max-bytes]").forEach(showPhotoProblem);
  }
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

// Dates and times: the server writes them in UTC and says so (view.Time,
// view.Day); the reader gets them in their own zone and way of writing
// dates, the zone still named, and the server's text on hover.
const momentFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
const dayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const localTimes = (root) => {
  for (const el of root.querySelectorAll("time[datetime][data-local]")) {
    const at = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(at.getTime())) continue;
    if (!el.title) el.title = el.textContent;
    el.textContent = (el.dataset.local === "day" ? dayFormat : momentFormat).format(at);
  }
};
localTimes(document);

// Search: on a phone the filters start folded under their button.
if (window.matchMedia("(max-width: 40rem)").matches) {
  for (const d of document.querySelectorAll("details[data-fold-narrow]")) d.open = false;
}

// Checkout: choosing a delivery updates the total in place (the server
// computes the real one when the order is placed); another country reloads
// the page with its providers. The radios, drawn in the country's form,
// belong to the order form.
const deliveryForm = document.getElementById("delivery-form");
if (deliveryForm) {
  deliveryForm.addEventListener("change", (event) => {
    const input = event.target;
    if (input.name === "country") {
      deliveryForm.submit();
      return;
    }
    if (input.name !== "delivery_provider_id") return;
    // The cost shown is the one the order is placed at, or refused.
    const shown = document.querySelector('#checkout-form input[name="delivery_cents"]');
    if (shown) shown.value = input.dataset.cost;
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
        // Written as this page's are, so that only a change of the order differs.
        localTimes(doc);
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
          // The header's badges are in every page, hidden at 0 (layout.templ,
          // countBadge), so they pair one to one while the person stays
          // signed in, and a count that comes or goes is followed too.
          const fresh = doc.querySelectorAll(".site-header .badge"), old = document.querySelectorAll(".site-header .badge");
          if (fresh.length === old.length) {
            old.forEach((badge, i) => {
              if (badge.outerHTML !== fresh[i].outerHTML) badge.replaceWith(fresh[i]);
            });
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

// New listing: "Fill from ISBN" fills the form in place from the shop's own
// data (GET /api/v1/editions/{isbn}), keeping what the seller typed and the
// photos chosen; "Scan the barcode" appears where the browser reads
// barcodes (BarcodeDetector) and fills the ISBN from the camera; the price
// guide follows the ISBN and the condition. Without this file the Fill
// button posts the form back and the server does the same.
const lookup = document.querySelector("[data-isbn-lookup]");
if (lookup) {
  const form = lookup.closest("form");
  const isbn = form.elements.namedItem("isbn");
  const notice = lookup.querySelector("[data-isbn-notice]");
  const guide = form.querySelector("[data-price-guide]");
  const condition = form.elements.namedItem("condition");
  const api = (path) => fetch("/api/v1/editions/" + encodeURIComponent(isbn.value.trim()) + path, { headers: { Accept: "application/json" } });
  const apiError = async (res) => {
    try {
      const body = await res.json();
      return (body.error.fields && body.error.fields.isbn) ? "The ISBN " + body.error.fields.isbn : body.error.message;
    } catch (_) {
      return "The book could not be looked up just now; fill in the form yourself, or try again.";
    }
  };

  // The same words as the page's guide (labels.go: guideTitle, guideOnSale, guideSold).
  const showGuide = async () => {
    if (!guide) return;
    if (!isbn.value.trim()) {
      guide.hidden = true;
      return;
    }
    const res = await api("/prices?condition=" + encodeURIComponent(condition.value)).catch(() => null);
    if (!res || !res.ok) {
      guide.hidden = true;
      return;
    }
    const g = await res.json();
    const on = g.on_sale, sold = g.recent_sales;
    guide.querySelector("[data-guide-title]").textContent = "Prices of " + condition.selectedOptions[0].text + " copies of this edition";
    guide.querySelector("[data-guide-on-sale]").textContent = on.listings === 0 ? "On sale now: none."
      : on.listings === 1 ? "On sale now: 1 listing, at " + money(on.min_cents) + "."
      : "On sale now: " + on.listings + " listings, from " + money(on.min_cents) + " to " + money(on.max_cents) + ".";
    const since = "Sold in the last " + sold.days + " days: ";
    guide.querySelector("[data-guide-sold]").textContent = sold.copies === 0 ? since + "none."
      : sold.copies === 1 ? since + "1 copy, at " + money(sold.median_cents) + "."
      : since + sold.copies + " copies, median " + money(sold.median_cents) + ".";
    guide.hidden = false;
  };
  condition.addEventListener("change", showGuide);
  isbn.addEventListener("change", showGuide);

  const fill = async () => {
    if (!isbn.value.trim()) {
      notice.textContent = "Enter the ISBN first: the 10 or 13 digits under the barcode.";
      return;
    }
    const res = await api("").catch(() => null);
    if (!res) {
      notice.textContent = "The book could not be looked up just now; fill in the form yourself, or try again.";
      return;
    }
    if (!res.ok) {
      notice.textContent = await apiError(res);
      return;
    }
    const ed = await res.json();
    isbn.value = ed.isbn;
    if (!ed.edition) {
      notice.textContent = "The shop knows no book with ISBN " + ed.isbn.slice(0, 3) + "-" + ed.isbn.slice(3) + " yet: fill in the title and author yourself.";
    } else {
      const keep = (name, value) => {
        const field = form.elements.namedItem(name);
        if (field && !field.value.trim() && value !== null) field.value = value;
      };
      keep("title", ed.edition.title);
      keep("author", ed.edition.author);
      keep("year", ed.edition.year === null ? null : String(ed.edition.year));
      if (ed.edition.language) form.elements.namedItem("language").value = ed.edition.language;
      notice.textContent = "Filled in from the shop's listings of this edition: check each field against your copy, and add your own photos.";
    }
    showGuide();
  };
  lookup.querySelector("[data-isbn-fill]").addEventListener("click", (event) => {
    event.preventDefault();
    fill();
  });
  // Enter in the ISBN field looks it up; elsewhere it lists the book.
  isbn.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    fill();
  });

  const scan = lookup.querySelector("[data-isbn-scan]");
  const camera = lookup.querySelector("[data-isbn-camera]");
  if ("BarcodeDetector" in window && navigator.mediaDevices && scan && camera) {
    scan.hidden = false;
    const video = camera.querySelector("video");
    let stream = null;
    const stop = () => {
      if (stream) for (const track of stream.getTracks()) track.stop();
      stream = null;
      video.srcObject = null;
      camera.hidden = true;
      scan.hidden = false;
    };
    camera.querySelector("[data-isbn-scan-stop]").addEventListener("click", stop);
    scan.addEventListener("click", async () => {
      let detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["ean_13"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      } catch (_) {
        stop();
        notice.textContent = "The camera is not available: type the ISBN instead.";
        return;
      }
      video.srcObject = stream;
      await video.play().catch(() => {});
      camera.hidden = false;
      scan.hidden = true;
      notice.textContent = "Hold the barcode on the back cover in front of the camera.";
      // A minute at most, then the camera goes off by itself.
      const until = Date.now() + 60 * 1000;
      const look = async () => {
        if (!stream) return;
        if (Date.now() > until) {
          stop();
          notice.textContent = "No barcode was read: type the ISBN instead, or scan again.";
          return;
        }
        const codes = await detector.detect(video).catch(() => []);
        const book = codes.map((c) => c.rawValue).find((v) => /^97[89][0-9]{10}$/.test(v));
        if (book) {
          stop();
          isbn.value = book;
          fill();
          return;
        }
        setTimeout(look, 250);
      };
      look();
    });
  }
}
