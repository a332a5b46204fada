// Small page helpers that need no framework: copy a letter to the clipboard.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var field = document.getElementById(button.dataset.copy);
  if (!field) return;
  var label = button.textContent;
  function done() {
    button.textContent = button.dataset.done || label;
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () {
      field.select(); document.execCommand("copy"); done();
    });
  } else {
    field.select(); document.execCommand("copy"); done();
  }
});
// After an HTMX swap of the deal room, move focus to the status line so that a screen
// reader hears that the stage moved, and keyboard users keep their place.
document.addEventListener("htmx:afterSwap", function (event) {
  // a refused edit: its one-line reason instead, next to the form
  var problem = document.querySelector("#room .edit-error");
  var flash = document.querySelector("#room .flash");
  var target = problem || (flash && flash.textContent.trim() ? flash : null);
  if (target) { target.setAttribute("tabindex", "-1"); target.focus(); }
});
// The weekly report's print button.
document.addEventListener("click", function (event) {
  if (event.target.closest("button[data-print]")) window.print();
});
