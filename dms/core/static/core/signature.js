// A signature drawn on the tablet (the customer's at check-in, the test-drive agreement): a finger or a stylus
// (pointer events) on the canvas #pad, sent with the form around it as a PNG data URL (#signature).
(() => {
  const canvas = document.getElementById("pad");
  const form = canvas && canvas.closest("form");
  if (!canvas || !form) return;
  const ctx = canvas.getContext("2d");
  let drawn = false, last = null;

  function fit() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const { width, height } = canvas.getBoundingClientRect();
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.6; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#10243e";
    drawn = false;
  }
  const at = (e) => { const r = canvas.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; };

  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.beginPath(); ctx.arc(last.x, last.y, 1.2, 0, Math.PI * 2); ctx.fillStyle = ctx.strokeStyle; ctx.fill();
    drawn = true;
    document.getElementById("pad-empty").hidden = true;  // signing now: the reminder goes
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = at(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p;
  });
  const end = () => { last = null; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  document.getElementById("pad-clear").addEventListener("click", () => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    document.getElementById("pad-empty").hidden = true;
  });
  form.addEventListener("submit", (e) => {
    if (!drawn) { e.preventDefault(); document.getElementById("pad-empty").hidden = false; return; }
    document.getElementById("signature").value = canvas.toDataURL("image/png");
  });
  fit();
})();
