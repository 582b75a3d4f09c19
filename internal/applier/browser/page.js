// What the browser applier does inside a form's page. Go evaluates
// (function …)(cfg, op, arg): cfg is the platform's conventions
// (platforms.go), op what to do, arg its argument. It only reads the page,
// fills the fields it is given and marks elements for Go to click or to
// upload to: it never submits anything itself.
(function (cfg, op, arg) {
  const all = (sel, root) => sel ? Array.from((root || document).querySelectorAll(sel)) : [];
  const lower = (s) => (s || "").toLowerCase();
  const squash = (s) => (s || "").replace(/\s+/g, " ").trim();
  const text = (el) => squash(el.innerText || el.textContent);
  const visible = (el) => {
    if (!el || !el.isConnected || el.closest("[hidden]")) return false;
    const st = getComputedStyle(el);
    return st.display !== "none" && st.visibility !== "hidden" && el.getClientRects().length > 0;
  };
  // A file input is often hidden behind a styled button: it is shown when
  // what holds it is.
  const shown = (el) => visible(el) || (el.type === "file" && !el.closest("[hidden]") && visible(el.parentElement));
  const form = () => {
    for (const sel of cfg.form) {
      const f = all(sel).find(visible);
      if (f) return f;
    }
    return null;
  };
  const controls = (root) => all("input, select, textarea", root).filter((el) =>
    !["hidden", "submit", "button", "reset", "image"].includes(lower(el.type)) && !el.disabled && shown(el));
  const key = (el) => el.name || el.id || "";
  const grouped = (els) => {
    const out = new Map();
    for (const el of els) {
      const k = key(el);
      if (!k) continue;
      if (!out.has(k)) out.set(k, []);
      out.get(k).push(el);
    }
    return out;
  };
  const labelOf = (el) => {
    const group = el.closest("fieldset");
    if ((el.type === "radio" || el.type === "checkbox") && group) {
      const legend = group.querySelector("legend");
      if (legend) return text(legend);
    }
    if (el.id) {
      const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) return text(l);
    }
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const n = document.getElementById(by.split(" ")[0]);
      if (n) return text(n);
    }
    const l = el.closest("label");
    if (l) return text(l);
    return el.getAttribute("aria-label") || el.getAttribute("placeholder") || key(el);
  };
  const required = (els) => els.some((el) => el.required || el.getAttribute("aria-required") === "true");
  const filled = (els) => els.some((el) => {
    if (el.type === "checkbox" || el.type === "radio") return el.checked;
    if (el.type === "file") return !!(el.files && el.files.length);
    return squash(el.value) !== "";
  });
  const page = () => lower(document.body ? document.body.innerText : "");
  const has = (texts) => { const p = page(); return (texts || []).some((t) => p.includes(t)); };
  const buttons = (root) => all('button, input[type=submit], input[type=button], [role=button]', root).filter(visible);
  const buttonText = (b) => lower(squash(b.value && b.tagName === "INPUT" ? b.value : text(b)));
  const submitButton = (f) => {
    const bs = all(cfg.submit, f || document).filter(visible);
    return bs.find((b) => /submit|apply|send/.test(buttonText(b))) || bs[0] || null;
  };
  const nextButton = (f) => {
    const marked = all(cfg.next, f || document).find(visible);
    if (marked) return marked;
    return buttons(f || document).find((b) => b.type !== "submit" && cfg.nextTexts.includes(buttonText(b))) || null;
  };
  const messages = () => {
    const seen = new Set();
    for (const el of all(cfg.errors + ", " + cfg.commonErrors)) {
      if (!visible(el)) continue;
      const t = squash(text(el));
      if (t) seen.add(t.slice(0, 300));
    }
    return Array.from(seen).slice(0, 20);
  };
  const invalid = () => {
    const out = new Set();
    for (const el of all('[aria-invalid="true"]')) if (shown(el)) out.add(labelOf(el));
    return Array.from(out).slice(0, 20);
  };

  const setValue = (el, v) => {
    const proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype
      : el.tagName === "SELECT" ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value").set.call(el, v);
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const truthy = (v) => ["true", "1", "yes", "on"].includes(lower(squash(v)));
  const falsy = (v) => ["false", "0", "no", "off"].includes(lower(squash(v)));
  // The option a value picks: the one whose value, else whose label, is
  // the value; only when none is, a yes/no answer picks the option that
  // says yes/no.
  const exact = (optValue, optLabel, v) => {
    const want = lower(squash(v));
    return lower(squash(optValue)) === want || lower(squash(optLabel)) === want;
  };
  const yesNo = (optValue, optLabel, v) => {
    const says = (words) => words.includes(lower(squash(optLabel))) || words.includes(lower(squash(optValue)));
    if (truthy(v)) return says(["yes", "true", "1"]);
    if (falsy(v)) return says(["no", "false", "0"]);
    return false;
  };
  const pick = (opts, valueOf, labelOf, v) =>
    opts.find((o) => exact(valueOf(o), labelOf(o), v)) || opts.find((o) => yesNo(valueOf(o), labelOf(o), v));
  const matches = (optValue, optLabel, v) => exact(optValue, optLabel, v) || yesNo(optValue, optLabel, v);
  const choiceLabel = (el) => {
    if (el.id) {
      const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) return text(l);
    }
    const l = el.closest("label");
    return l ? text(l) : el.value;
  };
  // fill puts one entry's value in its group of controls; it answers
  // "filled", "file" (marked for Go to upload), or why it could not.
  const fill = (els, e, i) => {
    const el = els[0];
    if (el.type === "file") {
      if (!e.file) return "needs_file";
      el.setAttribute("data-applyq-file", String(i));
      return "file";
    }
    if (e.file) return "needs_file";
    const values = e.values && e.values.length ? e.values : [e.value];
    if (el.tagName === "SELECT") {
      const opts = Array.from(el.options).filter((o) => o.value !== "");
      const want = values.map((v) => pick(opts, (o) => o.value, (o) => o.text, v));
      if (want.some((o) => !o)) return "not_an_option";
      if (el.multiple) {
        for (const o of el.options) o.selected = want.includes(o);
        el.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        setValue(el, want[0].value);
      }
      return "filled";
    }
    if (el.type === "radio") {
      const r = pick(els, (x) => x.value, choiceLabel, values[0]);
      if (!r) return "not_an_option";
      if (!r.checked) r.click();
      return "filled";
    }
    if (el.type === "checkbox") {
      if (els.length === 1 && values.length === 1 && (truthy(values[0]) || falsy(values[0])) && !matches(el.value, choiceLabel(el), values[0])) {
        if (el.checked !== truthy(values[0])) el.click();
        return "filled";
      }
      const want = values.map((v) => pick(els, (x) => x.value, choiceLabel, v));
      if (want.some((x) => !x)) return "not_an_option";
      for (const x of els) if (x.checked !== want.includes(x)) x.click();
      return "filled";
    }
    setValue(el, values.join(", "));
    return "filled";
  };

  switch (op) {
  case "inspect": {
    const f = form();
    const loginWall = all(cfg.login).some(visible) || (has(cfg.loginTexts) && !(f && controls(f).length > 2));
    const sub = submitButton(f);
    const next = nextButton(f);
    return {
      url: location.href,
      ready: document.readyState !== "loading",
      captcha: all(cfg.captcha).length > 0,
      login: loginWall,
      form: !!f,
      submit: !!sub,
      next: !sub && !!next,
      // A confirmation's words count only once the form is gone: a form
      // may thank its applicants before they apply.
      confirmed: all(cfg.confirmation).some(visible) || (has(cfg.confirmationTexts) && !(f && sub)) ||
        (cfg.confirmationPaths || []).some((p) => location.pathname.replace(/\/+$/, "").endsWith(p)),
      tooMany: has(cfg.tooManyTexts),
      messages: messages(),
      invalid: invalid(),
      step: f ? controls(f).map(key).join("|") : "",
    };
  }
  case "fill": {
    // arg: [{names: [...], value, values}]; answers one status per entry
    // ("absent" when no shown field has any of its names).
    const f = form();
    const groups = f ? grouped(controls(f)) : new Map();
    return arg.map((e, i) => {
      if (e.skip) return "skip";
      // The first name with a field that takes the value: a text answer
      // goes on to a file field's text alternative.
      let status = "absent";
      for (const n of e.names) {
        const els = groups.get(n);
        if (!els || !els.length) continue;
        status = fill(els, e, i);
        if (status !== "needs_file") return status;
      }
      return status;
    });
  }
  case "missing": {
    // The shown required fields still empty: applyq has no approved
    // answer for them.
    const f = form();
    const out = [];
    if (!f) return out;
    for (const [k, els] of grouped(controls(f))) {
      if (required(els) && !filled(els)) out.push({ name: k, label: labelOf(els[0]) });
    }
    return out;
  }
  case "filledValues": {
    // What the form holds now, for the evidence: arg lists the names.
    const f = form();
    const groups = f ? grouped(all("input, select, textarea", f)) : new Map();
    const out = {};
    for (const n of arg) {
      const els = groups.get(n);
      if (!els) continue;
      const el = els[0];
      if (el.type === "file") out[n] = Array.from(el.files || []).map((x) => x.name);
      else if (el.type === "radio" || el.type === "checkbox") out[n] = els.filter((x) => x.checked).map((x) => x.value);
      else if (el.tagName === "SELECT") out[n] = Array.from(el.selectedOptions).map((o) => o.value);
      else out[n] = [el.value];
    }
    return out;
  }
  case "mark": {
    // Marks the button Go clicks next: arg is "submit" or "next".
    const f = form();
    for (const el of all("[data-applyq-click]")) el.removeAttribute("data-applyq-click");
    const b = arg === "submit" ? submitButton(f) : nextButton(f);
    if (!b) return false;
    b.setAttribute("data-applyq-click", arg);
    b.scrollIntoView({ block: "center" });
    return true;
  }
  }
  throw new Error("unknown op " + op);
})
