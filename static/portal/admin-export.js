/* django-import-export's export page: its "select all" box, wired up here instead of by an
   onchange attribute (which the Content-Security-Policy refuses). onSelectToggleChange comes
   from import_export/export_selectable_fields.js, which the form's media loads. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches(".select-toggle") && typeof window.onSelectToggleChange === "function") {
      window.onSelectToggleChange(event);
    }
  });
})();
