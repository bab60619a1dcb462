// Clearway pages: results as you type, and batch progress. Every page works without this
// script; it only saves a round trip. No inline script anywhere (the CSP allows only this file).
(function () {
  "use strict";

  function searchAsYouType() {
    var form = document.getElementById("search-form");
    var box = document.getElementById("results");
    if (!form || !box) return;
    var input = document.getElementById("q");
    var timer = null;
    var seq = 0;
    var last = null;

    function run() {
      var params = new URLSearchParams(new FormData(form));
      var qs = params.toString();
      if (qs === last) return;
      last = qs;
      var mine = ++seq;
      box.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-results") + "?" + qs, {
        headers: { "X-Requested-With": "fetch" }, credentials: "same-origin"
      }).then(function (r) { return r.text(); }).then(function (html) {
        if (mine !== seq) return; // a newer request is on its way
        box.innerHTML = html;
        box.setAttribute("aria-busy", "false");
        history.replaceState(null, "", form.getAttribute("action") + "?" + qs);
      }).catch(function () { box.setAttribute("aria-busy", "false"); });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    }
    input.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); last = null; run(); });
  }

  function batchProgress() {
    var job = document.getElementById("job");
    if (!job || !job.getAttribute("data-job-status")) return;
    var url = job.getAttribute("data-job-status");
    var state = document.getElementById("job-state");
    var bar = document.getElementById("job-progress");
    var count = document.getElementById("job-count");
    var err = document.getElementById("job-error");
    var results = document.getElementById("job-results");
    var fmt = new Intl.NumberFormat(document.documentElement.lang);

    function show(s) {
      state.textContent = state.getAttribute("data-l-" + s.status) || s.status;
      job.setAttribute("data-status", s.status);
      if (s.percent !== null && s.percent !== undefined) bar.value = s.percent;
      count.textContent = fmt.format(s.done || 0) + (s.total ? " / " + fmt.format(s.total) : "");
      if (s.error) { err.textContent = s.error; err.hidden = false; }
      if (s.status === "done" && s.summary) {
        var c = s.summary.counts || {};
        ["screened", "matched", "rejected"].forEach(function (k) {
          var el = document.getElementById("c-" + k);
          if (el) el.textContent = fmt.format(c[k] || 0);
        });
        results.hidden = false;
      }
      return s.status === "done" || s.status === "failed" || s.status === "interrupted";
    }

    function poll() {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) { if (!show(s)) setTimeout(poll, 700); })
        .catch(function () { setTimeout(poll, 2000); });
    }
    var status = job.getAttribute("data-status");
    if (status !== "done" && status !== "failed" && status !== "interrupted") poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    searchAsYouType();
    batchProgress();
  });
})();
