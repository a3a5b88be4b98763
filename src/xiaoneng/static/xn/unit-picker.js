// The unit picker (org/widgets.py): turns <select data-unit-picker>, whose options come in tree
// order with data-parent, data-name and data-search, into a searchable, collapsible tree. The
// select stays in the form, hidden, and carries the value; without this script it is a plain
// indented select. Buttons with data-choose-unit="<id>" (e.g. routing suggestions) choose a unit;
// a staff select with data-within-unit="<the unit select's id>" offers only that unit's staff.
(function () {
  const OPEN_DEPTH = 1; // levels shown open at first: the city and its districts and departments

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function enhance(select) {
    const labels = select.dataset;
    const picker = el("div", "unit-picker");
    const search = el("input");
    search.type = "search";
    search.placeholder = labels.searchLabel;
    search.setAttribute("aria-label", labels.searchLabel);
    search.setAttribute("aria-controls", select.id + "-tree");
    const chosen = el("p", "unit-chosen");
    const tree = el("ul", "tree root unit-tree");
    tree.id = select.id + "-tree";
    const empty = el("p", "muted", labels.emptyText);
    empty.hidden = true;
    picker.append(search, chosen, tree, empty);

    const nodes = new Map();
    for (const option of select.options) {
      if (!option.value) continue;
      const node = {
        option,
        parent: nodes.get(option.dataset.parent) || null,
        depth: 0,
        li: el("li"),
        list: null,
        toggle: null,
        button: el("button", "unit-choice", option.dataset.name || option.text.trim()),
        text: (option.dataset.search || option.text).toLowerCase(),
      };
      node.button.type = "button";
      node.button.dataset.value = option.value;
      node.button.setAttribute("aria-pressed", "false");
      const row = el("span", "tree-node");
      node.li.append(row);
      if (node.parent) {
        node.depth = node.parent.depth + 1;
        if (!node.parent.list) {
          node.parent.list = el("ul", "tree");
          node.parent.li.append(node.parent.list);
        }
        node.parent.list.append(node.li);
      } else {
        tree.append(node.li);
      }
      nodes.set(option.value, node);
    }
    for (const node of nodes.values()) {
      const row = node.li.firstChild;
      if (node.list) {
        node.toggle = el("button", "tree-toggle");
        node.toggle.type = "button";
        node.toggle.title = labels.expandLabel;
        node.toggle.addEventListener("click", () => setOpen(node, node.list.hidden));
        row.append(node.toggle);
      } else {
        row.append(el("span", "tree-leaf"));
      }
      row.append(node.button);
      node.button.addEventListener("click", () => choose(node));
    }

    function setOpen(node, open) {
      if (!node.list) return;
      node.list.hidden = !open;
      node.toggle.textContent = open ? "−" : "+";
      node.toggle.setAttribute("aria-expanded", String(open));
    }

    function reveal(node) {
      for (let up = node.parent; up; up = up.parent) setOpen(up, true);
    }

    function showAll() {
      for (const node of nodes.values()) {
        node.li.hidden = false;
        node.button.classList.remove("match");
        setOpen(node, node.depth < OPEN_DEPTH);
      }
      empty.hidden = true;
      const current = nodes.get(select.value);
      if (current) reveal(current);
    }

    const staff = document.querySelector(`select[data-within-unit="${select.id}"]`);
    function narrowStaff() {
      if (!staff) return;
      const current = nodes.get(select.value);
      const path = current ? current.option.dataset.path : null;
      for (const option of staff.options) {
        if (!option.value) continue;
        option.hidden = path !== null && !option.dataset.unitPath.startsWith(path);
        if (option.hidden && option.selected) staff.value = "";
      }
    }

    function choose(node) {
      select.value = node.option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      narrowStaff();
      mark();
      reveal(node);
      node.button.scrollIntoView({ block: "nearest" });
    }

    function mark() {
      const current = nodes.get(select.value);
      for (const node of nodes.values()) {
        const on = node === current;
        node.button.classList.toggle("chosen", on);
        node.button.setAttribute("aria-pressed", String(on));
      }
      chosen.textContent = "";
      chosen.hidden = !current;
      if (current) {
        chosen.append(labels.chosenLabel + "：", el("strong", "", current.button.textContent));
      }
    }

    function filter() {
      const query = search.value.trim().toLowerCase();
      if (!query) return showAll();
      const shown = new Set();
      let matches = 0;
      for (const node of nodes.values()) {
        const hit = node.text.includes(query);
        node.button.classList.toggle("match", hit);
        if (!hit) continue;
        matches += 1;
        for (let up = node; up && !shown.has(up); up = up.parent) shown.add(up);
      }
      for (const node of nodes.values()) {
        node.li.hidden = !shown.has(node);
        setOpen(node, shown.has(node));
      }
      empty.hidden = matches > 0;
      return matches;
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter in the search box must not submit the form
      const hits = Array.from(nodes.values()).filter((n) => n.button.classList.contains("match"));
      if (hits.length === 1) choose(hits[0]);
    });
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-choose-unit]");
      const node = button && nodes.get(button.dataset.chooseUnit);
      if (!node) return;
      search.value = "";
      showAll();
      choose(node);
    });
    document.querySelectorAll("[data-choose-unit]").forEach((button) => {
      if (nodes.has(button.dataset.chooseUnit)) button.hidden = false;
    });

    // The hidden select cannot show the browser's "required" bubble; the server says it instead.
    select.required = false;
    select.hidden = true;
    select.after(picker);
    showAll();
    mark();
    narrowStaff();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("select[data-unit-picker]").forEach(enhance);
  });
})();
