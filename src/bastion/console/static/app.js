// Bastion console behaviour. The CSP allows no inline script, so every page loads only this file.
//
// Copy buttons: <button type="button" data-copy-target="ID">Copy</button> copies the value (or text) of
// the element with that id and says so in a polite live region, for screen readers too.
(function () {
  "use strict";

  function valueOf(element) {
    if (typeof element.value === "string") {
      return element.value;
    }
    return element.textContent.trim();
  }

  function statusFor(button) {
    var status = button.nextElementSibling;
    if (status && status.hasAttribute("data-copy-status")) {
      return status;
    }
    status = document.createElement("span");
    status.setAttribute("data-copy-status", "");
    status.setAttribute("role", "status");
    status.className = "visually-hidden";
    button.insertAdjacentElement("afterend", status);
    return status;
  }

  function copyWithSelection(element) {
    // Clipboard API is only available in secure contexts (https or localhost).
    if (typeof element.select !== "function") {
      return false;
    }
    element.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function confirm(button, ok) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = ok ? "Copied" : "Select and copy";
    statusFor(button).textContent = ok ? "Copied to the clipboard." : "Copying failed; select the text and copy it.";
    window.setTimeout(function () {
      button.textContent = label;
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    var text = valueOf(target);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          confirm(button, true);
        },
        function () {
          confirm(button, copyWithSelection(target));
        }
      );
    } else {
      confirm(button, copyWithSelection(target));
    }
  });
})();
