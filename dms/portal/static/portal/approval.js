// The approval page: show the sum of the items agreed so far; send the form only once.
(() => {
  const form = document.getElementById("decide");
  if (!form) return;
  const out = document.getElementById("chosen-total");
  const update = () => {
    let cents = 0, any = false;
    form.querySelectorAll("fieldset.extra").forEach((box) => {
      const yes = box.querySelector("input.yes"), no = box.querySelector("input.no");
      if (yes.checked) cents += Math.round(parseFloat(box.dataset.amount) * 100);
      if (yes.checked || no.checked) any = true;
    });
    out.textContent = any ? "¥" + (cents / 100).toFixed(2) : out.dataset.empty;
  };
  form.addEventListener("change", update);
  update();
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    setTimeout(() => { button.disabled = true; button.textContent = form.dataset.busy; }, 0);
  });
})();

// The technician's photos: a tap opens the full photo over the page; a tap anywhere closes it.
(() => {
  const box = document.getElementById("lightbox");
  if (!box || typeof box.showModal !== "function") return; // the link opens the photo instead
  const img = box.querySelector("img");
  document.querySelectorAll("a.shot").forEach((link) => {
    link.addEventListener("click", (e) => {
      e.preventDefault();
      img.src = link.dataset.full;
      img.alt = link.querySelector("img").alt;
      box.showModal();
    });
  });
  box.addEventListener("click", (e) => { if (e.target !== box.querySelector(".close")) box.close(); });
  box.addEventListener("close", () => { img.removeAttribute("src"); });
})();
