// applyq dashboard: progressive enhancement only; every page works without it.
"use strict";
(function () {
  var main = document.getElementById("main");

  // Task actions come back to the view they were made from.
  function wireForms(root) {
    root.querySelectorAll('input[name="back"]').forEach(function (el) {
      el.value = location.pathname + location.search.replace(/([?&])msg=[^&]*&?/, "$1").replace(/[?&]$/, "");
    });
    root.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  }
  wireForms(document);

  // The folding menu shows the navigation inline above phone width; a
  // browser that cannot style a closed <details> open gets it opened.
  var menu = document.querySelector("details.menu");
  if (menu && window.CSS && CSS.supports && !CSS.supports("selector(::details-content)") &&
      window.matchMedia && window.matchMedia("(min-width: 48.01rem)").matches) {
    menu.open = true;
  }

  if (!main || !main.hasAttribute("data-live")) return;

  // Live updates: reload this page's content when one of the user's tasks
  // changes (server-sent events fed by Postgres notifications), unless the
  // user is typing; fall back to a timed refresh when the stream is down.
  var busy = false, pending = false, dirty = false;
  function typing() {
    var a = document.activeElement;
    return a && main.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== "checkbox";
  }
  // A form the user changed (a review's edited letter) is never replaced.
  main.addEventListener("input", function (e) { if (e.target && e.target.form) dirty = true; });
  // A <details> the user opened (an answer's Edit, a cover letter) stays
  // open across a refresh: it is known by what holds it and its summary.
  function detailsKey(d) {
    if (d.id) return d.id;
    var host = d.parentElement && d.parentElement.closest("[id],[data-task]");
    var s = d.querySelector("summary");
    return (host ? host.id || host.getAttribute("data-task") : "") + "|" + (s ? s.textContent.trim() : "");
  }
  function keepOpen(from, to) {
    var open = {};
    from.querySelectorAll("details[open]").forEach(function (d) { open[detailsKey(d)] = true; });
    to.querySelectorAll("details").forEach(function (d) { if (open[detailsKey(d)]) d.open = true; });
  }
  function refresh() {
    if (busy) { pending = true; return; }
    if (typing() || dirty) return;
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        // The user may have started typing while the page was fetched.
        if (fresh && !typing() && !dirty) {
          // Replace only what changed: an unchanged page keeps its nodes
          // (a click under way, the focus).
          wireForms(fresh);
          keepOpen(main, fresh);
          if (fresh.innerHTML !== main.innerHTML) { main.innerHTML = fresh.innerHTML; wireForms(main); }
        }
        var nav = doc.querySelector("nav");
        var cur = document.querySelector("nav");
        if (nav && cur) {
          nav.querySelectorAll("[data-count]").forEach(function (n) {
            var c = cur.querySelector('[data-count="' + n.getAttribute("data-count") + '"]');
            if (c) c.textContent = n.textContent;
          });
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (pending) { pending = false; refresh(); }
      });
  }
  var fallback = null;
  function startFallback() { if (!fallback) fallback = setInterval(refresh, 10000); }
  if (!window.EventSource) { startFallback(); return; }
  var es = new EventSource("/events");
  es.addEventListener("changed", refresh);
  // On (re)opening, the page may already be stale: whatever changed
  // between rendering it and the stream starting sent no event to it.
  es.onopen = function () {
    if (fallback) { clearInterval(fallback); fallback = null; }
    refresh();
  };
  es.onerror = function () { startFallback(); };
})();
