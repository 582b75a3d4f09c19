package replica

import "github.com/applyq/applyq/internal/domain"

// liveScriptJS runs the Live Greenhouse and Live Ashby pages. The values it
// sends come from its own state: a combobox commits only by a click on one
// of its options or Enter on the highlighted one, a yes/no only by a click
// on its button, a Greenhouse upload only through its file input's change
// (or a drop); setting a hidden input, the combobox input's value or the
// hidden checkbox by script commits nothing. __CFG__ is the configuration
// (JSON).
const liveScriptJS = `(function () {
  "use strict";
  var CFG = __CFG__;
  var GH = CFG.platform === "greenhouse";
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var state = {}, combos = {};
  var busy = false, codeStep = false, passed = "";
  function byId(id) { return document.getElementById(id); }
  function all(scope, sel) { return scope ? Array.prototype.slice.call(scope.querySelectorAll(sel)) : []; }
  function root() { return document.querySelector(CFG.root); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function fieldBy(key, val) {
    for (var i = 0; i < CFG.fields.length; i++) if (CFG.fields[i][key] === val) return CFG.fields[i];
    return null;
  }
  function delay() {
    var a = CFG.optionDelayMs[0], b = CFG.optionDelayMs[1];
    return a + Math.floor(Math.random() * (b - a + 1));
  }
  function wrapperOf(f) { return document.querySelector('[data-field="' + CSS.escape(f.name) + '"]'); }

  // ---------------------------------------------------------------- errors
  function clearError(f) {
    var w = wrapperOf(f);
    all(w, "[data-field-error]").forEach(function (e) { e.remove(); });
    all(w, "[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }
  function focusable(f) {
    var w = wrapperOf(f);
    return w ? w.querySelector("input:not([type=hidden]):not([tabindex='-1']), textarea, select, button:not([tabindex='-1'])") : null;
  }
  function fieldError(f, msg) {
    var w = wrapperOf(f);
    if (!w) return null;
    clearError(f);
    var id = f.id + "-error";
    var div = el("div", CFG.errorClass, msg);
    div.setAttribute("role", "alert");
    div.setAttribute("data-field-error", "");
    div.id = id;
    w.appendChild(div);
    var c = focusable(f);
    if (c) { c.setAttribute("aria-invalid", "true"); c.setAttribute("aria-describedby", id); }
    return c || w;
  }
  function banner(msgs) {
    var old = document.querySelector("[data-live-summary]");
    if (old) old.remove();
    if (!msgs.length) return;
    var div = el("div", GH ? "error-summary" : "ashby-application-form-failure-container");
    div.setAttribute("role", "alert");
    div.setAttribute("data-live-summary", "");
    msgs.forEach(function (m) { div.appendChild(el("p", null, m)); });
    var r = root();
    if (!r) return;
    if (GH) { r.parentNode.insertBefore(div, r); return; }
    var btn = r.querySelector(".ashby-application-form-submit-button");
    if (btn && btn.parentNode) btn.parentNode.insertBefore(div, btn); else r.appendChild(div);
  }
  function promo() {
    if (!CFG.rejectThanks || document.querySelector("[data-promo]")) return;
    var a = el("aside", "sidebar-promo");
    a.setAttribute("data-promo", "");
    a.appendChild(el("h3", null, CFG.thanksText));
    a.appendChild(el("p", null, CFG.promoText));
    document.body.insertBefore(a, document.querySelector("footer"));
  }
  function beacon() {
    if (!CFG.beacon) return;
    var body = JSON.stringify({ event: "application_submitted", path: location.pathname });
    try { if (navigator.sendBeacon && navigator.sendBeacon(CFG.analyticsURL, body)) return; } catch (x) { /* fall back */ }
    try { fetch(CFG.analyticsURL, { method: "POST", body: body, keepalive: true }); } catch (x) { /* ignore */ }
  }

  // ------------------------------------------------------------ comboboxes
  function comboFor(input) {
    if (!input) return null;
    var f = fieldBy("id", input.id);
    if (!f || (f.kind !== "select" && f.kind !== "multi" && f.kind !== "location")) return null;
    var c = combos[f.id];
    if (!c) c = combos[f.id] = { f: f, open: false, items: [], active: -1, seq: 0, menu: null };
    c.input = input;
    return c;
  }
  function listId(c) { return GH ? "react-select-" + c.f.id + "-listbox" : c.f.id + "-listbox"; }
  function optId(c, n) { return GH ? "react-select-" + c.f.id + "-option-" + n : c.f.id + "-option-" + n; }
  function chosen(f) { var v = state[f.name]; return f.kind === "multi" ? (v || []) : v; }
  function openMenu(c) {
    if (c.open) return;
    c.open = true;
    c.input.setAttribute("aria-expanded", "true");
    c.input.setAttribute("aria-controls", listId(c));
    var host = c.input.closest(GH ? ".select-shell" : "[data-combobox]");
    var menu = el("div", GH ? "select__menu" : "ashby-combobox-menu");
    var list = el("div", GH ? "select__menu-list" : "ashby-combobox-list");
    list.setAttribute("role", "listbox");
    list.id = listId(c);
    if (c.f.kind === "multi") list.setAttribute("aria-multiselectable", "true");
    menu.appendChild(list);
    host.appendChild(menu);
    c.menu = menu;
    load(c);
  }
  function closeMenu(c) {
    c.seq++;
    if (!c.open) return;
    c.open = false;
    if (c.menu) c.menu.remove();
    c.menu = null;
    c.items = [];
    c.active = -1;
    c.input.setAttribute("aria-expanded", "false");
    c.input.removeAttribute("aria-controls");
    c.input.removeAttribute("aria-activedescendant");
  }
  function render(c, items, note) {
    if (!c.menu) return;
    var list = c.menu.querySelector("[role=listbox]");
    list.innerHTML = "";
    var old = c.menu.querySelector("[data-notice]");
    if (old) old.remove();
    c.items = items || [];
    c.active = -1;
    if (!c.items.length) {
      var n = el("div", GH ? "select__menu-notice" : "ashby-combobox-notice", note);
      n.setAttribute("data-notice", "");
      c.menu.insertBefore(n, list);
      c.input.removeAttribute("aria-activedescendant");
      return;
    }
    var cur = c.f.kind === "multi" ? null : chosen(c.f);
    c.items.forEach(function (it, k) {
      var o = el("div", GH ? "select__option" : "ashby-combobox-option", it.label);
      o.setAttribute("role", "option");
      o.id = optId(c, it.n);
      o.setAttribute("aria-selected", cur && cur.value === it.value ? "true" : "false");
      o.setAttribute("data-k", String(k));
      list.appendChild(o);
    });
    highlight(c, 0);
  }
  function load(c) {
    var seq = ++c.seq;
    var q = c.input.value.trim();
    render(c, [], "Loading...");
    if (c.f.kind === "location") {
      if (q.length < 2) { render(c, [], "Type at least 2 characters"); return; }
      setTimeout(function () {
        if (seq !== c.seq || !c.open) return;
        fetch(CFG.locationURL + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (j) {
            if (seq !== c.seq || !c.open) return;
            render(c, (j.results || []).map(function (p, i) { return { label: p.label, value: p.place_id, n: i }; }), "No results found");
          })
          .catch(function () { if (seq === c.seq && c.open) render(c, [], "No results found"); });
      }, delay());
      return;
    }
    setTimeout(function () {
      if (seq !== c.seq || !c.open) return;
      var taken = c.f.kind === "multi" ? chosen(c.f).map(function (x) { return x.value; }) : [];
      var ql = q.toLowerCase(), items = [];
      c.f.options.forEach(function (o, i) {
        if (taken.indexOf(o.value) >= 0) return;
        if (ql && o.label.toLowerCase().indexOf(ql) < 0) return;
        items.push({ label: o.label, value: o.value, n: i });
      });
      render(c, items, "No options");
    }, delay());
  }
  function highlight(c, k) {
    var opts = all(c.menu, "[role=option]");
    if (!opts.length) { c.active = -1; return; }
    k = Math.max(0, Math.min(opts.length - 1, k));
    opts.forEach(function (o, i) { o.classList.toggle(GH ? "select__option--is-focused" : "is-focused", i === k); });
    c.active = k;
    c.input.setAttribute("aria-activedescendant", opts[k].id);
    if (opts[k].scrollIntoView) opts[k].scrollIntoView({ block: "nearest" });
  }
  function draw(c) {
    var f = c.f;
    if (!GH) { var v0 = chosen(f); c.input.value = v0 ? v0.label : ""; return; }
    var vc = c.input.closest(".select__value-container");
    var shell = c.input.closest(".select-shell");
    var box = vc.querySelector(".select__input-container");
    all(vc, ".select__single-value, .select__multi-value").forEach(function (e) { e.remove(); });
    var ph = vc.querySelector(".select__placeholder");
    if (f.kind === "multi") {
      var arr = chosen(f);
      arr.forEach(function (x) {
        var chip = el("div", "select__multi-value");
        chip.appendChild(el("div", "select__multi-value__label", x.label));
        var rm = el("div", "select__multi-value__remove", "\u00d7");
        rm.setAttribute("role", "button");
        rm.setAttribute("aria-label", "Remove " + x.label);
        rm.setAttribute("data-remove", x.value);
        chip.appendChild(rm);
        vc.insertBefore(chip, box);
      });
      if (ph) ph.hidden = arr.length > 0;
      all(shell, "input[type=hidden]").forEach(function (h) { h.remove(); });
      (arr.length ? arr : [{ value: "" }]).forEach(function (x) {
        var h = document.createElement("input");
        h.type = "hidden"; h.name = f.name; h.value = x.value;
        shell.appendChild(h);
      });
      return;
    }
    var v = chosen(f);
    if (v) vc.insertBefore(el("div", "select__single-value", v.label), box);
    if (ph) ph.hidden = !!v;
    if (f.kind === "location") {
      var a = shell.querySelector("input[name=location]"), b = shell.querySelector("input[name=location_place_id]");
      if (a) a.value = v ? v.label : "";
      if (b) b.value = v ? v.value : "";
    } else {
      var h1 = shell.querySelector("input[type=hidden]");
      if (h1) h1.value = v ? v.value : "";
    }
  }
  function commit(c, it) {
    var f = c.f;
    if (f.kind === "multi") {
      var arr = chosen(f).slice();
      arr.push({ label: it.label, value: it.value });
      state[f.name] = arr;
    } else {
      state[f.name] = { label: it.label, value: it.value };
    }
    closeMenu(c);
    c.input.value = "";
    draw(c);
    clearError(f);
  }
  function unselect(c, value) {
    var f = c.f;
    if (f.kind === "multi") state[f.name] = chosen(f).filter(function (x) { return x.value !== value; });
    else delete state[f.name];
    draw(c);
  }

  // -------------------------------------------------------------- uploads
  function newFileInput(f, zone) {
    var i = document.createElement("input");
    i.type = "file"; i.id = f.id; i.className = "visually-hidden";
    i.setAttribute("accept", ".pdf,.doc,.docx,.txt,.rtf");
    i.setAttribute("data-live-file", f.name);
    if (f.required) i.setAttribute("aria-required", "true");
    var types = zone.querySelector(".file-upload__types");
    zone.insertBefore(i, types);
  }
  function takeFile(input, file) {
    var f = fieldBy("name", input.getAttribute("data-live-file"));
    if (!f || !file) return;
    var zone = input.closest("[data-dropzone]");
    if (!GH) {
      state[f.name] = file;
      var list = zone.querySelector(".ashby-application-form-input-file-list");
      list.innerHTML = "";
      var item = el("div", "ashby-application-form-input-file-item");
      item.appendChild(el("span", "ashby-application-form-input-file-item-name", file.name));
      var x = el("button", "ashby-application-form-input-file-item-remove", "\u00d7");
      x.type = "button";
      x.setAttribute("aria-label", "Remove " + file.name);
      x.setAttribute("data-remove-file", f.name);
      item.appendChild(x);
      list.appendChild(item);
      clearError(f);
      return;
    }
    if (zone.getAttribute("aria-busy") === "true") return;
    var bar = el("div", "file-upload__progress");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", "Uploading " + file.name);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    var fill = el("div", "file-upload__progress-fill");
    bar.appendChild(fill);
    zone.appendChild(bar);
    zone.setAttribute("aria-busy", "true");
    var start = Date.now();
    var tick = setInterval(function () {
      var pct = Math.min(99, Math.round((Date.now() - start) * 100 / CFG.fileDelayMs));
      bar.setAttribute("aria-valuenow", String(pct));
      fill.style.width = pct + "%";
    }, 50);
    setTimeout(function () {
      clearInterval(tick);
      bar.remove();
      zone.removeAttribute("aria-busy");
      input.remove();
      var btns = zone.querySelector(".button-container");
      if (btns) btns.hidden = true;
      state[f.name] = file;
      var chip = el("div", "file-upload__chip");
      chip.setAttribute("data-file-chip", f.name);
      chip.appendChild(el("span", "file-upload__filename", file.name));
      var rm = el("button", "file-upload__remove", "\u00d7");
      rm.type = "button";
      rm.setAttribute("aria-label", "Remove file " + file.name);
      rm.setAttribute("data-remove-file", f.name);
      chip.appendChild(rm);
      zone.appendChild(chip);
      clearError(f);
    }, CFG.fileDelayMs);
  }
  function removeFile(name) {
    var f = fieldBy("name", name);
    if (!f) return;
    delete state[f.name];
    var zone = document.querySelector('[data-dropzone="' + CSS.escape(name) + '"]');
    if (!zone) return;
    if (!GH) {
      var inp = byId(f.id);
      if (inp) inp.value = "";
      zone.querySelector(".ashby-application-form-input-file-list").innerHTML = "";
      return;
    }
    var chip = zone.querySelector("[data-file-chip]");
    if (chip) chip.remove();
    var btns = zone.querySelector(".button-container");
    if (btns) btns.hidden = false;
    if (!byId(f.id)) newFileInput(f, zone);
  }

  // ---------------------------------------------------------- code step
  function codeValue() {
    var s = "";
    for (var i = 0; i < CFG.codeLength; i++) { var inp = byId("security-input-" + i); s += inp ? inp.value : ""; }
    return s;
  }
  function codeError(msg) {
    var box = byId("security-code");
    if (!box) return;
    all(box, "[data-field-error]").forEach(function (e) { e.remove(); });
    if (!msg) return;
    var div = el("div", CFG.errorClass, msg);
    div.id = "security-code-error";
    div.setAttribute("role", "alert");
    div.setAttribute("data-field-error", "");
    box.appendChild(div);
  }
  function showCodeStep(email) {
    codeStep = true;
    var form = root(), box = byId("security-code");
    if (!box) {
      box = el("div", "security-code");
      box.id = "security-code";
      box.setAttribute("role", "group");
      box.setAttribute("aria-labelledby", "security-code-prompt");
      var submitWrap = form.querySelector(".application--submit");
      submitWrap.parentNode.insertBefore(box, submitWrap);
    }
    box.innerHTML = "";
    box.appendChild(el("h3", "section-header", "Verify your email"));
    var p = el("p", "security-code__prompt", CFG.messages.codePrompt + email + ".");
    p.id = "security-code-prompt";
    box.appendChild(p);
    var row = el("div", "security-code__inputs");
    for (var i = 0; i < CFG.codeLength; i++) {
      var inp = document.createElement("input");
      inp.type = "text";
      inp.id = "security-input-" + i;
      inp.className = "security-input";
      inp.setAttribute("maxlength", "1");
      inp.setAttribute("autocomplete", i === 0 ? "one-time-code" : "off");
      inp.setAttribute("aria-label", "Security code character " + (i + 1));
      inp.setAttribute("data-code-index", String(i));
      row.appendChild(inp);
    }
    box.appendChild(row);
    box.scrollIntoView({ block: "center" });
    byId("security-input-0").focus();
  }
  function spread(text, from) {
    var chars = text.replace(/\s+/g, "").split("");
    var i = from, k = 0;
    for (; i < CFG.codeLength && k < chars.length; i++, k++) byId("security-input-" + i).value = chars[k];
    var last = byId("security-input-" + Math.min(i, CFG.codeLength - 1));
    if (last) last.focus();
  }

  // ------------------------------------------------------------- submit
  function collect() {
    var fd = new FormData(), bad = [];
    CFG.fields.forEach(function (f) {
      var msg = "", v;
      switch (f.kind) {
        case "text": case "email": case "textarea":
          var c = byId(f.id);
          v = c ? c.value : "";
          if (v.trim() === "") { if (f.required) msg = CFG.messages.required; break; }
          if (f.kind === "email" && !EMAIL.test(v.trim())) { msg = CFG.messages.email; break; }
          fd.append(f.name, v);
          break;
        case "select": case "yesno":
          v = state[f.name];
          if (v) fd.append(f.name, v.value); else if (f.required) msg = CFG.messages.required;
          break;
        case "multi":
          v = chosen(f);
          v.forEach(function (x) { fd.append(f.name, x.value); });
          if (!v.length && f.required) msg = CFG.messages.required;
          break;
        case "location":
          v = state[f.name];
          if (v) { fd.append("location", v.label); fd.append("location_place_id", v.value); } else if (f.required) msg = CFG.messages.required;
          break;
        case "checkboxes":
          v = all(wrapperOf(f), "input[type=checkbox], input[type=radio]").filter(function (b) { return b.checked; });
          v.forEach(function (b) { fd.append(f.name, b.value); });
          if (!v.length && f.required) msg = CFG.messages.required;
          break;
        case "file":
          if (GH) v = state[f.name] || null;
          else { var fi = byId(f.id); v = (fi && fi.files && fi.files[0]) || null; }
          if (v) fd.append(f.name, v, v.name); else if (f.required) msg = CFG.messages.required;
          break;
      }
      if (msg) bad.push(fieldError(f, msg)); else clearError(f);
    });
    return { fd: fd, bad: bad };
  }
  function submitButton() {
    var r = root();
    return r ? r.querySelector(GH ? "button[type=submit]" : ".ashby-application-form-submit-button") : null;
  }
  function setBusy(on) {
    var b = submitButton();
    if (!b) return;
    b.disabled = on;
    if (on) b.setAttribute("aria-busy", "true"); else b.removeAttribute("aria-busy");
  }
  function pose(id, done) {
    var wrap = el("div", "recaptcha-challenge");
    wrap.style.cssText = "visibility:visible;position:fixed;left:0;top:0;width:100%;height:100%;z-index:2000000000;";
    var shade = el("div");
    shade.style.cssText = "position:fixed;left:0;top:0;width:100%;height:100%;background:#fff;opacity:0.5;";
    var box = el("div");
    box.style.cssText = "position:fixed;left:50%;top:20px;transform:translateX(-50%);border:1px solid #ccc;box-shadow:rgba(0,0,0,0.2) 2px 2px 3px;background:#fff;";
    var fr = document.createElement("iframe");
    fr.title = "recaptcha challenge expires in two minutes";
    fr.name = "c-" + id;
    fr.setAttribute("width", "400");
    fr.setAttribute("height", "480");
    fr.setAttribute("frameborder", "0");
    fr.setAttribute("scrolling", "no");
    fr.src = CFG.bframeURL + "&c=" + encodeURIComponent(id);
    box.appendChild(fr);
    wrap.appendChild(shade);
    wrap.appendChild(box);
    document.body.appendChild(wrap);
    function onMsg(e) {
      if (e.origin !== location.origin || !e.data || e.data.type !== "recaptcha-token" || e.data.c !== id) return;
      window.removeEventListener("message", onMsg);
      wrap.remove();
      done(e.data.token);
    }
    window.addEventListener("message", onMsg);
  }
  function token(cb) {
    if (!GH) {
      var t0 = document.querySelector(".g-recaptcha [name='g-recaptcha-response']");
      cb(t0 ? t0.value : null);
      return;
    }
    var ta = byId("g-recaptcha-response");
    if (CFG.challenge === "checkbox") { cb(ta ? ta.value : ""); return; }
    if (passed) { ta.value = passed; cb(passed); return; }
    fetch(CFG.reloadURL, { method: "POST", credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.token) { ta.value = j.token; cb(j.token); return; }
        if (j.challenge) { pose(j.challenge, function (t) { passed = t; ta.value = t; cb(t); }); return; }
        cb(ta.value);
      })
      .catch(function () { cb(ta.value); });
  }
  function success() {
    var holder = root();
    holder.innerHTML = "";
    var div = el("div", "ashby-application-form-success-container");
    div.appendChild(el("h2", null, "Thanks for applying"));
    var p = el("p", null, "Your application was successfully submitted. We'll contact you if there are next steps.");
    p.setAttribute("role", "status");
    div.appendChild(p);
    holder.appendChild(div);
  }
  function handle(res) {
    busy = false;
    setBusy(false);
    var b = res.body || {};
    if (GH) {
      if (res.status === 200 && b.status === "success") { beacon(); window.location.assign(b.redirect || CFG.confirmationURL); return; }
      if (res.status === 200 && b.status === "security_code_required") { banner([]); showCodeStep(b.email || ""); return; }
      if (b.status === "security_code_invalid") {
        codeError((b.errors && b.errors[0] && b.errors[0].message) || CFG.messages.generic);
        var first = byId("security-input-0");
        if (first) first.focus();
        return;
      }
    } else {
      var data = b.data;
      if (res.status === 200 && data && data.submitSingleApplicationForm && data.submitSingleApplicationForm.success) { success(); beacon(); return; }
    }
    if (res.status >= 500 || !res.body) { banner([CFG.messages.generic]); return; }
    var msgs = [], firstBad = null;
    (b.errors || []).forEach(function (er) {
      var f = er.field ? fieldBy("name", er.field) : null;
      if (f) {
        var c = fieldError(f, er.message);
        if (!firstBad) firstBad = c;
        msgs.push((er.label ? er.label + ": " : "") + er.message);
      } else {
        msgs.push(er.message);
      }
    });
    if (!msgs.length) msgs.push(CFG.messages.generic);
    banner(msgs);
    if (res.status === 422) promo();
    if (firstBad && firstBad.focus) firstBad.focus();
  }
  function submit() {
    if (busy) return;
    banner([]);
    var r = collect();
    if (r.bad.length) {
      if (!GH) banner([CFG.messages.corrections]);
      if (r.bad[0] && r.bad[0].focus) r.bad[0].focus();
      return;
    }
    if (codeStep) {
      var code = codeValue();
      if (code.length < CFG.codeLength) { codeError(CFG.messages.codeIncomplete); return; }
      codeError("");
      r.fd.append("security_code", code);
    }
    busy = true;
    token(function (tok) {
      if (tok !== null && tok !== undefined) r.fd.append("g-recaptcha-response", tok);
      setBusy(true);
      fetch(CFG.submitURL, { method: "POST", body: r.fd, credentials: "same-origin" })
        .then(function (resp) {
          return resp.text().then(function (t) {
            var j = null;
            try { j = JSON.parse(t); } catch (x) { j = null; }
            return { status: resp.status, body: j };
          });
        })
        .then(handle)
        .catch(function () { busy = false; setBusy(false); banner([CFG.messages.generic]); });
    });
  }

  // ------------------------------------------------------------- events
  function isCombo(t) { return t && t.getAttribute && t.getAttribute("role") === "combobox"; }
  document.addEventListener("focusin", function (e) {
    if (isCombo(e.target)) { var c = comboFor(e.target); if (c) openMenu(c); }
  });
  document.addEventListener("focusout", function (e) {
    if (!isCombo(e.target)) return;
    var c = comboFor(e.target);
    if (!c) return;
    closeMenu(c);
    var v = chosen(c.f);
    e.target.value = (!GH && v && c.f.kind !== "multi") ? v.label : "";
  });
  document.addEventListener("mousedown", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    if (t.closest("[data-combobox] [role=option]") || t.closest("[data-remove]")) { e.preventDefault(); return; }
    var ctl = t.closest(".select__control");
    if (!ctl) return;
    var inp = ctl.querySelector("input[role=combobox]"), c = comboFor(inp);
    if (!c) return;
    if (t !== inp) e.preventDefault();
    if (document.activeElement !== inp) { inp.focus(); return; }
    if (c.open && t.closest(".select__indicators")) closeMenu(c); else openMenu(c);
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var opt = t.closest("[data-combobox] [role=option]");
    if (opt) {
      var wrap = opt.closest("[data-combobox]");
      var c = comboFor(wrap.querySelector("input[role=combobox]"));
      if (!c || !c.open) return;
      var it = c.items[Number(opt.getAttribute("data-k"))];
      if (it) commit(c, it);
      return;
    }
    var rm = t.closest("[data-remove]");
    if (rm) {
      var w2 = rm.closest("[data-combobox]"), c2 = w2 && comboFor(w2.querySelector("input[role=combobox]"));
      if (c2) unselect(c2, rm.getAttribute("data-remove"));
      return;
    }
    var rf = t.closest("[data-remove-file]");
    if (rf) { e.preventDefault(); removeFile(rf.getAttribute("data-remove-file")); return; }
    var at = t.closest("[data-attach]");
    if (at) { e.preventDefault(); var fi = byId(at.getAttribute("data-attach")); if (fi) fi.click(); return; }
    var ap = t.closest("[data-apply]");
    if (ap) {
      e.preventDefault();
      var target = byId("application");
      if (target) target.scrollIntoView({ behavior: "smooth", block: "start" });
      return;
    }
    var yn = t.closest(".ashby-application-form-input-yesno button[data-option]");
    if (yn) {
      e.preventDefault();
      var entry = yn.closest("[data-field]"), f = fieldBy("name", entry.getAttribute("data-field"));
      if (!f) return;
      var yes = yn.getAttribute("data-option") === "yes";
      state[f.name] = { label: yes ? "Yes" : "No", value: yes ? "Yes" : "No" };
      var group = yn.closest(".ashby-application-form-input-yesno");
      all(group, "button[data-option]").forEach(function (b) {
        var on = b === yn;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.classList.toggle(CFG.activeClass, on);
      });
      var cb = group.querySelector("input[type=checkbox]");
      if (cb) cb.checked = yes;
      clearError(f);
      return;
    }
    var sb = t.closest(".ashby-application-form-submit-button");
    if (sb && !GH) { e.preventDefault(); if (!sb.disabled) submit(); }
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (isCombo(t)) {
      var c = comboFor(t);
      if (!c) return;
      switch (e.key) {
        case "ArrowDown":
          e.preventDefault();
          if (!c.open) openMenu(c); else highlight(c, c.active + 1);
          break;
        case "ArrowUp":
          if (c.open) { e.preventDefault(); highlight(c, c.active - 1); }
          break;
        case "Enter":
          if (c.open) {
            e.preventDefault();
            if (c.active >= 0 && c.items[c.active]) commit(c, c.items[c.active]);
          }
          break;
        case "Escape":
          if (c.open) { e.preventDefault(); closeMenu(c); }
          break;
        case "Backspace":
          if (GH && t.value === "") {
            var v = chosen(c.f);
            if (c.f.kind === "multi" && v.length) unselect(c, v[v.length - 1].value);
            else if (c.f.kind !== "multi" && v) unselect(c, v.value);
          }
          break;
      }
      return;
    }
    if (t && t.hasAttribute && t.hasAttribute("data-code-index") && e.key === "Backspace" && t.value === "") {
      var i = Number(t.getAttribute("data-code-index"));
      if (i > 0) { e.preventDefault(); var prev = byId("security-input-" + (i - 1)); prev.value = ""; prev.focus(); }
    }
  });
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (isCombo(t)) {
      var c = comboFor(t);
      if (!c) return;
      if (!c.open) openMenu(c); else load(c);
      return;
    }
    if (t && t.hasAttribute && t.hasAttribute("data-code-index")) {
      var i = Number(t.getAttribute("data-code-index"));
      if (t.value.length > 1) { var v = t.value; t.value = ""; spread(v, i); return; }
      if (t.value && i < CFG.codeLength - 1) byId("security-input-" + (i + 1)).focus();
    }
  });
  document.addEventListener("paste", function (e) {
    var t = e.target;
    if (!t || !t.hasAttribute || !t.hasAttribute("data-code-index")) return;
    e.preventDefault();
    var text = (e.clipboardData || window.clipboardData).getData("text") || "";
    spread(text, 0);
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.type === "file" && t.hasAttribute("data-live-file")) takeFile(t, t.files && t.files[0]);
  });
  document.addEventListener("dragover", function (e) {
    if (e.target && e.target.closest && e.target.closest("[data-dropzone]")) e.preventDefault();
  });
  document.addEventListener("drop", function (e) {
    var zone = e.target && e.target.closest ? e.target.closest("[data-dropzone]") : null;
    if (!zone) return;
    e.preventDefault();
    var files = e.dataTransfer && e.dataTransfer.files;
    var inp = zone.querySelector("input[type=file]");
    if (!files || !files.length || !inp) return;
    if (!GH) { try { inp.files = files; } catch (x) { /* keep state only */ } }
    takeFile(inp, files[0]);
  });
  document.addEventListener("submit", function (e) {
    if (!GH || !e.target || e.target.id !== "application-form") return;
    e.preventDefault();
    submit();
  });
  if (!GH) {
    setTimeout(function () {
      var holder = root(), tpl = byId("ashby-application-form-template");
      if (!holder || !tpl) return;
      holder.appendChild(document.importNode(tpl.content, true));
      holder.removeAttribute("aria-busy");
    }, CFG.renderDelayMs);
  }
})();
`

// trapScriptJS runs the variants that act on any form page: RedirectScript
// leaves for the foreign site; SelfHidingButton hides the submit button on
// its click and stops every submission before the page's own script sees
// it.
const trapScriptJS = `(function () {
  "use strict";
  var T = __CFG__;
  if (T.redirectTo) setTimeout(function () { window.location.href = T.redirectTo; }, T.redirectMs);
  if (T.selfHiding) {
    window.addEventListener("click", function (e) {
      var b = e.target && e.target.closest ? e.target.closest(T.selfHiding) : null;
      if (!b) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      b.style.display = "none";
      b.setAttribute("hidden", "");
    }, true);
    window.addEventListener("submit", function (e) { e.preventDefault(); e.stopImmediatePropagation(); }, true);
  }
})();
`

// beaconScriptJS sends BeaconAfterSubmit's beacon from the confirmation
// page of a native form.
const beaconScriptJS = `(function () {
  var url = __URL__, body = JSON.stringify({ event: "application_submitted", path: location.pathname });
  try { if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return; } catch (x) { /* fall back */ }
  try { fetch(url, { method: "POST", body: body, keepalive: true }); } catch (x) { /* ignore */ }
})();
`

// foreignScript runs the foreign careers site's page: it reports every
// keystroke, input and change on a named control to its own server.
const foreignScript = `(function () {
  ["keydown", "input", "change"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var t = e.target;
      if (!t || !t.name) return;
      var body = JSON.stringify({ type: type, field: t.name });
      try { if (navigator.sendBeacon && navigator.sendBeacon("/events", body)) return; } catch (x) { /* fall back */ }
      fetch("/events", { method: "POST", body: body, keepalive: true }).catch(function () {});
    }, true);
  });
})();
`

// bframeScript runs the image-grid challenge: only trusted clicks select a
// tile or press Verify; a right answer's token goes to the parent page.
const bframeScript = `(function () {
  "use strict";
  var CFG = __CFG__;
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function show(cls, on) { var e = document.querySelector(cls); if (e) e.hidden = !on; }
  all(".rc-imageselect-tile").forEach(function (td) {
    td.addEventListener("click", function (e) {
      if (!e.isTrusted) return;
      td.classList.toggle("rc-imageselect-tileselected");
      td.setAttribute("aria-pressed", td.classList.contains("rc-imageselect-tileselected") ? "true" : "false");
      show(".rc-imageselect-error-select-more", false);
      show(".rc-imageselect-incorrect-response", false);
    });
  });
  document.getElementById("recaptcha-verify-button").addEventListener("click", function (e) {
    if (!e.isTrusted) return;
    var sel = all(".rc-imageselect-tileselected").map(function (td) { return td.getAttribute("data-i"); });
    if (!sel.length) { show(".rc-imageselect-error-select-more", true); return; }
    var body = new URLSearchParams();
    body.set("c", CFG.c);
    body.set("response", sel.join(","));
    fetch(CFG.verify, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.token) { window.parent.postMessage({ type: "recaptcha-token", c: CFG.c, token: j.token }, location.origin); return; }
        all(".rc-imageselect-tileselected").forEach(function (td) { td.classList.remove("rc-imageselect-tileselected"); });
        show(".rc-imageselect-incorrect-response", true);
      });
  });
})();
`

const bframeCSS = `body{margin:0;font-family:Roboto,Arial,sans-serif;font-size:14px;background:#fff}
.rc-imageselect{width:398px}
.rc-imageselect-desc-no-canonical{background:#1a73e8;color:#fff;padding:18px 16px;font-size:16px}
.rc-imageselect-desc-no-canonical strong{display:block;font-size:24px}
.rc-imageselect-desc-no-canonical span{display:block;font-size:13px;margin-top:4px}
.rc-imageselect-table-33{border-spacing:4px;margin:4px auto}
.rc-imageselect-tile{width:120px;height:90px;background:#e8eaed;text-align:center;font-size:44px;cursor:pointer;border:2px solid transparent}
.rc-imageselect-tileselected{border-color:#1a73e8;background:#d2e3fc}
.rc-imageselect-error-select-more,.rc-imageselect-incorrect-response{color:#d93025;padding:4px 16px}
.rc-footer{border-top:1px solid #dadce0;padding:8px 16px;text-align:right}
.rc-button-default{background:#1a73e8;color:#fff;border:0;border-radius:2px;padding:10px 22px;font-weight:600;text-transform:uppercase}
`

// hcaptchaInvisibleFrame is the invisible hCaptcha's (hidden) frame.
const hcaptchaInvisibleFrame = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>hCaptcha</title></head><body></body></html>`

// liveCSS is the style the Live variant adds per platform. Lever's carries
// the rule Lever ships on every posting (strelov1/freehire#2739).
var liveCSS = map[domain.Platform]string{
	domain.PlatformGreenhouse: `.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.job__header{display:flex;justify-content:space-between;align-items:flex-start}
.apply-button{background:#15372c;color:#fff;border:0;border-radius:999px;padding:10px 28px;font-weight:600}
.select-shell{position:relative}
.select__control{display:flex;align-items:center;min-height:44px;border:1px solid #c1c7d0;border-radius:6px;background:#fff;padding:2px 8px}
.select__value-container{flex:1;display:flex;flex-wrap:wrap;align-items:center;gap:4px;position:relative}
.select__placeholder,.select__single-value{color:#67717e;position:absolute;left:4px;pointer-events:none}
.select__single-value{color:#1f2933}
.select__input-container{flex:1;min-width:40px}
.select__input{border:0!important;outline:0;width:100%;padding:8px 4px!important;font:inherit;background:transparent}
.select__indicators button{border:0;background:none;font-size:16px}
.select__menu{position:absolute;left:0;right:0;top:100%;z-index:10;background:#fff;border:1px solid #c1c7d0;border-radius:6px;margin-top:4px;box-shadow:0 4px 12px rgba(0,0,0,.1)}
.select__menu-list{max-height:220px;overflow-y:auto}
.select__option{padding:8px 12px;cursor:pointer}
.select__option--is-focused{background:#e6f0ec}
.select__menu-notice{padding:8px 12px;color:#67717e}
.select__multi-value{display:flex;align-items:center;background:#e6e8eb;border-radius:4px;padding:0 4px;position:relative;z-index:1}
.select__multi-value__remove{margin-left:4px;cursor:pointer}
.file-upload__wrapper{border:1px dashed #c1c7d0;border-radius:6px;padding:12px}
.file-upload__attach{background:#fff;border:1px solid #15372c;border-radius:999px;padding:6px 20px}
.file-upload__types{font-size:13px;color:#67717e;margin:6px 0 0}
.file-upload__progress{height:6px;background:#e6e8eb;border-radius:3px;margin-top:8px;overflow:hidden}
.file-upload__progress-fill{height:6px;width:0;background:#15372c}
.file-upload__chip{display:inline-flex;align-items:center;gap:8px;background:#e6e8eb;border-radius:999px;padding:4px 12px;margin-top:8px}
.file-upload__remove{border:0;background:none;font-size:16px}
.security-code{border:1px solid #e6e8eb;border-radius:8px;padding:12px 16px;margin:16px 0}
.security-code__inputs{display:flex;gap:8px}
.security-input{width:40px!important;text-align:center;font-size:20px;padding:8px 0!important}
`,
	domain.PlatformLever: `.page-centered,.g-recaptcha div,.h-captcha-spacing {display: block; margin: 0 auto;}
.application-questions{list-style:none;padding:0;margin:0}
.application-label .text{font-weight:600;margin-bottom:4px}
.application-field ul{list-style:none;padding:0;margin:0}
.application-answer-alternative{margin-left:6px}
`,
	domain.PlatformAshby: `.` + AshbyRequiredClass + `::after{content:"*";color:#c0392b;margin-left:2px}
.ashby-application-form-input{width:100%;padding:10px 12px;border:1px solid #c1c7d0;border-radius:6px;font:inherit}
.ashby-application-form-input-yesno{display:flex;gap:8px}
.ashby-application-form-input-yesno button{flex:1;padding:10px;border:1px solid #c1c7d0;border-radius:6px;background:#fff}
.ashby-application-form-input-yesno button._active_1v5e2_60{border-color:#4a3aff;background:#ecebff}
.ashby-application-form-input-combobox{position:relative}
.ashby-combobox-menu{position:absolute;left:0;right:0;top:100%;z-index:10;background:#fff;border:1px solid #c1c7d0;border-radius:6px}
.ashby-combobox-option{padding:8px 12px;cursor:pointer}.ashby-combobox-option.is-focused{background:#ecebff}
.ashby-combobox-notice{padding:8px 12px;color:#67717e}
.ashby-application-form-input-file{border:1px dashed #c1c7d0;border-radius:8px;padding:16px;text-align:center}
.ashby-application-form-input-file-item{display:inline-flex;gap:8px;background:#ecebff;border-radius:999px;padding:4px 12px;margin-top:8px}
`,
}
