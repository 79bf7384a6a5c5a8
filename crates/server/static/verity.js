// Verity's one script. Everything works without it; it adds live progress while a check runs, the list of
// "your checks" kept in this browser, and a print button. It reads data only through textContent and never
// builds markup from strings.
(function () {
  "use strict";
  var KEY = "verity.mine";

  function mine() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function remember(entry) {
    try {
      var list = mine().filter(function (e) { return e && e.url !== entry.url; });
      list.unshift(entry);
      window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, 200)));
    } catch (e) { /* storage full or disabled: nothing to keep */ }
  }

  // A running check: follow its events, then go to the report.
  var job = document.getElementById("job");
  if (job && window.EventSource) {
    var list = document.getElementById("stages");
    var already = list.children.length;
    var seen = 0;
    var source = new EventSource("/api/v1/jobs/" + encodeURIComponent(job.dataset.job) + "/events");
    source.addEventListener("stage", function (event) {
      seen += 1;
      if (seen <= already) return;
      var item = document.createElement("li");
      item.textContent = JSON.parse(event.data).text;
      list.appendChild(item);
    });
    source.addEventListener("done", function (event) {
      source.close();
      var url = JSON.parse(event.data).report_url;
      if (typeof url === "string" && url.indexOf("/checks/") === 0) window.location.assign(url + "?asked=1");
      else if (typeof url === "string" && url.indexOf("/texts/") === 0) window.location.assign(url);
    });
    source.addEventListener("failed", function (event) {
      source.close();
      var error = document.getElementById("job-error");
      var body = JSON.parse(event.data);
      error.textContent = (body && body.message) || "The check failed.";
      error.hidden = false;
    });
  }

  // A report reached from a check this browser asked for: keep it in "your checks".
  var report = document.getElementById("report");
  if (report && report.dataset.asked) {
    remember({ url: report.dataset.asked, question: report.dataset.question, date: report.dataset.date });
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", report.dataset.asked);
  }

  var mineList = document.getElementById("mine");
  if (mineList) {
    var entries = mine().filter(function (e) {
      return e && typeof e.url === "string" && e.url.indexOf("/checks/") === 0;
    });
    entries.forEach(function (e) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = e.url;
      link.textContent = String(e.question || e.url);
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + String(e.date || "")));
      mineList.appendChild(item);
    });
    var empty = document.getElementById("mine-empty");
    if (empty && entries.length > 0) empty.hidden = true;
  }

  var print = document.getElementById("print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
