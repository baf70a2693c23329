// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", (e) => {
  const box = document.querySelector(".messages") || document.querySelector("main");
  const p = document.createElement("p");
  p.className = "msg error";
  p.textContent = e.detail.xhr.status >= 500 ? "服务器出错，请稍后再试 / Server error, please retry." : (e.detail.xhr.responseText || "").slice(0, 300);
  box.prepend(p);
});
