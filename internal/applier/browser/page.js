// What the browser applier does inside a form's page. It runs in an
// isolated world of its own (the page's scripts cannot see or change it;
// both share the DOM). Go evaluates (function …)(cfg, op, arg): cfg is the
// platform's conventions (platforms.go), op what to do, arg its argument.
// It reads the page, fills plain fields, and marks elements for Go to
// click, type into or upload to with real input events: it never submits
// anything itself, and it touches nothing on a page outside the
// platform's own origins.
(function (cfg, op, arg) {
  const all = (sel, root) => sel ? Array.from((root || document).querySelectorAll(sel)) : [];
  const lower = (s) => (s || "").toLowerCase();
  const squash = (s) => (s || "").replace(/\s+/g, " ").trim();
  const text = (el) => squash(el ? (el.innerText || el.textContent) : "");
  const norm = (s) => lower(squash(s)).replace(/[\s*✱]+$/u, "").trim();
  const visible = (el) => {
    if (!el || !el.isConnected || el.closest("[hidden], [aria-hidden=true]")) return false;
    const st = getComputedStyle(el);
    if (st.display === "none" || st.visibility === "hidden" || st.opacity === "0") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const ownOrigin = () => (cfg.origins || []).includes(location.origin);

  // --- the form and its fields ---------------------------------------
  const form = () => {
    for (const sel of cfg.form) {
      const f = all(sel).find(visible);
      if (f) return f;
    }
    return null;
  };
  const inCaptcha = (el) => !!el.closest(cfg.captchaBoxes);
  // wrapOf is a field's entry: the element that holds its label and its
  // control(s) (null when the platform's markup has none).
  const wrapOf = (el) => el.closest(cfg.fieldWraps);
  // A file input is often hidden behind a styled button or a drop zone:
  // it is shown when its entry is.
  const shownControl = (el) => visible(el) || (el.type === "file" && !el.closest("[hidden]") && visible(wrapOf(el) || el.parentElement));
  // A field's keys: its name, its entry's field name (a combobox's hidden
  // twin carries the name; Ashby names an entry by its path), its id, and
  // the id as a multi-value name ("question_1[]"). The first is its own.
  const keys = (el) => {
    const box = el.closest("[data-field], [data-field-path]");
    const out = [el.getAttribute("name"), box && (box.getAttribute("data-field") || box.getAttribute("data-field-path")), el.id, el.id && el.id + "[]"];
    return out.filter((k, i) => k && out.indexOf(k) === i);
  };
  const key = (el) => keys(el)[0] || "";
  const labelText = (n) => {
    if (!n) return "";
    const c = n.cloneNode(true);
    for (const x of c.querySelectorAll("input, select, textarea, button, [role=listbox], .visually-hidden, [aria-hidden=true]")) x.remove();
    return squash(c.textContent).replace(/[\s*✱]+$/u, "").trim();
  };
  const isChoice = (el) => el.type === "radio" || el.type === "checkbox";
  // An option's own label names the option, never the question.
  const isOptionLabel = (l) => {
    if (l.querySelector("input[type=radio], input[type=checkbox], [role=radio]")) return true;
    const t = l.htmlFor && document.getElementById(l.htmlFor);
    return !!t && isChoice(t);
  };
  const questionLabel = (w) => w ? all(cfg.labels, w).find((l) => !isOptionLabel(l) && labelText(l)) : null;
  const labelOf = (el) => {
    if (isChoice(el)) {
      const group = el.closest("fieldset");
      const legend = group && group.querySelector("legend");
      if (legend && labelText(legend)) return labelText(legend);
      const rg = el.closest("[role=radiogroup], [role=group]");
      const by = rg && rg.getAttribute("aria-labelledby");
      if (by && document.getElementById(by.split(" ")[0])) return labelText(document.getElementById(by.split(" ")[0]));
      if (rg && rg.getAttribute("aria-label")) return rg.getAttribute("aria-label");
      const q = questionLabel(wrapOf(el));
      if (q) return labelText(q);
      return squash(choiceLabel(el)); // a lone checkbox: its own words
    }
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const n = document.getElementById(by.split(" ")[0]);
      if (n && n.getAttribute("role") !== "option" && labelText(n)) return labelText(n);
    }
    if (el.id) {
      const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l && labelText(l)) return labelText(l);
    }
    const q = questionLabel(wrapOf(el));
    if (q) return labelText(q);
    const l = el.closest("label");
    if (l) return labelText(l);
    return el.getAttribute("aria-label") || el.getAttribute("placeholder") || key(el);
  };
  const requiredMark = (w) => {
    if (!w) return false;
    if (w.matches(cfg.requiredMarks) || all(cfg.requiredMarks, w).some((x) => !x.matches("input, select, textarea"))) return true;
    const l = questionLabel(w);
    return !!l && /[*✱]\s*$/u.test(squash(l.textContent));
  };
  const isRequired = (els) => els.some((el) => el.required || el.getAttribute("aria-required") === "true" ||
    (el.closest("fieldset") && el.closest("fieldset").getAttribute("aria-required") === "true")) || requiredMark(wrapOf(els[0]));
  const choiceLabel = (el) => {
    if (el.id) {
      const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) return text(l);
    }
    const l = el.closest("label");
    return l ? text(l) : el.value;
  };

  // choiceButtons are the buttons of a question answered by pressing one
  // (Ashby's Yes/No).
  const choiceButtons = (w) => all(cfg.choiceButtons, w).filter(visible);
  const pressed = (b) => b.getAttribute("aria-pressed") === "true" || b.getAttribute("aria-checked") === "true" ||
    b.getAttribute("aria-selected") === "true" || /(^|[\s_-])(active|selected|checked)([\s_-]|$)/i.test(b.className);
  // comboState is what a combobox shows as chosen: the labels its box
  // shows (a single value, chips), the text in its input, and whether the
  // hidden inputs of its entry (a place's id) hold something.
  const comboState = (el) => {
    const box = el.closest(cfg.comboBoxes) || wrapOf(el) || el.parentElement;
    const shown = all(cfg.comboValues, box).filter(visible).map(text).filter(Boolean);
    const hidden = all("input[type=hidden]", wrapOf(el) || box);
    return { shown, input: el.tagName === "INPUT" ? squash(el.value) : "", hidden: hidden.length, hiddenFilled: hidden.some((h) => squash(h.value) !== "") };
  };
  const comboCommitted = (el) => {
    const st = comboState(el);
    if (st.shown.length) return st.shown;
    if (st.input && (st.hidden === 0 || st.hiddenFilled) && el.getAttribute("aria-expanded") !== "true") return [st.input];
    return [];
  };
  // fields lists the form's questions as shown: plain controls grouped by
  // name, comboboxes, choice buttons and file inputs, with the entry each
  // is in.
  const fields = (root, everything) => {
    const out = [];
    const byKey = new Map();
    const add = (ks, kind, el) => {
      if (!ks.length) return;
      let f = ks.map((k) => byKey.get(k)).find(Boolean);
      if (!f) {
        f = { key: ks[0], keys: ks, kind, els: [] };
        out.push(f);
      }
      for (const k of ks) if (!byKey.has(k)) byKey.set(k, f);
      f.els.push(el);
    };
    for (const el of all("input, select, textarea, [role=combobox]", root)) {
      if (inCaptcha(el) || el.disabled) continue;
      const t = lower(el.type);
      if (["hidden", "submit", "button", "reset", "image"].includes(t)) continue;
      if (!everything && !shownControl(el)) continue;
      const ks = t === "radio" || t === "checkbox" ? [key(el)].filter(Boolean) : keys(el);
      if (el.getAttribute("role") === "combobox") add(ks, "combobox", el);
      else if (t === "file") add(ks, "file", el);
      else add(ks, el.tagName === "SELECT" ? "select" : t === "radio" || t === "checkbox" ? t : el.tagName === "TEXTAREA" ? "textarea" : "text", el);
    }
    for (const b of all(cfg.choiceButtons, root)) {
      const w = wrapOf(b);
      if (!w || !visible(b) || all("input:not([type=hidden]), select, textarea, [role=combobox]", w).some(shownControl)) continue;
      if (choiceButtons(w).length < 2) continue;
      const q = questionLabel(w);
      const k = w.getAttribute("data-field") || w.getAttribute("data-field-path") || w.id || (q && q.htmlFor) || labelText(q);
      if (!byKey.has(k)) add([k], "buttons", w);
    }
    // A file field whose input the page removed once the file was taken
    // (an upload chip shows instead) keeps its key on the entry.
    for (const w of all("[data-applyq-filekey]", root)) {
      const k = w.getAttribute("data-applyq-filekey");
      if (!byKey.has(k)) add([k], "file", w);
    }
    return out;
  };
  // byKeys maps every key of every field to the field.
  const byKeys = (fs) => {
    const m = new Map();
    for (const f of fs) for (const k of f.keys) if (!m.has(k)) m.set(k, f);
    return m;
  };
  const filledField = (f) => {
    switch (f.kind) {
    case "radio": case "checkbox": return f.els.some((el) => el.checked);
    case "file": return f.els.some((el) => el.tagName === "INPUT" ? !!(el.files && el.files.length) : true) || !!f.els[0].closest("[data-applyq-chip]") || !!f.els[0].querySelector("[data-applyq-chip]");
    case "combobox": return comboCommitted(f.els[0]).length > 0;
    case "buttons": return choiceButtons(f.els[0]).some(pressed);
    }
    return squash(f.els[0].value) !== "";
  };

  // --- what the page shows -------------------------------------------
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
  const applyButton = () => buttons(document).find((b) => cfg.applyTexts.includes(buttonText(b)) && !b.closest("form")) || null;
  const messages = () => {
    const seen = new Set();
    for (const el of all(cfg.errors + ", " + cfg.commonErrors)) {
      if (!visible(el)) continue;
      const t = squash(text(el));
      if (t) seen.add(t.slice(0, 300));
    }
    for (const el of all('[aria-invalid="true"]')) {
      if (shownControl(el)) seen.add(labelOf(el).slice(0, 300));
    }
    return Array.from(seen).slice(0, 20);
  };
  // A posed challenge: a shown challenge frame (reCAPTCHA's bframe, an
  // hCaptcha challenge), or a checkbox widget shown without the invisible
  // kind's badge. Only frames count, never class names: an invisible,
  // score-based widget and a stylesheet rule naming one are part of the
  // page, not a challenge.
  const challenge = () => {
    const frames = all("iframe").filter(visible);
    const src = (f) => lower(f.getAttribute("src") || f.src || "");
    const big = (f) => { const r = f.getBoundingClientRect(); return r.width >= 100 && r.height >= 100; };
    if (frames.some((f) => src(f).includes("recaptcha") && src(f).includes("bframe") && big(f))) return "an image puzzle";
    if (frames.some((f) => src(f).includes("hcaptcha") && (src(f).includes("challenge") || lower(f.title).includes("challenge")) && big(f))) return "an image puzzle";
    const badge = all(".grecaptcha-badge").some(visible);
    if (!badge && frames.some((f) => src(f).includes("recaptcha") && src(f).includes("anchor") && !src(f).includes("size=invisible"))) return "a checkbox to tick";
    if (frames.some((f) => src(f).includes("hcaptcha") && src(f).includes("checkbox") && !src(f).includes("size=invisible"))) return "a checkbox to tick";
    if (frames.some((f) => src(f).includes("challenges.cloudflare.com"))) return "a Turnstile check";
    return "";
  };
  // widgets are the invisible, score-based checks a page loads: part of
  // the page, never a reason to stop (told by the probe).
  const widgets = () => {
    const out = [];
    const src = (f) => lower(f.getAttribute("src") || "");
    const frames = all("iframe");
    if (all(".grecaptcha-badge").length || frames.some((f) => src(f).includes("recaptcha") && src(f).includes("size=invisible"))) out.push("an invisible reCAPTCHA (score-based)");
    if (all('.h-captcha[data-size="invisible"], [data-hcaptcha-widget-id]').length || frames.some((f) => src(f).includes("hcaptcha") && src(f).includes("size=invisible"))) out.push("an invisible hCaptcha");
    return out;
  };
  const codeInputs = () => {
    const marked = all(cfg.codeInputs).filter(visible);
    if (marked.length) return marked;
    const ones = all('input[maxlength="1"]').filter(visible);
    if (ones.length >= 4 && has(cfg.codeTexts)) return ones;
    return all('input[autocomplete="one-time-code"]').filter(visible);
  };
  const signals = () => {
    const out = [];
    if (all(cfg.confirmation).some(visible)) out.push("element");
    if ((cfg.confirmationPaths || []).some((p) => location.pathname.replace(/\/+$/, "").endsWith(p))) out.push("path");
    const p = page();
    for (const t of cfg.confirmationTexts) if (p.includes(t)) out.push("text:" + t);
    return out;
  };
  // holds: the fields applyq filled still hold something (the form was
  // not emptied by a submission).
  const holds = () => {
    const marked = all("[data-applyq-filled]");
    return marked.length > 0 && marked.every((el) => el.isConnected && (el.type === "checkbox" || el.type === "radio" ? true : squash(el.value) !== ""));
  };

  // --- filling ---------------------------------------------------------
  const setValue = (el, v) => {
    const proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype
      : el.tagName === "SELECT" ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, "value").set.call(el, v);
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    el.dispatchEvent(new Event("blur", { bubbles: true }));
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
  const markFilled = (el) => el.setAttribute("data-applyq-filled", "");
  // fill puts one entry's value in its field; it answers "filled", a
  // control for Go to drive ("file", "combobox", "buttons", each marked
  // with the entry's index), or why it could not.
  const fill = (f, e, i) => {
    const els = f.els, el = els[0];
    if (f.kind === "file") {
      if (!e.file) return "needs_file";
      if (el.tagName !== "INPUT") return "filled"; // taken already (a chip shows it)
      el.setAttribute("data-applyq-file", String(i));
      const w = wrapOf(el) || el.parentElement;
      w.setAttribute("data-applyq-filekey", f.key);
      w.setAttribute("data-applyq-upload", String(i));
      return "file";
    }
    if (e.file) return "needs_file";
    const values = e.values && e.values.length ? e.values : [e.value];
    if (f.kind === "combobox") {
      el.setAttribute("data-applyq-combo", String(i));
      return "combobox";
    }
    if (f.kind === "buttons") {
      const b = pick(choiceButtons(el), (x) => x.value || x.getAttribute("data-value") || x.getAttribute("data-option") || text(x), text, values[0]);
      if (!b) return "not_an_option";
      el.setAttribute("data-applyq-field", String(i));
      b.setAttribute("data-applyq-choice", String(i));
      return "buttons";
    }
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
      markFilled(el);
      return "filled";
    }
    if (el.type === "radio") {
      const r = pick(els, (x) => x.value, choiceLabel, values[0]);
      if (!r) return "not_an_option";
      if (!r.checked) r.click();
      markFilled(r);
      return "filled";
    }
    if (el.type === "checkbox") {
      if (els.length === 1 && values.length === 1 && (truthy(values[0]) || falsy(values[0])) && !matches(el.value, choiceLabel(el), values[0])) {
        if (el.checked !== truthy(values[0])) el.click();
        markFilled(el);
        return "filled";
      }
      const want = values.map((v) => pick(els, (x) => x.value, choiceLabel, v));
      if (want.some((x) => !x)) return "not_an_option";
      for (const x of els) if (x.checked !== want.includes(x)) x.click();
      want.forEach(markFilled);
      return "filled";
    }
    setValue(el, values.join(", "));
    markFilled(el);
    return "filled";
  };

  // --- reading a form (discovery) -------------------------------------
  const sectionOf = (el) => {
    // The nearest heading before the field, in its form: EEO and
    // self-identification sections say what their questions are.
    let n = el;
    while (n && n !== document.body) {
      let s = n.previousElementSibling;
      while (s) {
        const h = s.matches("h1, h2, h3, h4, legend, .section-title, [role=heading]") ? s : s.querySelector("h1, h2, h3, h4, legend, [role=heading]");
        if (h) return text(h);
        s = s.previousElementSibling;
      }
      n = n.parentElement;
    }
    return "";
  };
  const describe = (f) => {
    const el = f.els[0];
    const d = { field: f.key, label: "", kind: "text", required: isRequired(f.els), options: [], section: "" };
    d.label = f.kind === "buttons" ? labelText(el.querySelector(cfg.labels)) : labelOf(el);
    d.section = sectionOf(f.kind === "buttons" ? el : wrapOf(el) || el);
    switch (f.kind) {
    case "textarea": d.kind = "textarea"; break;
    case "file": d.kind = "file"; break;
    case "select":
      d.kind = el.multiple ? "multi_select" : "single_select";
      d.options = Array.from(el.options).filter((o) => o.value !== "").map((o) => ({ label: squash(o.text), value: o.value }));
      break;
    case "radio":
      d.kind = "single_select";
      d.options = f.els.map((x) => ({ label: squash(choiceLabel(x)), value: x.value }));
      break;
    case "checkbox":
      d.kind = f.els.length === 1 ? "boolean" : "multi_select";
      if (f.els.length > 1) d.options = f.els.map((x) => ({ label: squash(choiceLabel(x)), value: x.value }));
      break;
    case "buttons":
      d.kind = "single_select";
      d.options = choiceButtons(el).map((b) => ({ label: text(b), value: b.value || b.getAttribute("data-value") || b.getAttribute("data-option") || text(b) }));
      break;
    case "combobox":
      const read = (arg && arg[f.key]) || {};
      d.kind = read.multi || f.key.endsWith("[]") || /is-multi/.test((el.closest("[class*=value-container]") || {}).className || "") ? "multi_select" : "single_select";
      d.options = (read.options || comboOptions(el).map((o) => o.label)).map((l) => ({ label: l, value: l }));
      if (!d.options.length) d.kind = "text"; // options come as you type (a place, a school)
      break;
    default:
      d.kind = el.type === "number" ? "number" : el.type === "date" ? "date" : "text";
    }
    if ((d.kind === "single_select") && d.options.length === 2 && d.options.every((o) => ["yes", "no"].includes(lower(o.label)))) d.kind = "boolean";
    return d;
  };
  const listboxOf = (el) => {
    const id = el.getAttribute("aria-controls") || el.getAttribute("aria-owns");
    const lb = id && document.getElementById(id.split(" ")[0]);
    if (lb) return lb;
    const box = el.closest(cfg.comboBoxes) || wrapOf(el);
    return (box && box.querySelector("[role=listbox]")) || all("[role=listbox]").find(visible) || null;
  };
  const comboOptions = (el) => {
    const lb = listboxOf(el);
    if (!lb || !visible(lb)) return [];
    return all("[role=option]", lb).filter(visible).map((o, n) => ({ label: text(o), id: o.id, n }));
  };

  switch (op) {
  case "inspect": {
    const f = form();
    const loginWall = all(cfg.login).some(visible) || (has(cfg.loginTexts) && !(f && fields(f).length > 2));
    const sub = submitButton(f);
    const next = nextButton(f);
    const fs = f ? fields(f) : [];
    return {
      url: location.href,
      own: ownOrigin(),
      ready: document.readyState !== "loading",
      challenge: challenge(),
      challengeRefusal: has(cfg.challengeTexts),
      login: loginWall,
      form: !!f,
      apply: !f && !!applyButton(),
      submit: !!sub,
      next: !sub && !!next,
      holds: holds(),
      signals: signals(),
      tooMany: has(cfg.tooManyTexts),
      codeStep: codeInputs().length > 0,
      widgets: widgets(),
      messages: messages(),
      step: fs.map((x) => x.key).join("|"),
    };
  }
  case "fill": {
    // arg: the entries ({names, value, values, file, skip}); answers one
    // status per entry ("absent" when no shown field has any of its
    // names). Nothing is touched on a page of another origin.
    if (!ownOrigin()) return arg.map(() => "foreign");
    const f = form();
    const byKey = byKeys(f ? fields(f) : []);
    return arg.map((e, i) => {
      if (e.skip) return "skip";
      // The first name with a field that takes the value: a text answer
      // goes on to a file field's text alternative.
      let status = "absent";
      for (const n of e.names) {
        const fld = byKey.get(n);
        if (!fld) continue;
        status = fill(fld, e, i);
        if (status !== "needs_file") return status;
      }
      return status;
    });
  }
  case "missing": {
    // The shown required fields still empty: applyq has no approved
    // answer for them.
    const f = form();
    if (!f) return [];
    return fields(f).filter((x) => isRequired(x.els) && !filledField(x))
      .map((x) => ({ name: x.key, label: x.kind === "buttons" ? labelText(x.els[0].querySelector(cfg.labels)) : labelOf(x.els[0]) }));
  }
  case "discover": {
    // Every shown field of the form, as a question (nothing is typed).
    const f = form();
    // arg: the options Go read from each combobox, by key.
    return f ? fields(f).map(describe) : [];
  }
  case "openCombo": {
    // Marks the combobox whose options discovery reads (Go clicks it).
    const f = form();
    const fld = (f ? fields(f) : []).find((x) => x.keys.includes(arg) && x.kind === "combobox");
    if (!fld) return false;
    fld.els[0].setAttribute("data-applyq-combo", "read");
    return true;
  }
  case "comboOptions": {
    // arg: {i, want: [labels or values]}: the options shown now, and the
    // one to pick marked for Go's click.
    const el = document.querySelector('[data-applyq-combo="' + arg.i + '"]');
    if (!el) return { gone: true, options: [] };
    const lb = listboxOf(el);
    const opts = lb && visible(lb) ? all("[role=option]", lb).filter(visible) : [];
    for (const o of all("[data-applyq-option]")) o.removeAttribute("data-applyq-option");
    const o = opts.find((x) => arg.want.some((w) => norm(text(x)) === norm(w) || lower(x.getAttribute("data-value") || "") === lower(w))) ||
      (arg.loose ? opts.filter((x) => arg.want.every((w) => lower(text(x)).includes(lower(w))))[0] : null);
    if (o && (!arg.loose || opts.filter((x) => arg.want.every((w) => lower(text(x)).includes(lower(w)))).length === 1)) {
      o.setAttribute("data-applyq-option", String(arg.i));
      o.scrollIntoView({ block: "nearest" });
    }
    return { gone: false, options: opts.map(text).slice(0, 50), picked: !!document.querySelector("[data-applyq-option]"), busy: !!(lb && lb.getAttribute("aria-busy") === "true"),
      multi: !!(lb && lb.getAttribute("aria-multiselectable") === "true"), open: !!(lb && visible(lb)) };
  }
  case "comboState": {
    // What the combobox of entry arg shows as chosen once it lost focus.
    const el = document.querySelector('[data-applyq-combo="' + arg + '"]');
    if (!el) return null;
    if (document.activeElement === el) el.blur();
    return Object.assign(comboState(el), { committed: comboCommitted(el), expanded: el.getAttribute("aria-expanded") === "true" });
  }
  case "comboClose": {
    const el = document.querySelector('[data-applyq-combo="read"]');
    if (el) { el.blur(); el.removeAttribute("data-applyq-combo"); }
    return true;
  }
  case "pressed": {
    // Whether the button marked for entry arg is now the field's choice.
    const b = document.querySelector('[data-applyq-choice="' + arg + '"]');
    return !!b && pressed(b);
  }
  case "chip": {
    // arg: {i, name}: after an upload, whether the file field of entry i
    // holds the file — in its input, or as a chip naming it once the page
    // took the file and removed the input — and is done processing.
    const entry = document.querySelector('[data-applyq-upload="' + arg.i + '"]');
    if (!entry) return "gone";
    const busy = all(cfg.uploading, entry).some(visible);
    const input = entry.querySelector('[data-applyq-file="' + arg.i + '"]');
    if (busy) return "busy";
    if (input && input.files && Array.from(input.files).some((x) => x.name === arg.name)) return "held";
    if (lower(text(entry)).includes(lower(arg.name))) { entry.setAttribute("data-applyq-chip", ""); return "chip"; }
    return "missing";
  }
  case "codeInputs": {
    // Marks the inputs of a mailed code, in order.
    const ins = codeInputs();
    ins.forEach((el, n) => el.setAttribute("data-applyq-code", String(n)));
    return ins.map((el) => parseInt(el.getAttribute("maxlength") || "0", 10) || 0);
  }
  case "filledValues": {
    // What the form holds now, for the evidence: arg lists the names
    // (fields of every step, shown or not).
    const f = form();
    const byKey = byKeys(f ? fields(f, true) : []);
    const out = {};
    for (const n of arg) {
      const fld = byKey.get(n);
      if (!fld) continue;
      const el = fld.els[0];
      switch (fld.kind) {
      case "file": out[n] = el.tagName === "INPUT" ? Array.from(el.files || []).map((x) => x.name) : [text(el.closest("[data-applyq-chip]") || el).slice(0, 200)]; break;
      case "radio": case "checkbox": out[n] = fld.els.filter((x) => x.checked).map((x) => x.value); break;
      case "select": out[n] = Array.from(el.selectedOptions).map((o) => o.value); break;
      case "combobox": out[n] = comboCommitted(el); break;
      case "buttons": out[n] = choiceButtons(el).filter(pressed).map(text); break;
      default: out[n] = [el.value];
      }
    }
    return out;
  }
  case "mark": {
    // Marks the button Go clicks next: arg is "submit", "next" or "apply".
    const f = form();
    for (const el of all("[data-applyq-click]")) el.removeAttribute("data-applyq-click");
    const b = arg === "submit" ? submitButton(f || document) : arg === "next" ? nextButton(f) : applyButton();
    if (!b) return false;
    b.setAttribute("data-applyq-click", arg);
    b.scrollIntoView({ block: "center" });
    return true;
  }
  }
  throw new Error("unknown op " + op);
})
