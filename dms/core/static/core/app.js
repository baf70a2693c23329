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

// No inline handlers (the content security policy allows scripts from files only):
// <select data-autosubmit> or <input type="checkbox" data-autosubmit> submits its form when changed;
// <form data-confirm="question"> asks before it is sent.
document.addEventListener("change", (e) => {
  const field = e.target.closest && e.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit(); // as the inline handler did: no submit event, no htmx
});
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (form.dataset && form.dataset.confirm && !confirm(form.dataset.confirm)) e.preventDefault();
});

// A request htmx makes by itself (a poll: no triggering event) says so, and does not keep an idle
// session alive (dms/core/security.py).
document.addEventListener("htmx:configRequest", (e) => {
  if (!e.detail.triggeringEvent) e.detail.headers["X-DMS-Background"] = "1";
});
