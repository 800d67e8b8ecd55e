/* django-celery-beat's periodic task form (templates/admin/djcelery/change_periodictask_form.html): the chosen crontab
   in words under the field, as the package's own inline script does, written as text. */
(function () {
  "use strict";
  const $ = django.jQuery, help = document.getElementById("periodic-task-overrides").dataset.crontabHelp;
  const readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    const box = document.querySelector(".field-crontab .help");
    if (box) box.replaceChildren(help, document.createElement("br"), `Translation: ${readable[$("#id_crontab").val()] ?? ""}`);
  });
})();
