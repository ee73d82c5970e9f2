// Connection pages. The CSP forbids inline script, so this file holds their behaviour.
//
// Confirmations: <form method="get" action=".../rotate" data-opens-dialog="ID"> opens the <dialog> with
// that id instead of the confirmation page; without JavaScript the same button goes to the page.
// Filters: the list's filter form (data-filter-form) is sent by htmx; empty and default values are left
// out so the pushed URL stays short and bookmarkable.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var id = form.getAttribute("data-opens-dialog");
    if (!id) {
      return;
    }
    var dialog = document.getElementById(id);
    if (!dialog || typeof dialog.showModal !== "function") {
      return; // an old browser: the confirmation page does the same job
    }
    event.preventDefault();
    dialog.showModal();
  });

  var DEFAULTS = { status: "active" };

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.hasAttribute || !form.hasAttribute("data-filter-form")) {
      return;
    }
    var data = event.detail.formData;
    Array.from(data.keys()).forEach(function (name) {
      var value = data.get(name);
      if (value === "" || DEFAULTS[name] === value) {
        data.delete(name);
      }
    });
  });
})();
