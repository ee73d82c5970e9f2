// Connect a New Tool: turns the stacked setup snippets into tabs (WAI-ARIA tabs pattern).
// Without this file every snippet stays visible under its own heading, so nothing depends on it.
(function () {
  "use strict";

  function enhance(container) {
    var panels = Array.prototype.slice.call(container.querySelectorAll("[data-tab-panel]"));
    if (panels.length < 2) {
      return;
    }
    var tablist = document.createElement("div");
    tablist.className = "snippet-tabs";
    tablist.setAttribute("role", "tablist");
    tablist.setAttribute("aria-label", "Setup snippets by tool");
    var tabs = panels.map(function (panel, index) {
      var label = panel.querySelector("[data-tab-label]");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.id = panel.id + "-tab";
      tab.textContent = label ? label.textContent : "Snippet " + (index + 1);
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.setAttribute("tabindex", "0");
      tablist.appendChild(tab);
      return tab;
    });

    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var selected = i === index;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        panels[i].hidden = !selected;
      });
      if (focus) {
        tabs[index].focus();
      }
    }

    tablist.addEventListener("click", function (event) {
      var index = tabs.indexOf(event.target.closest("[role=tab]"));
      if (index >= 0) {
        select(index, false);
      }
    });
    tablist.addEventListener("keydown", function (event) {
      var current = tabs.indexOf(document.activeElement);
      var moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: tabs.length - 1 };
      if (current < 0 || !(event.key in moves)) {
        return;
      }
      event.preventDefault();
      select((moves[event.key] + tabs.length) % tabs.length, true);
    });

    panels[0].parentNode.insertBefore(tablist, panels[0]);
    container.classList.add("tabbed");
    select(0, false);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-tabs]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
