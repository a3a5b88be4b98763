// Small behaviours used across pages; no inline scripts (the CSP forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.requestSubmit();
});

// Charts: any element with data-chart="ID" renders the ECharts option stored in the
// <script type="application/json" id="ID"> block that the page wrote with json_script.
function renderCharts(root) {
  if (typeof echarts === "undefined") return;
  root.querySelectorAll("[data-chart]").forEach((el) => {
    const source = document.getElementById(el.dataset.chart);
    if (!source || el.dataset.rendered) return;
    const chart = echarts.init(el);
    chart.setOption(JSON.parse(source.textContent));
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  });
}
document.addEventListener("DOMContentLoaded", () => renderCharts(document));
document.addEventListener("htmx:afterSettle", (event) => renderCharts(event.target));

// The units tree: a closed node loads its children once through htmx; after that the button
// only shows or hides the list it already has.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-tree-toggle]");
  if (!button || !button.dataset.loaded) return;
  const list = button.closest("li").querySelector(":scope > ul");
  if (!list) return;
  const opening = list.hidden;
  list.hidden = !opening;
  button.textContent = opening ? "−" : "+";
  button.setAttribute("aria-expanded", String(opening));
});
document.addEventListener("htmx:afterSwap", (event) => {
  const button = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (button && button.matches && button.matches("[data-tree-toggle]")) {
    button.dataset.loaded = "1";
    button.textContent = "−";
    button.setAttribute("aria-expanded", "true");
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// Paper entry (纸质评议表录入): typing the last digit of a unit moves to the next unit, so a clerk
// enters a whole form with the number keys alone; Enter saves.
document.addEventListener("input", (event) => {
  const el = event.target;
  if (!el.matches("[data-paper-digits]")) return;
  el.value = el.value.replace(/[^0-9]/g, "");
  if (el.value.length >= el.maxLength) {
    const inputs = Array.from(el.form.querySelectorAll("[data-paper-digits]"));
    const next = inputs[inputs.indexOf(el) + 1];
    if (next) next.focus();
  }
});
