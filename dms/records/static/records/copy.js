// The repair record card on the order page: copy the owner's link. Loaded again when htmx swaps
// the card in: the listener is installed once.
if (!window.dmsRecordsCopy) {
  window.dmsRecordsCopy = true;
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-record-copy]");
    if (!button) return;
    const text = button.dataset.recordCopy;
    const done = () => {
      const was = button.dataset.label || button.textContent;
      button.dataset.label = was;
      button.textContent = button.dataset.copied;
      setTimeout(() => { button.textContent = was; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } finally { area.remove(); }
    }
  });
}
