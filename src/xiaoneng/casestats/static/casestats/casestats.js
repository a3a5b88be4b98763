// 办件统计: typing a custom month range switches the period menu to "自定义" so that the range
// is what the next query uses (the server reads from/to only for p=range).
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!field.matches || !field.matches("[data-range-month]")) return;
  const menu = field.form && field.form.elements.namedItem("p");
  if (menu) menu.value = "range";
});
