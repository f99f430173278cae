/* 适老化 mode switch in place, and labelled scroll boxes for wide tables.
   Without this script the toggle is a plain link to /a11y/mode/, which sets the same cookie
   and comes back; the server renders the mode class on <html> from the cookie either way. */
(function () {
  "use strict";
  var COOKIE = "portal_mode";
  var MAX_AGE = 60 * 60 * 24 * 365 * 2;
  var root = document.documentElement;
  var LABELS = {
    large: { icon: "A", text: "标准版", hint: "（切换回标准字号）", next: "standard" },
    standard: { icon: "A+", text: "大字版", hint: "（大字号、高对比度的适老化模式）", next: "large" }
  };

  function setCookie(mode) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = COOKIE + "=" + mode + "; Path=/; Max-Age=" + MAX_AGE + "; SameSite=Lax" + secure;
  }

  function render(link, mode) {
    var label = LABELS[mode];
    link.setAttribute("data-mode", mode);
    link.textContent = "";
    var icon = document.createElement("span");
    icon.className = "mode-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = label.icon;
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = label.hint;
    link.appendChild(icon);
    link.appendChild(document.createTextNode(label.text));
    link.appendChild(hint);
    var href = link.getAttribute("href").replace(/([?&]mode=)[a-z]+/, "$1" + label.next);
    link.setAttribute("href", href);
  }

  function switchMode(link) {
    var next = link.getAttribute("data-mode") === "large" ? "standard" : "large";
    setCookie(next);
    root.classList.toggle("mode-large", next === "large");
    root.classList.toggle("mode-standard", next !== "large");
    render(link, next);
    var status = document.getElementById("a11y-status");
    if (!status) {
      status = document.createElement("p");
      status.id = "a11y-status";
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = next === "large" ? "已切换到大字版" : "已切换到标准版";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-a11y-toggle]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    switchMode(link);
    link.focus();
  });

  // A scroll box must be reachable by keyboard and say what it holds (WCAG 2.1.1, 4.1.2).
  function labelFor(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    var node = table;
    while (node && node !== document.body) {
      var prev = node.previousElementSibling;
      while (prev) {
        if (/^H[1-6]$/.test(prev.tagName)) {
          return prev.textContent.trim() + "（表格，可左右滚动）";
        }
        prev = prev.previousElementSibling;
      }
      node = node.parentElement;
      if (node && /^(SECTION|ARTICLE)$/.test(node.tagName)) {
        var heading = node.querySelector("h1, h2, h3, h4");
        if (heading) {
          return heading.textContent.trim() + "（表格，可左右滚动）";
        }
      }
    }
    return "表格（可左右滚动）";
  }

  function enhanceTables() {
    var main = document.getElementById("main");
    if (!main) {
      return;
    }
    Array.prototype.forEach.call(main.querySelectorAll("table"), function (table) {
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll")) {
        // Tables that already reflow into cards on phones keep their own layout.
        if (table.classList.contains("guide-table") || table.scrollWidth <= main.clientWidth) {
          return;
        }
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      if (!box.hasAttribute("role")) {
        box.setAttribute("role", "region");
      }
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        box.setAttribute("aria-label", labelFor(table));
      }
      // Only a box that does scroll needs a tab stop of its own.
      if (!box.hasAttribute("tabindex") && box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      }
    });
  }

  // Printed pages show each link's full address (print.css); write it out absolute.
  function printAddresses() {
    var main = document.getElementById("main");
    if (!main) {
      return;
    }
    Array.prototype.forEach.call(main.querySelectorAll('a[href^="/"]'), function (link) {
      if (link.textContent.trim() !== link.href) {
        link.setAttribute("data-print-href", link.href);
      }
    });
  }

  function ready() {
    enhanceTables();
    printAddresses();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
