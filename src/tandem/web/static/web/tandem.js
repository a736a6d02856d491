/* Small behaviours every page shares, wired from data attributes because the
 * Content-Security-Policy forbids inline scripts and on*= handlers:
 *   <select data-autosubmit>  submits its form when the choice changes;
 *   <form data-confirm="…">   asks the question before it is sent;
 *   <form data-scan-form>     empties and refocuses its code field after each htmx
 *                             request, so the next scan goes straight in.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!(form.matches && form.matches("form[data-scan-form]"))) {
      return;
    }
    var code = form.querySelector("[name=code]");
    if (code) {
      code.value = "";
      code.focus();
    }
  });
})();
