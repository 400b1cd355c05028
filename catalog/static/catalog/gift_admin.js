"use strict";
// The gift form's language tabs (modeltranslation): run after its own ready handler built the tabs.
(function ($) {
  $(function () {
    // modeltranslation rewrites every <label> of a tabbed field with the field's own label, the image's
    // "Clear" checkbox label included; put that one back.
    $("label[data-clear-label]").each(function () {
      $(this).text($(this).attr("data-clear-label"));
    });

    // A marker on each language tab: filled (a value, a stored file or a chosen file) or empty.
    function filled(panel) {
      if (panel.find("p.file-upload a").length && !panel.find("input[type=checkbox][name$=-clear]").is(":checked")) {
        return true;
      }
      return panel.find("input[type=text], input[type=url], input[type=file], textarea").toArray().some(function (el) {
        return el.value.trim() !== "";
      });
    }
    function mark(tab) {
      var panel = $($(tab).find("a").attr("href"));
      var isFilled = filled(panel);
      $(tab).toggleClass("mt-filled", isFilled).toggleClass("mt-empty", !isFilled);
      $(tab).find("a").attr("data-filled", isFilled ? "yes" : "no");
    }
    $(".ui-tabs-nav li").each(function () {
      var tab = this;
      mark(tab);
      $($(tab).find("a").attr("href")).on("input change", "input, textarea", function () { mark(tab); });
    });
  });
})(window.jQuery || django.jQuery);
