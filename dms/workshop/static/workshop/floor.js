// The shop floor: small enhancements; every form works without them.
// A photo chosen from the tablet's camera shows as a preview before it is sent.
document.addEventListener("change", (e) => {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.files || !input.files[0]) return;
  let img = input.parentElement.querySelector("img.preview");
  if (!img) {
    img = document.createElement("img");
    img.className = "preview";
    img.style.cssText = "display:block;max-width:240px;max-height:180px;margin-top:.4rem;border-radius:4px";
    input.after(img);
  }
  img.src = URL.createObjectURL(input.files[0]);
});

// A fragment answered by htmx carries its own message: the page's older one would only confuse.
document.addEventListener("htmx:afterSwap", () => {
  document.querySelectorAll("main > .messages").forEach((box) => box.remove());
});
