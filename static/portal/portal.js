// The portal's page behaviours, kept out of the HTML so the Content-Security-Policy can refuse
// every inline script. A form, or the button that sends it, with data-confirm="…" asks first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question =
    (button && button.getAttribute("data-confirm")) || (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
