// The sales desk's charts (Chart.js, served from our static files): the month's funnel and the
// pipeline by grade, drawn from the JSON the page carries (no inline script: CSP).
(() => {
  const data = document.getElementById("desk-data");
  if (!data || !window.Chart) return;
  const d = JSON.parse(data.textContent);
  const funnel = document.getElementById("funnel-chart");
  if (funnel) {
    new window.Chart(funnel, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ data: d.values, backgroundColor: "#2471a3" }] },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
    });
  }
  const pipe = document.getElementById("pipeline-chart");
  if (pipe) {
    new window.Chart(pipe, {
      type: "doughnut",
      data: { labels: d.pipeline.map((p) => p.grade),
              datasets: [{ data: d.pipeline.map((p) => p.n), backgroundColor: ["#c0392b", "#d35400", "#2471a3", "#5d6d7e", "#aab7b8"] }] },
      options: { maintainAspectRatio: false, animation: false },
    });
  }
})();
