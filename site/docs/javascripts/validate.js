/* The JSON Schema check of `crm-vocab validate` (generators/validate.py: _judge_schema,
 * check_schema, _explain; generators/untp.py: detect) in the browser, with Ajv (JSON Schema
 * 2020-12 and formats; javascripts/vendor/ajv2020-formats-*.min.js) over the schemas published in
 * recognise/validate.json: UNTP's schema of the credential's version and type, and for a CRM
 * credential the CRM layer of its type. Findings are worded as the CLI words them; the JSON-LD
 * and SHACL checks are the CLI's only. tests/test_recognise_page.py holds the verdict equal to
 * the CLI's on every sample.
 */
(function () {
  "use strict";
  function asList(x) { return x === null || x === undefined ? [] : Array.isArray(x) ? x : [x]; }
  function isObj(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }
  function isStr(x) { return typeof x === "string"; }
  function finding(check, path, message, fix, rule, extra) {
    var f = { check: check, path: path, message: message, fix: fix || "", rule: rule || "", severity: "error", layer: "" };
    if (extra) Object.keys(extra).forEach(function (k) { f[k] = extra[k]; });
    return f;
  }

  // Python's json.dumps (", " and ": " separators, ASCII only) and str()
  function pyDumps(v) {
    if (v === null) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : pyFloat(v);
    if (typeof v === "string") {
      return '"' + v.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, function (c) {
        var m = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" }[c];
        return m || "\\u" + ("0000" + c.charCodeAt(0).toString(16)).slice(-4);
      }) + '"';
    }
    if (Array.isArray(v)) return "[" + v.map(pyDumps).join(", ") + "]";
    return "{" + Object.keys(v).map(function (k) { return pyDumps(k) + ": " + pyDumps(v[k]); }).join(", ") + "}";
  }
  function pyFloat(x) { var s = String(x); return /[.e]/.test(s) ? s.replace("e+", "e+") : s + ".0"; }
  function pyStr(v) {
    if (v === null) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "string") return v;
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloat(v);
    return pyDumps(v);
  }
  function pyTypeName(v) {
    if (v === null) return "NoneType";
    if (typeof v === "boolean") return "bool";
    if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
    if (typeof v === "string") return "string";
    return Array.isArray(v) ? "array" : "object";
  }
  function article(v) { return (isObj(v) || Array.isArray(v) || (typeof v === "number" && Number.isInteger(v))) ? "an" : "a"; }

  // difflib.get_close_matches(word, possibilities, n=1) with SequenceMatcher's ratio
  function matchingSize(a, b) {
    function longest(alo, ahi, blo, bhi) {
      var best = [alo, blo, 0], j2len = {};
      for (var i = alo; i < ahi; i++) {
        var nj = {};
        for (var j = blo; j < bhi; j++) {
          if (a[i] !== b[j]) continue;
          var k = (j2len[j - 1] || 0) + 1;
          nj[j] = k;
          if (k > best[2]) best = [i - k + 1, j - k + 1, k];
        }
        j2len = nj;
      }
      return best;
    }
    var total = 0, queue = [[0, a.length, 0, b.length]];
    while (queue.length) {
      var q = queue.pop(), m = longest(q[0], q[1], q[2], q[3]), k = m[2];
      if (k) {
        total += k;
        if (q[0] < m[0] && q[2] < m[1]) queue.push([q[0], m[0], q[2], m[1]]);
        if (m[0] + k < q[1] && m[1] + k < q[3]) queue.push([m[0] + k, q[1], m[1] + k, q[3]]);
      }
    }
    return total;
  }
  function closeMatch(word, options) {
    var best = null;
    options.forEach(function (x) {
      var t = x.length + word.length;
      var r = t ? 2 * matchingSize(x, word) / t : 1;
      if (r >= 0.6 && (!best || r > best[0] || (r === best[0] && x > best[1]))) best = [r, x];
    });
    return best ? best[1] : null;
  }

  function jsonPath(doc, pointer) {
    var out = "$", node = doc;
    pointer.split("/").slice(1).forEach(function (raw) {
      var p = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      if (Array.isArray(node) && /^\d+$/.test(p)) { out += "[" + p + "]"; node = node[Number(p)]; return; }
      out += /^[A-Za-z_@][A-Za-z0-9_@-]*$/.test(p) ? "." + p : "[" + pyDumps(p) + "]";
      node = isObj(node) ? node[p] : undefined;
    });
    return out;
  }
  function at(doc, pointer) {
    var node = doc;
    pointer.split("/").slice(1).forEach(function (raw) {
      var p = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      node = node === undefined || node === null ? undefined : node[Array.isArray(node) ? Number(p) : p];
    });
    return node;
  }

  var FORMAT_FIXES = { "date": "write a real calendar date as YYYY-MM-DD (ISO 8601), e.g. 2026-04-12",
                       "date-time": "write an ISO 8601 date-time with time zone, e.g. 2026-04-30T08:00:00Z",
                       "uri": "give an absolute IRI, e.g. https://example.org/... or did:web:..." };

  function Validator(data, lib) {
    this.data = data;
    this.ajv = new lib.Ajv2020({ allErrors: true, strict: false, verbose: true, validateSchema: false });
    lib.addFormats(this.ajv);
    var self = this;
    Object.keys(data.untp_schemas).forEach(function (url) { self.ajv.addSchema(data.untp_schemas[url], url); });
    this.compiled = {};
  }
  Validator.prototype.layer = function (key, schema) {
    if (!this.compiled[key]) this.compiled[key] = this.ajv.compile(schema);
    return this.compiled[key];
  };
  Validator.prototype.detect = function (doc) {
    var d = this.data, info = { version: null, type: null, envelope: true, notes: [], how: "" };
    if (!isObj(doc)) return info;
    var urls = asList(doc["@context"]).filter(isStr);
    var types = asList(doc.type).filter(isStr);
    info.type = types.filter(function (t) { return d.credential_types.indexOf(t) >= 0; })[0] || null;
    if (urls.indexOf(d.untp_070_context) >= 0) { info.version = "0.7.0"; return info; }
    for (var i = 0; i < urls.length; i++) {
      var module = v05Module(d, urls[i]);
      if (module) {
        info.version = "0.5.0";
        if (info.type && d.module_of[info.type] !== module) info.notes.push("module mismatch");
        else if (!info.type) info.type = Object.keys(d.module_of).filter(function (t) { return d.module_of[t] === module; })[0] || null;
        return info;
      }
    }
    if (doc["@context"] === undefined && doc.type === undefined && isObj(doc.credentialSubject)) {
      info.envelope = false;
      var cs = doc.credentialSubject, st = asList(cs.type).filter(isStr);
      if (st.indexOf("ConformityAttestation") >= 0) {
        info.type = "DigitalConformityCredential";
        if (st.some(function (t) { return d.pre_070_subject_types.indexOf(t) >= 0; }) || "assessment" in cs) info.version = "0.5.0";
        else if ("conformityAssessment" in cs) info.version = "0.7.0";
      } else if (st.indexOf("Product") >= 0) info.type = "DigitalProductPassport";
    }
    return info;
  };
  function v05Module(d, url) {
    for (var i = 0; i < d.v05_hosts.length; i++) {
      var host = d.v05_hosts[i];
      if (url.indexOf(host) === 0) {
        var rest = url.slice(host.length).replace(/^\/+|\/+$/g, "").split("/");
        var modules = Object.keys(d.module_of).map(function (t) { return d.module_of[t]; });
        if (rest.length === 2 && rest[1] === "0.5.0" && modules.indexOf(rest[0]) >= 0) return rest[0];
      }
    }
    return null;
  }
  Validator.prototype.crmSet = function (doc) {
    var d = this.data;
    var hit = asList(doc["@context"]).filter(function (u) { return isStr(u) && d.crm[u]; })[0];
    return hit ? d.crm[hit] : null;
  };
  /* The JSON Schema findings (and the `untp` findings that stop it) of one document. */
  Validator.prototype.judge = function (doc) {
    var d = this.data, info = this.detect(doc), out = [];
    var arts = isObj(doc) ? this.crmSet(doc) : null;
    if (!info.envelope) {
      out.push(finding("untp", "$", "not a credential: a bare UNTP " + (info.version || "") + " credential subject without the envelope", "", "envelope"));
      return { info: info, findings: out };
    }
    if (arts) {
      var ctype = crmType(doc, arts);
      if (!ctype) {
        out.push(finding("json-schema", "$.type", "the document lists the CRM context but names no CRM credential type (type is " + pyDumps(doc.type === undefined ? null : doc.type) + ")",
          "a CRM credential's type lists its UNTP type, VerifiableCredential and " + Object.keys(arts.types).sort().join(" or "),
          "credential-type", { layer: "CRM " + arts.version }));
        return { info: info, findings: out, crm: arts.version };
      }
      var t = arts.types[ctype];
      if (t.untp && info.version !== t.untp[0] && (info.version !== t.untp[0] || info.type !== t.untp[1])) {
        out.push(finding("untp", "$['@context']", "a CRM " + arts.version + " credential is a UNTP " + t.untp[0] + " credential, but this one reads otherwise",
          "list the UNTP " + t.untp[0] + " context before this vocabulary's context", "untp-version", { layer: "CRM " + arts.version }));
      }
      if (t.untp) {
        var url = (d.untp_types[t.untp[0]] || {})[t.untp[1]];
        if (url) out = out.concat(this.check(doc, this.ajv.getSchema(url), d.untp_schemas[url], "UNTP " + t.untp[0]));
      }
      out = out.concat(this.check(doc, this.layer(arts.version + "|" + ctype, t.layer), t.layer, "CRM " + arts.version));
      return { info: info, findings: out, crm: arts.version, crmType: ctype };
    }
    if (!info.version) {
      out.push(finding("untp", "$['@context']", "not a UNTP credential: its @context lists neither the UNTP 0.7.0 context nor a UNTP 0.5.0 module context, nor this vocabulary's context", "", "untp-version"));
      return { info: info, findings: out };
    }
    if (!info.type) {
      out.push(finding("untp", "$.type", "no UNTP credential type in type (" + pyDumps(doc.type === undefined ? null : doc.type) + ")", "", "credential-type"));
      return { info: info, findings: out };
    }
    var u = (d.untp_types[info.version] || {})[info.type];
    if (!u) return { info: info, findings: out };
    var judged = doc;
    if (Array.isArray(doc["@context"])) {
      var canon = doc["@context"].map(function (c) { return isStr(c) && d.aliases[c] ? d.aliases[c] : c; });
      judged = Object.assign({}, doc, { "@context": canon });
    }
    out = out.concat(this.check(judged, this.ajv.getSchema(u), d.untp_schemas[u], "UNTP " + info.version));
    return { info: info, findings: out };
  };
  function crmType(doc, arts) {
    var types = asList(doc.type).filter(isStr);
    for (var i = 0; i < types.length; i++) if (arts.types[types[i]]) return types[i];
    var names = Object.keys(arts.types).sort();
    for (var j = 0; j < names.length; j++) {
      var u = arts.types[names[j]].untp;
      if (u && types.indexOf(u[1]) >= 0) return names[j];
    }
    return null;
  }
  Validator.prototype.check = function (doc, validate, rootSchema, label) {
    var self = this;
    if (validate(doc)) return [];
    var errors = validate.errors.filter(function (e) { return e.keyword !== "if"; });
    // anyOf / oneOf: the deepest of their own errors, as python-jsonschema's best context error
    var drop = new Set(), keep = [];
    errors.forEach(function (e) {  // contains / not: one error, as python-jsonschema has it
      if (e.keyword !== "contains" && e.keyword !== "not") return;
      errors.forEach(function (x) { if (x !== e && x.schemaPath.indexOf(e.schemaPath + "/") === 0) drop.add(x); });
    });
    errors.forEach(function (e) {
      if (e.keyword !== "anyOf" && e.keyword !== "oneOf") return;
      var inner = errors.filter(function (x) { return x !== e && x.schemaPath.indexOf(e.schemaPath + "/") === 0; });
      inner.forEach(function (x) { drop.add(x); });
      drop.add(e);
      if (inner.length) {
        var best = inner.slice().sort(function (a, b) { return depth(b) - depth(a); })[0];
        keep.push(best);
      } else keep.push(e);
    });
    errors = errors.filter(function (e) { return !drop.has(e); }).concat(keep);
    var out = [];
    errors.forEach(function (e) { out = out.concat(self.explain(doc, e)); });
    var seen = {}, uniq = [];
    out.forEach(function (f) { f.layer = label; var k = f.path + "\u0000" + f.rule + "\u0000" + f.message; if (!seen[k]) { seen[k] = 1; uniq.push(f); } });
    return uniq.sort(function (a, b) {
      return a.path < b.path ? -1 : a.path > b.path ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
    });
  };
  function depth(e) { return e.instancePath ? e.instancePath.split("/").length - 1 : 0; }
  Validator.prototype.explain = function (doc, e) {
    var kw = e.keyword, path = jsonPath(doc, e.instancePath), schema = e.parentSchema || {}, inst = at(doc, e.instancePath), p = e.params || {};
    if (kw === "required") {
      return [finding("json-schema", path, "required property '" + p.missingProperty + "' is missing", "add '" + p.missingProperty + "' to this object", "required")];
    }
    if (kw === "additionalProperties" || kw === "unevaluatedProperties") {
      var allowed = Object.keys(schema.properties || {}).sort();
      var x = p.additionalProperty || p.unevaluatedProperty;
      var near = closeMatch(x, allowed);
      return [finding("json-schema", path, "property '" + x + "' is not defined for this object",
        (near ? "did you mean '" + near + "'? " : "") + "remove it or use a property of this class: " + allowed.join(", "), kw)];
    }
    if (kw === "enum") {
      var opts = schema.enum || [];
      var shown = opts.slice(0, 20).map(pyStr).join(", ") + (opts.length > 20 ? " ..." : "");
      var n2 = closeMatch(pyStr(inst), opts.map(pyStr));
      return [finding("json-schema", path, pyDumps(inst) + " is not an allowed value", (n2 ? "did you mean '" + n2 + "'? " : "") + "use one of: " + shown, "enum")];
    }
    if (kw === "type") {
      var want = schema.type, ws = Array.isArray(want) ? "[" + want.map(function (w) { return "'" + w + "'"; }).join(", ") + "]" : String(want);
      return [finding("json-schema", path, pyDumps(inst).slice(0, 80) + " is " + article(inst) + " " + pyTypeName(inst) + ", expected " + ws,
        "give " + ("aeio".indexOf(ws[0]) >= 0 ? "an" : "a") + " " + ws + " here" + (want === "object" && Array.isArray(inst) ? " (one object, not a list)" : "") + (want === "array" ? " (a list)" : ""), "type")];
    }
    if (kw === "format") {
      var fmt = schema.format;
      return [finding("json-schema", path, pyDumps(inst) + " is not a valid " + fmt, FORMAT_FIXES[fmt] || "use the " + fmt + " format", "format")];
    }
    if (kw === "contains") {
      var c = schema.contains || {};
      if ("pattern" in c) return [finding("json-schema", path, "no context of this vocabulary in the list", "add \"" + this.data.working_context + "\" (or a released version's context.jsonld)", "contains")];
      return [finding("json-schema", path, "must contain " + pyDumps(c.const), "add " + pyDumps(c.const) + " to this list", "contains")];
    }
    if (kw === "pattern") {
      return [finding("json-schema", path, pyDumps(inst) + " does not match " + schema.pattern, "use a value of the documented form (see the property's description)", "pattern")];
    }
    if (kw === "const" && path.indexOf("@context") >= 0) {
      return [finding("json-schema", path, "wrong context here: " + pyDumps(inst) + " is not " + pyDumps(schema.const),
        "list the contexts in this order: the W3C VC v2 context, the UNTP context of the credential's version, then (for a CRM credential) this vocabulary's context of one version", kw)];
    }
    return [finding("json-schema", path, e.message || kw, "see the schema of this property", kw)];
  };

  var api = { Validator: Validator };
  window.crmValidate = api;

  // ---- the page: the Validate button of the recognition form --------------------------------------
  var root = document.querySelector("[data-crm-recognise]");
  if (!root || !root.dataset.validate) return;
  var button = root.querySelector("[data-crm-validate]");
  var out = root.querySelector("[data-crm-findings]");
  var dataPromise = null;
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  api.run = function (text) {
    if (!dataPromise) {
      dataPromise = fetch(root.dataset.validate).then(function (r) {
        if (!r.ok) throw new Error("cannot load " + root.dataset.validate + " (" + r.status + ")");
        return r.json();
      }).then(function (d) { return new Validator(d, window.CrmAjv); });
    }
    return dataPromise.then(function (v) {
      var doc;
      try { doc = JSON.parse(text); } catch (e) {
        return { verdict: "invalid", findings: [finding("json", "$", "not JSON: " + e.message, "", "json")], info: {} };
      }
      var r = v.judge(doc);
      var errors = r.findings.filter(function (f) { return f.check === "json-schema" && f.severity === "error"; });
      r.verdict = errors.length ? "invalid" : "valid";
      return r;
    });
  };
  button.addEventListener("click", function () {
    var pasted = root.querySelector("[data-crm-paste]").value;
    root.dataset.validated = "busy";
    var textPromise = pasted.trim() ? Promise.resolve(pasted) : (root.crmFileText ? Promise.resolve(root.crmFileText) : Promise.reject(new Error("choose or paste a credential first")));
    textPromise.then(api.run).then(function (r) {
      out.textContent = "";
      var what = r.info && r.info.version ? "UNTP " + r.info.version + " " + (r.info.type || "") : "not a UNTP credential";
      out.appendChild(el("p", "JSON Schema: " + r.verdict + " (" + what + (r.crm ? "; CRM profile " + (r.crmType || "") + ", vocabulary " + r.crm : "") +
        "). The JSON-LD and SHACL checks run in crm-vocab validate.", "crm-verdict crm-" + r.verdict));
      if (r.findings.length) {
        var ul = el("ul");
        r.findings.forEach(function (f) {
          var li = el("li");
          li.appendChild(el("code", "[" + f.check + (f.layer ? ", " + f.layer : "") + "] " + f.path));
          li.appendChild(document.createTextNode(": " + f.message));
          if (f.fix) li.appendChild(el("span", "fix: " + f.fix, "crm-details-comment"));
          ul.appendChild(li);
        });
        out.appendChild(ul);
      }
      out.dataset.result = JSON.stringify({ verdict: r.verdict, findings: r.findings });
      root.dataset.validated = "done";
    }).catch(function (e) {
      out.textContent = "";
      out.appendChild(el("p", e.message || String(e), "crm-error"));
      root.dataset.validated = "error";
    });
  });
})();
