// Administration pages (Server Settings, Users, audit log). Loaded only by those pages; the CSP allows no
// inline script.
//
// Lifetimes in seconds: <output data-duration-of="FIELD_ID"> repeats the field's value in words
// ("= 1 hour 30 minutes") while the administrator types, as the server writes it when the page loads.
(function () {
  "use strict";

  var UNITS = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];

  // The same wording as describe_seconds() in bastion/console/admin_settings.py.
  function describeSeconds(seconds) {
    if (seconds <= 0) {
      return "0 seconds";
    }
    var parts = [];
    var rest = seconds;
    UNITS.forEach(function (unit) {
      var count = Math.floor(rest / unit[1]);
      rest = rest % unit[1];
      if (count) {
        parts.push(count + " " + unit[0] + (count !== 1 ? "s" : ""));
      }
    });
    var shown = parts.slice(0, 2).join(" ");
    return parts.length <= 2 ? shown : "about " + shown;
  }

  function refresh(output, input) {
    var text = input.value.trim();
    output.textContent = /^\d+$/.test(text) ? "= " + describeSeconds(parseInt(text, 10)) : "";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("output[data-duration-of]").forEach(function (output) {
      var input = document.getElementById(output.getAttribute("data-duration-of"));
      if (!input) {
        return;
      }
      input.addEventListener("input", function () {
        refresh(output, input);
      });
    });
  });
})();
