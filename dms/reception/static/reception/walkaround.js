// The walk-around: tap the car's outline to mark damage; photos upload as soon as they are taken.
// Without this script the page still works: marks already saved stay, photos go with the form.
(() => {
  const svg = document.getElementById("car");
  const input = document.getElementById("id_damage_marks");
  const list = document.getElementById("mark-list");
  if (!svg || !input || !list) return;
  const NS = "http://www.w3.org/2000/svg";
  const labels = JSON.parse(document.getElementById("mark-kinds").textContent);
  let marks = [];
  try { marks = JSON.parse(input.value || "[]"); } catch (e) { marks = []; }

  const kind = () => (document.querySelector("input[name=mark_kind]:checked") || {}).value || "scratch";
  const save = () => { input.value = JSON.stringify(marks); };

  function draw() {
    const layer = svg.querySelector("g.marks");
    layer.replaceChildren();
    marks.forEach((m, i) => {
      const g = document.createElementNS(NS, "g");
      g.setAttribute("class", `mark ${m.kind}`);
      g.setAttribute("transform", `translate(${(m.x * 200).toFixed(1)} ${(m.y * 400).toFixed(1)})`);
      const c = document.createElementNS(NS, "circle");
      c.setAttribute("r", "9");
      const t = document.createElementNS(NS, "text");
      t.setAttribute("dy", "3.6");
      t.textContent = i + 1;
      g.append(c, t);
      layer.append(g);
    });
    list.replaceChildren();
    if (!marks.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = list.dataset.empty;
      list.append(li);
    }
    marks.forEach((m, i) => {
      const li = document.createElement("li");
      const dot = document.createElement("b");
      dot.className = `dot ${m.kind}`;
      dot.textContent = i + 1;
      const sel = document.createElement("select");
      sel.setAttribute("aria-label", `${i + 1}`);
      for (const [value, label] of Object.entries(labels)) sel.add(new Option(label, value, false, value === m.kind));
      sel.addEventListener("change", () => { m.kind = sel.value; save(); draw(); });
      const note = document.createElement("input");
      note.type = "text";
      note.maxLength = 200;
      note.value = m.note || "";
      note.placeholder = list.dataset.note;
      note.setAttribute("aria-label", `${list.dataset.note} ${i + 1}`);
      note.addEventListener("input", () => { m.note = note.value; save(); });
      const del = document.createElement("button");
      del.type = "button";
      del.className = "danger";
      del.textContent = "✕";
      del.title = list.dataset.remove;
      del.setAttribute("aria-label", `${list.dataset.remove} ${i + 1}`);
      del.addEventListener("click", () => { marks.splice(i, 1); save(); draw(); });
      li.append(dot, sel, note, del);
      list.append(li);
    });
  }

  svg.addEventListener("click", (e) => {
    const pt = svg.createSVGPoint();
    pt.x = e.clientX; pt.y = e.clientY;
    const p = pt.matrixTransform(svg.getScreenCTM().inverse());
    const x = Math.min(Math.max(p.x / 200, 0), 1), y = Math.min(Math.max(p.y / 400, 0), 1);
    marks.push({ x: +x.toFixed(4), y: +y.toFixed(4), kind: kind(), note: "" });
    save(); draw();
    list.lastElementChild.querySelector("input").focus({ preventScroll: true });
  });
  draw();

  // Photos: send each batch at once, so that nothing waits for the end of the form.
  const photos = document.getElementById("photos");
  const fileInput = document.getElementById("photo-input");
  const status = document.getElementById("photo-status");
  if (!photos || !fileInput || !window.fetch) return;
  fileInput.addEventListener("change", async () => {
    if (!fileInput.files.length) return;
    const data = new FormData();
    for (const f of fileInput.files) data.append("photos", f);
    data.append("csrfmiddlewaretoken", document.querySelector("input[name=csrfmiddlewaretoken]").value);
    status.textContent = "…";
    try {
      const r = await fetch(photos.dataset.url, { method: "POST", body: data, headers: { "X-Requested-With": "fetch" } });
      photos.innerHTML = await r.text();
      fileInput.value = "";
      status.textContent = "";
    } catch (e) {
      status.textContent = "⚠";  // the files stay selected and go with the form
    }
  });
})();
