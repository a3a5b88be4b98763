// The evaluation questionnaire (评议表, /evaluations/answer/). Every step works without this
// file (server-side steps); it adds the live filter and counters of step 1, the counters of
// step 2, and an autosave: the same POST as the page's buttons, with autosave=1 (answered 204).
(function () {
  "use strict";

  function setup(form) {
    form.classList.add("js");
    form.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
    if (form.classList.contains("pick-form")) setupPick(form);
    if (form.classList.contains("rate-form")) setupRate(form);
    setupAutosave(form);
  }

  // ---- autosave ----
  function setupAutosave(form) {
    const status = form.querySelector("[data-save-status]");
    let timer = null;
    let pending = false;
    function show(ok) {
      if (status) status.textContent = ok ? status.dataset.saved : status.dataset.failed;
    }
    function save(leaving) {
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      const data = new FormData(form);
      data.set("autosave", "1");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin", keepalive: leaving })
        .then((response) => show(response.status === 204))
        .catch(() => show(false));
    }
    function changed() {
      pending = true;
      clearTimeout(timer);
      timer = setTimeout(() => save(false), 800);
    }
    form.addEventListener("change", changed);
    form.addEventListener("input", (event) => {
      if (event.target.matches("textarea")) changed();
    });
    // A button press saves through the page itself.
    form.addEventListener("submit", () => {
      pending = false;
      clearTimeout(timer);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") save(true);
    });
  }

  // ---- step 1: pick the units one knows ----
  function setupPick(form) {
    const search = form.querySelector("[data-pick-search]");
    const category = form.querySelector("[data-pick-category]");
    const total = Number(form.dataset.total || 0);
    const elsewhere = Number(form.dataset.pickedElsewhere || 0);

    function count() {
      const picked = elsewhere + form.querySelectorAll("input[name=unit]:checked").length;
      form.querySelector("[data-picked-count]").textContent = String(picked);
      form.querySelector("[data-unpicked-count]").textContent = String(total - picked);
    }
    function filter() {
      const q = search.value.trim().toLowerCase();
      const c = category.value;
      let any = false;
      form.querySelectorAll("[data-pick-group]").forEach((group) => {
        let visible = 0;
        group.querySelectorAll("[data-pick-unit]").forEach((unit) => {
          const show = (!c || unit.dataset.category === c) &&
            (!q || unit.dataset.search.toLowerCase().includes(q));
          unit.hidden = !show;
          if (show) visible += 1;
        });
        group.hidden = visible === 0;
        any = any || visible > 0;
      });
      const empty = form.querySelector("[data-pick-empty]");
      if (empty) empty.hidden = any;
    }
    search.addEventListener("input", filter);
    category.addEventListener("change", filter);
    // Enter in the search box would send the page to the server filter: the list already
    // filters itself as one types.
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    form.addEventListener("change", count);
    form.addEventListener("click", (event) => {
      const button = event.target.closest("[data-pick-all], [data-pick-none]");
      if (!button) return;
      const on = button.matches("[data-pick-all]");
      button.closest("[data-pick-group]").querySelectorAll("[data-pick-unit]:not([hidden]) input").forEach((box) => {
        box.checked = on;
      });
      form.dispatchEvent(new Event("change"));
    });
    filter();
    count();
  }

  // ---- step 2: rate one category's units ----
  function setupRate(form) {
    const elsewhere = Number(form.dataset.ratedElsewhere || 0);
    function update() {
      let done = 0;
      const units = form.querySelectorAll("[data-unit]");
      units.forEach((unit) => {
        const groups = new Set(Array.from(unit.querySelectorAll("input[type=radio]")).map((el) => el.name));
        const answered = new Set(Array.from(unit.querySelectorAll("input[type=radio]:checked")).map((el) => el.name));
        const complete = groups.size > 0 && answered.size === groups.size;
        unit.classList.toggle("done", complete);
        if (complete) done += 1;
      });
      form.querySelectorAll("[data-cat-done]").forEach((el) => { el.textContent = String(done); });
      form.querySelectorAll("[data-all-done]").forEach((el) => { el.textContent = String(elsewhere + done); });
      form.querySelectorAll("[data-tab-count]").forEach((el) => { el.textContent = `${done}/${units.length}`; });
      const bar = form.querySelector(".answer-progress");
      if (bar) bar.classList.toggle("complete", done === units.length);
    }
    form.addEventListener("change", update);
    update();
  }

  function start() {
    document.querySelectorAll("form[data-autosave]").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
