// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", (e) => {
  const box = document.querySelector(".messages") || document.querySelector("main");
  const p = document.createElement("p");
  p.className = "msg error";
  p.textContent = e.detail.xhr.status >= 500 ? "服务器出错，请稍后再试 / Server error, please retry." : (e.detail.xhr.responseText || "").slice(0, 300);
  box.prepend(p);
});

// The top bar's menus (<details class="drop">) work without this; it closes an open one on a click
// elsewhere or on Escape, as menus do.
document.addEventListener("click", (e) => {
  document.querySelectorAll("details.drop[open]").forEach((d) => {
    if (!d.contains(e.target)) d.removeAttribute("open");
  });
});
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  document.querySelectorAll("details.drop[open]").forEach((d) => {
    const inside = d.contains(document.activeElement);
    d.removeAttribute("open");
    if (inside) d.querySelector("summary").focus();
  });
});
