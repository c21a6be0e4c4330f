/* Date fields typed dd/mm/yyyy (<input data-after="YYYY-MM-DD">): as soon as a date is typed,
 * say whether it reads as a date and whether it comes after `data-after`, in the field's
 * message element (#<id>-check, aria-live), and keep the form from being sent until it does.
 * The server checks the same rule again (dossiers/forms.py); this only tells it earlier. */
(function () {
  "use strict";

  function parse(text) {
    var match = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
    if (!match) {
      return null;
    }
    var day = Number(match[1]), month = Number(match[2]), year = Number(match[3]);
    var date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      return null;
    }
    return date.toISOString().slice(0, 10);
  }

  function check(input) {
    var box = document.getElementById(input.id + "-check");
    var message = "";
    if (input.value.trim() !== "") {
      var iso = parse(input.value);
      if (iso === null) {
        message = input.dataset.formatMessage || "dd/mm/yyyy";
      } else if (input.dataset.after && iso <= input.dataset.after) {
        message = input.dataset.afterMessage || "";
      }
    }
    input.setCustomValidity(message);
    input.setAttribute("aria-invalid", message ? "true" : "false");
    if (box) {
      box.textContent = message;
      box.hidden = !message;
    }
    return !message;
  }

  function setUp(root) {
    (root || document).querySelectorAll("input[data-after]").forEach(function (input) {
      if (input.dataset.checkReady === "1") {
        return;
      }
      input.dataset.checkReady = "1";
      input.addEventListener("input", function () { check(input); });
      input.addEventListener("blur", function () { check(input); });
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          if (!check(input)) {
            event.preventDefault();
            input.focus();
          }
        });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
