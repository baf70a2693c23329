// The SA's links panel: copy a link to the clipboard. Loaded again when htmx swaps the panel in:
// the listener is installed once.
if (!window.dmsPortalCopy) {
  window.dmsPortalCopy = true;
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-copy]");
    if (!button) return;
    const text = button.dataset.copy;
    const done = () => {
      const was = button.textContent;
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
