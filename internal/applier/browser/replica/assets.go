package replica

import "github.com/applyq/applyq/internal/domain"

// pageScript runs every form page: client-side validation (role="alert"
// messages, aria-invalid), the steps of the multi-step variant, and on
// Ashby the rendering of the form and its fetch() submission. __CFG__ is
// replaced by the platform's configuration (JSON).
const pageScript = `(function () {
  "use strict";
  var CFG = __CFG__;
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  function all(scope, sel) { return Array.prototype.slice.call(scope.querySelectorAll(sel)); }
  function root() { return document.querySelector(CFG.root); }
  function steps() { var r = root(); return r ? all(r, "[data-step]") : []; }
  function currentStep() {
    var s = steps();
    for (var i = 0; i < s.length; i++) { if (!s[i].hidden) return i; }
    return 0;
  }
  function showStep(i) {
    var s = steps();
    s.forEach(function (el, j) { el.hidden = j !== i; });
    var ind = document.querySelector("[data-step-indicator]");
    if (ind) ind.textContent = "Step " + (i + 1) + " of " + s.length;
  }
  function showStepOf(el) {
    var st = el.closest("[data-step]");
    if (st && st.hidden) showStep(steps().indexOf(st));
  }
  function clearErrors(scope) {
    all(scope, "[data-field-error]").forEach(function (e) { e.remove(); });
    all(scope, "[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    all(scope, "[aria-describedby]").forEach(function (e) {
      if (/-error$/.test(e.getAttribute("aria-describedby"))) e.removeAttribute("aria-describedby");
    });
  }
  function fieldError(target, controls, msg) {
    var id = (target.id || (controls[0] && (controls[0].id || controls[0].name)) || "field") + "-error";
    var old = document.getElementById(id);
    if (old) old.remove();
    var div = document.createElement("div");
    div.className = CFG.errorClass;
    div.setAttribute("role", "alert");
    div.setAttribute("data-field-error", "");
    div.id = id;
    div.textContent = msg;
    target.setAttribute("aria-invalid", "true");
    controls.forEach(function (c) { c.setAttribute("aria-invalid", "true"); c.setAttribute("aria-describedby", id); });
    if (target.hasAttribute("data-group")) target.appendChild(div); else target.insertAdjacentElement("afterend", div);
  }
  function isRequired(el) { return el.required || el.getAttribute("aria-required") === "true"; }
  function validate(scope) {
    clearErrors(scope);
    var bad = [];
    all(scope, "[data-group]").forEach(function (fs) {
      var boxes = all(fs, "input");
      if (fs.getAttribute("aria-required") === "true" && !boxes.some(function (b) { return b.checked; })) {
        fieldError(fs, boxes, CFG.messages.required);
        bad.push(boxes[0] || fs);
      }
    });
    all(scope, "input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled || el.type === "hidden" || el.type === "radio" || el.type === "checkbox") return;
      if (el.closest(".g-recaptcha, .h-captcha")) return;
      var empty = el.type === "file" ? el.files.length === 0 : el.value.trim() === "";
      if (empty) {
        if (isRequired(el)) { fieldError(el, [el], CFG.messages.required); bad.push(el); }
        return;
      }
      if (el.type === "email" && !EMAIL.test(el.value.trim())) { fieldError(el, [el], CFG.messages.email); bad.push(el); }
    });
    if (bad.length) {
      bad.sort(function (a, b) { return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1; });
      showStepOf(bad[0]);
      bad[0].focus();
    }
    return bad.length === 0;
  }
  function next() {
    var i = currentStep(), s = steps();
    if (i >= s.length - 1 || !validate(s[i])) return;
    showStep(i + 1);
    window.scrollTo(0, 0);
    var f = s[i + 1].querySelector("input:not([type=hidden]), select, textarea");
    if (f) f.focus();
  }
  document.addEventListener("click", function (e) {
    var t = e.target && e.target.closest ? e.target.closest("[data-next]") : null;
    if (t) { e.preventDefault(); next(); }
  });

  if (CFG.mode === "form") {
    var form = root();
    if (form) form.addEventListener("submit", function (e) {
      var s = steps();
      if (s.length && currentStep() < s.length - 1) { e.preventDefault(); next(); return; }
      if (!validate(form)) { e.preventDefault(); return; }
      var btn = form.querySelector("button[type=submit]");
      if (CFG.hcaptchaInvisible) {
        // The invisible hCaptcha: fetch the token, fill h-captcha-response,
        // then send the form; the applicant is asked nothing.
        var ta = form.querySelector("[name='h-captcha-response']");
        if (ta && !ta.value) {
          e.preventDefault();
          if (btn) { btn.disabled = true; btn.setAttribute("aria-busy", "true"); }
          fetch(CFG.hcaptchaURL, { method: "POST", credentials: "same-origin" })
            .then(function (r) { return r.json(); })
            .then(function (j) { ta.value = (j && j.generated_pass_UUID) || ""; })
            .catch(function () {})
            .then(function () { HTMLFormElement.prototype.submit.call(form); });
          return;
        }
      }
      if (btn) { btn.disabled = true; btn.setAttribute("aria-busy", "true"); }
    });
    return;
  }

  // Ashby: the form is rendered by script, and sent with fetch().
  function failure(holder, msgs) {
    var old = holder.querySelector(".ashby-application-form-failure-container");
    if (old) old.remove();
    var div = document.createElement("div");
    div.className = "ashby-application-form-failure-container";
    div.setAttribute("role", "alert");
    msgs.forEach(function (m) { var p = document.createElement("p"); p.textContent = m; div.appendChild(p); });
    var btn = holder.querySelector(".ashby-application-form-submit-button");
    if (btn && btn.parentNode) btn.parentNode.insertBefore(div, btn); else holder.appendChild(div);
  }
  function beacon() {
    if (!CFG.beacon) return;
    var body = JSON.stringify({ event: "application_submitted", path: location.pathname });
    try { if (navigator.sendBeacon && navigator.sendBeacon(CFG.analyticsURL, body)) return; } catch (x) { /* fall back */ }
    try { fetch(CFG.analyticsURL, { method: "POST", body: body, keepalive: true }); } catch (x) { /* ignore */ }
  }
  function promo() {
    if (!CFG.rejectThanks || document.querySelector("[data-promo]")) return;
    var a = document.createElement("aside");
    a.className = "sidebar-promo";
    a.setAttribute("data-promo", "");
    var h = document.createElement("h3");
    h.textContent = CFG.thanksText;
    var p = document.createElement("p");
    p.textContent = CFG.promoText;
    a.appendChild(h);
    a.appendChild(p);
    document.body.insertBefore(a, document.querySelector("footer"));
  }
  function success(holder) {
    holder.innerHTML = "";
    var div = document.createElement("div");
    div.className = "ashby-application-form-success-container";
    var h = document.createElement("h2");
    h.textContent = "Thanks for applying";
    var p = document.createElement("p");
    p.setAttribute("role", "status");
    p.textContent = "Your application was successfully submitted. We'll contact you if there are next steps.";
    div.appendChild(h);
    div.appendChild(p);
    holder.appendChild(div);
  }
  function submit(btn) {
    var holder = root();
    var old = holder.querySelector(".ashby-application-form-failure-container");
    if (old) old.remove();
    var s = steps();
    if (s.length && currentStep() < s.length - 1) { next(); return; }
    if (!validate(holder)) { failure(holder, [CFG.messages.corrections]); return; }
    var fd = new FormData();
    all(holder, "input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.type === "file") {
        for (var k = 0; k < el.files.length; k++) fd.append(el.name, el.files[k]);
        return;
      }
      fd.append(el.name, el.value);
    });
    btn.disabled = true;
    btn.setAttribute("aria-busy", "true");
    fetch(CFG.submitURL, { method: "POST", body: fd, credentials: "same-origin" })
      .then(function (r) {
        return r.text().then(function (t) {
          var j = null;
          try { j = JSON.parse(t); } catch (x) { j = null; }
          return { status: r.status, body: j };
        });
      })
      .then(function (res) {
        btn.disabled = false;
        btn.removeAttribute("aria-busy");
        var data = res.body && res.body.data;
        if (res.status === 200 && data && data.submitSingleApplicationForm && data.submitSingleApplicationForm.success) {
          success(holder);
          beacon();
          return;
        }
        if (res.status === 422) promo();
        if (res.status >= 500 || !res.body) { failure(holder, [CFG.messages.generic]); return; }
        var msgs = [], firstBad = null;
        (res.body.errors || []).forEach(function (er) {
          if (er.field) {
            var el = all(holder, "input, select, textarea").filter(function (c) { return c.name === er.field; })[0];
            if (el) {
              var fs = el.closest("[data-group]");
              if (fs) fieldError(fs, all(fs, "input"), er.message); else fieldError(el, [el], er.message);
              if (!firstBad) firstBad = el;
            }
            msgs.push((er.label ? er.label + ": " : "") + er.message);
          } else {
            msgs.push(er.message);
          }
        });
        if (!msgs.length) msgs.push(CFG.messages.generic);
        if (firstBad) showStepOf(firstBad);
        failure(holder, msgs);
      })
      .catch(function () {
        btn.disabled = false;
        btn.removeAttribute("aria-busy");
        failure(holder, [CFG.messages.generic]);
      });
  }
  setTimeout(function () {
    var holder = root(), tpl = document.getElementById("ashby-application-form-template");
    if (!holder || !tpl) return;
    holder.appendChild(document.importNode(tpl.content, true));
    holder.removeAttribute("aria-busy");
  }, CFG.renderDelayMs);
  document.addEventListener("click", function (e) {
    var b = e.target && e.target.closest ? e.target.closest(".ashby-application-form-submit-button") : null;
    if (!b) return;
    e.preventDefault();
    if (!b.disabled) submit(b);
  });
})();
`

// captchaScript runs in a captcha widget's frame: ticking the checkbox puts
// TOKEN in the parent page's field named __FIELD__.
const captchaScript = `(function () {
  var box = document.querySelector("input[type=checkbox]");
  box.addEventListener("change", function () {
    var t = null;
    try { t = window.parent.document.getElementsByName(__FIELD__)[0]; } catch (e) { t = null; }
    if (t) t.value = box.checked ? window.TOKEN : "";
    box.setAttribute("aria-checked", box.checked ? "true" : "false");
  });
})();
`

const baseCSS = `*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2933;background:#fff}
main,.page-application,#root{max-width:760px;margin:0 auto;padding:24px}
h1{font-size:28px;margin:8px 0}h2{font-size:22px}h3{font-size:18px;margin:24px 0 8px}
label,legend{display:block;font-weight:600;margin-bottom:4px}
.option label{display:inline;font-weight:400;margin-left:6px}
input[type=text],input[type=email],input[type=tel],input[type=url],input[type=password],select,textarea{width:100%;padding:10px 12px;border:1px solid #c1c7d0;border-radius:6px;font:inherit;background:#fff}
textarea{min-height:110px}
fieldset{border:0;padding:0;margin:0 0 18px}
.required{color:#c0392b;margin-left:2px}
[aria-invalid=true]{border-color:#c0392b!important}
[role=alert]{color:#b3261e;font-size:14px;margin-top:4px}
.error-summary{border:1px solid #e3a39c;background:#fdecea;border-radius:6px;padding:10px 14px;margin-bottom:16px}
.file-hint{font-size:13px;color:#67717e}
button{font:inherit;cursor:pointer}
.step-indicator{color:#67717e;font-size:14px}
.next-button,.sso-button,.btn{padding:10px 22px;border-radius:6px;border:1px solid #1f2933;background:#fff}
.captcha-section{margin:16px 0}
.captcha-section iframe{border:1px solid #d3d3d3;border-radius:3px;background:#f9f9f9}
.login-page{max-width:420px}.login-page .field-wrapper{margin-bottom:14px}
.divider{text-align:center;color:#67717e;margin:16px 0}
.message-page{padding-top:60px}
footer{text-align:center;color:#8a94a6;font-size:13px;padding:32px 0}
`

var platformCSS = map[domain.Platform]string{
	domain.PlatformGreenhouse: `.company-header{border-bottom:1px solid #e6e8eb;padding:16px 24px;font-weight:700;font-size:20px;color:#15372c}
.job__location{color:#67717e}.job__description{margin:16px 0 32px}
.application--container{border-top:1px solid #e6e8eb;padding-top:16px}
.field-wrapper{margin-bottom:18px}
.btn--pill,.application--submit button{background:#15372c;color:#fff;border:0;border-radius:999px;padding:12px 28px;font-weight:600}
.helper-text--error{color:#b3261e}
`,
	domain.PlatformLever: `.main-header{background:#fff;border-bottom:1px solid #e2e2e2;padding:18px 24px;font-weight:700;font-size:20px}
.posting-headline h2{font-size:28px;margin-bottom:4px}.posting-category{display:inline-block;color:#808080;text-transform:uppercase;font-size:12px;letter-spacing:1px;margin-right:12px}
.application-section,.application-step{border-top:1px solid #e2e2e2;padding-top:8px}
.section-title{text-transform:uppercase;letter-spacing:2px;font-size:14px;color:#515357}
.application-question{margin-bottom:18px}
.template-btn-submit{background:#579eee;color:#fff;border:0;border-radius:3px;padding:12px 40px;text-transform:uppercase;letter-spacing:1px;font-weight:600}
`,
	domain.PlatformAshby: `.ashby-job-posting-organization-name{font-weight:700;color:#4a3aff}
.ashby-job-posting-location{color:#67717e}
.ashby-job-posting-tabs span{display:inline-block;padding:8px 14px;color:#67717e}.ashby-job-posting-tabs .active{color:#1f2933;border-bottom:2px solid #4a3aff}
.ashby-application-form-field-entry,.ashby-application-form-container fieldset{margin-bottom:18px}
.ashby-application-form-submit-button{width:100%;background:#4a3aff;color:#fff;border:0;border-radius:8px;padding:12px;font-weight:600}
.ashby-application-form-submit-button[disabled]{opacity:.6}
.ashby-application-form-failure-container{border:1px solid #e3a39c;background:#fdecea;border-radius:8px;padding:10px 14px;margin:12px 0}
.ashby-application-form-success-container{border:1px solid #b7e4c7;background:#eefaf1;border-radius:8px;padding:24px;text-align:center}
`,
}

const captchaCSS = `body{margin:0;font-family:Roboto,Arial,sans-serif;font-size:14px}
.anchor{display:flex;align-items:center;gap:10px;height:74px;padding:0 12px;border:1px solid #d3d3d3;border-radius:3px;background:#f9f9f9}
.anchor input{width:24px;height:24px}.anchor label{flex:1}
.brand{text-align:center;font-size:10px;color:#555}.brand b{display:block;font-size:11px}
`
