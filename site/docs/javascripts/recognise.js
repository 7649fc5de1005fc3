/* Recognition in the browser (recognise.html): the rules of `crm-vocab recognise`
 * (generators/recognise.py, generators/credentials.py) over the published index of the
 * crosswalks (recognise/index.json), giving the same JSON as `crm-vocab recognise --format json`
 * (tests/test_recognise_page.py holds the two equal for every pair of schemes and the pilot
 * credentials). Nothing leaves the browser: the credential is read here, from a file or pasted.
 * Text from mapping files and credentials is put in with textContent only.
 */
(function () {
  "use strict";
  var MET = 2, PARTLY = 1;
  var S_MET = "met", S_PARTLY = "partly met", S_NOT = "not met", S_NA = "not assessable";
  var STATUSES = [S_MET, S_PARTLY, S_NOT, S_NA];
  var NO_TERM = "sssom:NoTermFound";
  var KINDS = { "skos:exactMatch": "exact", "skos:broadMatch": "broad", "skos:narrowMatch": "narrow",
                "skos:closeMatch": "close", "skos:relatedMatch": "related" };
  var UNTP_070 = "https://vocabulary.uncefact.org/untp/0.7.0/context/";

  function UsageError(message, where) { this.message = message; this.where = where || ""; }

  // Python's sorted() on strings: code point order (equal to UTF-16 order for the BMP)
  function sorted(xs) { return xs.slice().sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; }); }
  function uniq(xs) { return Array.from(new Set(xs)); }
  function asList(x) { return x === null || x === undefined ? [] : Array.isArray(x) ? x : [x]; }
  function isStr(x) { return typeof x === "string"; }
  function isObj(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }

  // ---- rows and requirements ----------------------------------------------------------------
  function Row(a) {
    this.subject = a[0]; this.predicate = a[1]; this.object = a[2]; this.negated = a[3];
    this.comment = a[4]; this.where = a[5]; this.scheme = a[6];
    this.kind = KINDS[this.predicate] || "other";
    this.recognising = !this.negated && ["exact", "broad", "narrow"].indexOf(this.kind) >= 0 &&
      this.subject !== NO_TERM && this.object !== NO_TERM;
  }
  Row.prototype.json = function () {
    return { where: this.where, subject_id: this.subject, predicate_id: this.predicate,
             predicate_modifier: this.negated ? "Not" : "", object_id: this.object, comment: this.comment };
  };
  Row.prototype.statement = function () {
    return this.subject + " " + this.predicate + (this.negated ? " Not" : "") + " " + this.object;
  };

  // ---- the index (RecognitionIndex) -----------------------------------------------------------
  function Index(data) {
    var self = this;
    this.data = data;
    this.schemes = new Map();
    this.reqByNode = new Map();
    sorted(data.schemes.map(function (s) { return s.scheme; })).forEach(function (name) {
      var s = data.schemes.filter(function (x) { return x.scheme === name; })[0];
      var info = { scheme: s.scheme, prefix: s.prefix, title: s.title, version: s.version, url: s.url, requirements: [] };
      s.requirements.forEach(function (r) {
        var req = { node: r[0], scheme: s.scheme, local_id: r[1], title: r[2], iri: r[3], owner_iri: r[4],
                    conformity_topic: r[5], kind: r[6] };
        info.requirements.push(req);
        self.reqByNode.set(req.node, req);
      });
      self.schemes.set(name, info);
    });
    this.criteria = new Map(Object.keys(data.criteria).map(function (k) { return [k, data.criteria[k]]; }));
    this.criteriaOrder = data.criteria_order || Object.keys(data.criteria);
    this.rows = data.rows.map(function (a) { return new Row(a); });
    var exact = new Map();
    this.outEdges = new Map();
    this.rowsBySubject = new Map();
    this.rowsByObjectScheme = new Map();
    function push(m, k, v) { if (!m.has(k)) m.set(k, []); m.get(k).push(v); }
    this.rows.forEach(function (row) {
      push(self.rowsBySubject, row.subject, row);
      push(self.rowsByObjectScheme, row.object + "\u0000" + row.scheme, row);
      if (!row.recognising) return;
      if (row.kind === "exact") {
        if (!exact.has(row.subject)) exact.set(row.subject, new Map());
        exact.get(row.subject).set(row.object, row);
        if (!exact.has(row.object)) exact.set(row.object, new Map());
        exact.get(row.object).set(row.subject, row);
      } else {
        push(self.outEdges, row.subject, row);
      }
    });
    this._comp = new Map(); this._members = new Map(); this._parent = new Map(); this._depth = new Map();
    exact.forEach(function (_v, start) {
      if (self._comp.has(start)) return;
      var comp = new Set([start]), todo = [start];
      while (todo.length) {
        var u = todo.pop();
        exact.get(u).forEach(function (_r, v) { if (!comp.has(v)) { comp.add(v); todo.push(v); } });
      }
      var members = sorted(Array.from(comp)), root = members[0];
      self._members.set(root, members);
      self._parent.set(root, null); self._depth.set(root, 0); self._comp.set(root, root);
      var level = [root];
      while (level.length) {
        var nxt = [];
        level.forEach(function (u) {
          sorted(Array.from(exact.get(u).keys())).forEach(function (v) {
            if (!self._comp.has(v)) {
              self._comp.set(v, root);
              self._parent.set(v, [u, exact.get(u).get(v)]);
              self._depth.set(v, self._depth.get(u) + 1);
              nxt.push(v);
            }
          });
        });
        level = nxt;
      }
    });
    this._hops = new Map();
    sorted(Array.from(this.outEdges.keys())).forEach(function (node) {
      var c = self.comp(node);
      if (!self._hops.has(c)) self._hops.set(c, new Map());
      var hops = self._hops.get(c);
      self.outEdges.get(node).forEach(function (row) {
        var t = self.comp(row.object);
        if (!hops.has(t) || (hops.get(t).kind === "narrow" && row.kind === "broad")) hops.set(t, row);
      });
    });
    this.byOwnerIri = new Map(); this._byName = new Map(); this._urlSchemes = new Map();
    this.schemes.forEach(function (info) {
      if (info.url) addSet(self._urlSchemes, urlKey(info.url), info.scheme);
      info.requirements.forEach(function (r) {
        if (r.owner_iri) {
          push(self.byOwnerIri, r.owner_iri, r);
          addSet(self._urlSchemes, urlKey(r.owner_iri), info.scheme);
        }
        if (r.title) push(self._byName, info.scheme + "\u0000" + normName(r.title), r);
      });
    });
    this._schemeCache = new Map();
  }
  function addSet(m, k, v) { if (!m.has(k)) m.set(k, new Set()); m.get(k).add(v); }
  Index.prototype.comp = function (n) { return this._comp.has(n) ? this._comp.get(n) : n; };
  Index.prototype.depth = function (n) { return this._depth.has(n) ? this._depth.get(n) : 0; };
  Index.prototype.exactPath = function (u, v) {
    if (u === v) return [];
    var up = [], down = [], a = u, b = v, p;
    while (this.depth(a) > this.depth(b)) { p = this._parent.get(a); up.push(p[1]); a = p[0]; }
    while (this.depth(b) > this.depth(a)) { p = this._parent.get(b); down.push(p[1]); b = p[0]; }
    while (a !== b) {
      var pa = this._parent.get(a), pb = this._parent.get(b);
      up.push(pa[1]); down.push(pb[1]); a = pa[0]; b = pb[0];
    }
    return up.concat(down.reverse());
  };
  Index.prototype.scheme = function (name) {
    var info = this.schemes.get(name);
    if (!info) throw new UsageError("unknown scheme '" + name + "'");
    return info;
  };
  function Evidence(level, held, hop, from, to) { this.level = level; this.held = held; this.hop = hop || null; this.hopFrom = from || null; this.hopTo = to || null; }
  Index.prototype.status = function (held) {
    var self = this;
    held = sorted(uniq(held));
    var status = new Map();
    held.forEach(function (a) {
      var root = self.comp(a);
      if (!status.has(root) || status.get(root).level < MET) status.set(root, new Evidence(MET, a));
    });
    var seen = new Set(), partial = [];
    held.forEach(function (a) {
      var root = self.comp(a);
      if (seen.has(root)) return;
      seen.add(root);
      (self._hops.get(root) || new Map()).forEach(function (row, c) {
        var ev = new Evidence(row.kind === "broad" ? MET : PARTLY, a, row, row.subject, row.object);
        if (ev.level === MET) {
          if (!status.has(c) || status.get(c).level < MET) status.set(c, ev);
        } else partial.push([c, ev]);
      });
    });
    partial.forEach(function (p) { if (!status.has(p[0])) status.set(p[0], p[1]); });
    return status;
  };
  Index.prototype.schemeStatus = function (source) {
    if (!this._schemeCache.has(source)) {
      var info = this.scheme(source);
      this._schemeCache.set(source, this.status(info.requirements.map(function (r) { return r.node; })));
    }
    return this._schemeCache.get(source);
  };
  Index.prototype.evidencePath = function (ev, node) {
    if (!ev.hop) return this.exactPath(ev.held, node);
    return this.exactPath(ev.held, ev.hopFrom).concat([ev.hop], this.exactPath(ev.hopTo, node));
  };
  Index.prototype.recogniseScheme = function (source, target) {
    var info = this.scheme(source);
    return this._recognise(this.schemeStatus(source), info.requirements.map(function (r) { return r.node; }),
      target, new Set([source]), source + " (" + (info.version || info.title) + ")");
  };
  Index.prototype.recognise = function (held, target, source) {
    var self = this;
    held = sorted(uniq(held));
    var schemes = new Set(held.filter(function (h) { return self.reqByNode.has(h); })
      .map(function (h) { return self.reqByNode.get(h).scheme; }));
    return this._recognise(this.status(held), held, target, schemes, source || "");
  };
  Index.prototype._recognise = function (status, held, target, heldSchemes, source) {
    var self = this, info = this.scheme(target);
    var verdicts = info.requirements.map(function (r) { return self._verdict(r, status, heldSchemes); });
    var crit = {};
    this.criteriaOrder.forEach(function (cid) {
      var ev = status.get(self.comp(cid));
      if (ev) crit[cid] = { status: ev.level === MET ? S_MET : S_PARTLY, path: self.evidencePath(ev, cid) };
    });
    return { target: info, held: held.slice(), verdicts: verdicts, criteria: crit, source: source };
  };
  function verdict(req, status, reason, path, criteria, notes) {
    return { requirement: req, status: status, reason: reason, path: path || [], criteria: criteria || [], notes: notes || [] };
  }
  Index.prototype._verdict = function (req, status, heldSchemes) {
    var self = this, b = req.node;
    var own = this.rowsBySubject.get(b) || [];
    var recog = own.filter(function (r) { return r.recognising; });
    var crits = sorted(uniq(recog.map(function (r) { return r.object; })));
    var ev = status.get(this.comp(b)), path, i, row, evc;
    if (ev && ev.level === MET) {
      path = this.evidencePath(ev, b);
      if (!path.length) return verdict(req, S_MET, "held directly", [], crits);
      return verdict(req, S_MET, explain(path, b, "met"), path, crits);
    }
    for (i = 0; i < recog.length; i++) {
      row = recog[i];
      if (row.kind === "narrow") {
        evc = status.get(this.comp(row.object));
        if (evc && evc.level === MET) {
          path = this.evidencePath(evc, row.object).concat([row]);
          return verdict(req, S_MET, explain(path, b, "met"), path, crits);
        }
      }
    }
    if (ev) {
      path = this.evidencePath(ev, b);
      return verdict(req, S_PARTLY, explain(path, b, "partly"), path, crits);
    }
    for (i = 0; i < recog.length; i++) {
      row = recog[i];
      if (row.kind === "broad" || row.kind === "narrow") {
        evc = status.get(this.comp(row.object));
        if (evc) {
          path = this.evidencePath(evc, row.object).concat([row]);
          return verdict(req, S_PARTLY, explain(path, b, "partly"), path, crits);
        }
      }
    }
    if (recog.length) {
      var notes = [];
      crits.forEach(function (c) {
        sorted(Array.from(heldSchemes)).forEach(function (s) {
          (self.rowsByObjectScheme.get(c + "\u0000" + s) || []).forEach(function (r) { if (!r.recognising) notes.push(r); });
        });
      });
      var reason = "mapped to " + crits.join(", ") + ", which the held requirements do not evidence";
      if (notes.length) reason += "; " + notes.map(note).join("; ");
      return verdict(req, S_NOT, reason, recog.slice(), crits, notes);
    }
    if (!own.length) return verdict(req, S_NA, "no crosswalk row for this requirement", [], []);
    var gaps = own.filter(function (r) { return r.object === NO_TERM; });
    var why = gaps.length ? "reviewed gap: no harmonised counterpart"
      : "only " + sorted(uniq(own.map(predicatePhrase))).join(", ") + " rows, which never recognise";
    return verdict(req, S_NA, why, [], [], own.slice());
  };
  Index.prototype.schemesForUrl = function (url) { return new Set(this._urlSchemes.get(urlKey(url)) || []); };
  Index.prototype.matchName = function (scheme, name) {
    var cands = nameCandidates(name);
    for (var i = 0; i < cands.length; i++) {
      var hits = this._byName.get(scheme + "\u0000" + cands[i]);
      if (hits && hits.length) return hits;
    }
    return [];
  };

  function predicatePhrase(r) {
    if (r.negated) return "negated " + r.predicate;
    if (r.subject === NO_TERM || r.object === NO_TERM) return "NoTermFound";
    return r.predicate;
  }
  function localName(p) { var parts = p.split(":"); return parts[parts.length - 1]; }
  function note(r) {
    var what;
    if (r.subject === NO_TERM) what = r.scheme + " has nothing for " + r.object + " (reviewed gap)";
    else if (r.negated) what = r.subject + " is reviewed as NOT " + localName(r.predicate) + " " + r.object;
    else what = r.subject + " is only " + localName(r.predicate) + " " + r.object + ", which never recognises";
    return what + " [" + r.where + "]";
  }
  var SET_PHRASE = { exact: function (s, o) { return s + " = " + o; }, broad: function (s, o) { return s + " \u2286 " + o; },
                     narrow: function (s, o) { return o + " \u2286 " + s; } };
  function explain(path, target, outcome) {
    var text = path.map(function (r) { return SET_PHRASE[r.kind](r.subject, r.object); }).join("; ");
    if (outcome === "partly") {
      var narrowHeld = path.slice(0, -1).filter(function (r) { return r.kind === "narrow"; });
      if (!narrowHeld.length) narrowHeld = path.filter(function (r) { return r.kind === "narrow" && r.subject !== target; });
      var broadTarget = path.filter(function (r) { return r.kind === "broad" && r.subject === target; });
      var why = [];
      if (narrowHeld.length) why.push("the held " + narrowHeld[0].subject + " covers " + narrowHeld[0].object + " only partly");
      if (broadTarget.length) why.push(target + " asks more than " + broadTarget[0].object);
      if (why.length) text += " \u2014 " + why.join(" and ");
    }
    return text;
  }
  function urlKey(url) {
    var u = url.trim().split("#")[0].replace(/\/+$/, "");
    return u.replace(/^https?:\/\//i, "").toLowerCase();
  }
  var NOISE = { test: true, sample: true };
  function normName(s) {
    s = s.toLowerCase().split("&").join(" and ");
    return (s.match(/[a-z0-9]+/g) || []).filter(function (t) { return !NOISE[t]; }).join(" ");
  }
  function nameCandidates(name) {
    var out = [], parts = [name, name.split(":").pop()];
    parts.forEach(function (p) { var n = normName(p); if (n && out.indexOf(n) < 0) out.push(n); });
    return out;
  }

  // ---- results as JSON (recognise.result_json) ----------------------------------------------
  function reqJson(v) {
    var r = v.requirement;
    return { id: r.node, requirement: r.local_id, iri: r.iri, title: r.title, status: v.status, reason: v.reason,
             criteria: v.criteria, path: v.path.map(function (x) { return x.json(); }),
             notes: v.notes.map(function (x) { return x.json(); }) };
  }
  function resultJson(result, reading) {
    var counts = {};
    STATUSES.forEach(function (s) { counts[s] = 0; });
    result.verdicts.forEach(function (v) { counts[v.status]++; });
    var crit = {};
    sorted(Object.keys(result.criteria)).forEach(function (cid) {
      crit[cid] = { status: result.criteria[cid].status, path: result.criteria[cid].path.map(function (x) { return x.json(); }) };
    });
    var out = { source: result.source,
                target: { scheme: result.target.scheme, title: result.target.title, version: result.target.version },
                held: result.held, summary: counts, criteria: crit, requirements: result.verdicts.map(reqJson) };
    if (reading) {
      out.credential = { path: reading.path, untp_version: reading.version, unresolved_iris: reading.unresolvedIris,
                         schemes: reading.schemes, criteria: reading.readings.map(readingJson) };
    }
    return out;
  }
  function readingJson(r) {
    return { where: r.where, id: r.id, name: r.name, conformance: r.conformance, conformityTopic: r.topic,
             resolved: r.requirement ? r.requirement.node : null, how: r.how, problem: r.problem };
  }

  // ---- credentials (recognise.credential_subject / read_credential, credentials.read) --------
  function reading(where, id, name, conformance, topic) {
    return { where: where, id: id, name: name, conformance: conformance, topic: topic, requirement: null, how: "", problem: "" };
  }
  function decodeEnvelope(data, where) {
    var body = String(data.id).split(",").slice(1).join(",") || String(data.id);
    var parts = body.split(".");
    try {
      var seg = (parts.length >= 2 ? parts[1] : parts[0]).replace(/-/g, "+").replace(/_/g, "/");
      while (seg.length % 4) seg += "=";
      var bytes = Uint8Array.from(atob(seg), function (c) { return c.charCodeAt(0); });
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (e) {
      throw new UsageError("cannot decode the enveloped credential: " + e.message, where + ": id");
    }
  }
  function credentialSubject(data, where) {
    if (isObj(data)) {
      var t = asList(data.type);
      if (t.indexOf("EnvelopedVerifiableCredential") >= 0 && String(data.id || "").indexOf("data:") === 0) data = decodeEnvelope(data, where);
    }
    if (!isObj(data)) throw new UsageError("the credential is not a JSON object", where);
    if ("credentialSubject" in data) {
      var cs = data.credentialSubject;
      if (Array.isArray(cs)) {
        for (var i = 0; i < cs.length; i++) if (isObj(cs[i]) && cs[i].assessment) return [cs[i], "credentialSubject[" + i + "]"];
        cs = cs.length ? cs[0] : {};
      }
      if (!isObj(cs)) throw new UsageError("credentialSubject is not an object", where + ": credentialSubject");
      return [cs, "credentialSubject"];
    }
    return [data, "$"];
  }
  function versionOf(data) {
    var ctxs = isObj(data) ? asList(data["@context"]) : [];
    if (ctxs.indexOf(UNTP_070) >= 0) return "0.7.0";
    if (ctxs.some(function (c) { return isStr(c) && c.indexOf("/0.5.0") >= 0 && c.indexOf("/untp/") >= 0; })) return "0.5.0";
    return "0.5.0 (assumed: no UNTP 0.7.0 context)";
  }
  function readCredential05(index, cs, prefix, path) {
    var assessments = asList(cs.assessment);
    if (!assessments.length) throw new UsageError("the credential has no assessments", (path ? path + ": " : "") + prefix + ".assessment");
    var urls = [];
    if (isObj(cs.scope) && isStr(cs.scope.id)) urls.push(cs.scope.id);
    assessments.forEach(function (a) { if (isObj(a) && isObj(a.referenceStandard) && isStr(a.referenceStandard.id)) urls.push(a.referenceStandard.id); });
    var schemes = new Set();
    urls.forEach(function (u) { index.schemesForUrl(u).forEach(function (s) { schemes.add(s); }); });
    var readings = [];
    assessments.forEach(function (a, i) {
      var ap = prefix + ".assessment[" + i + "]";
      if (!isObj(a)) { var r0 = reading(ap, "", "", false, ""); r0.problem = "assessment is not an object"; readings.push(r0); return; }
      var conf = a.conformance === true;
      var topic = isStr(a.conformityTopic) ? a.conformityTopic : "";
      var local = new Set(schemes);
      if (isObj(a.referenceStandard) && isStr(a.referenceStandard.id)) {
        var found = index.schemesForUrl(a.referenceStandard.id);
        if (found.size) local = found;
      }
      var crits = asList(a.assessmentCriteria);
      if (!crits.length) { var r1 = reading(ap, "", "", conf, topic); r1.problem = "no assessmentCriteria"; readings.push(r1); return; }
      crits.forEach(function (c, j) {
        var cp = ap + ".assessmentCriteria[" + j + "]";
        if (!isObj(c)) { var r2 = reading(cp, "", "", conf, topic); r2.problem = "criterion is not an object"; readings.push(r2); return; }
        readings.push(resolve05(index, reading(cp, isStr(c.id) ? c.id : "", isStr(c.name) ? c.name : "", conf, topic), local));
      });
    });
    var rd = { path: path, schemes: sorted(Array.from(schemes)), readings: readings };
    rd.unresolvedIris = readings.filter(function (r) { return !r.requirement && r.id; }).map(function (r) { return r.id; });
    return rd;
  }
  function pyRepr(s) {  // Python's repr() of a str, for the same problem texts
    var q = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var body = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
    if (q === "'") body = body.replace(/'/g, "\\'");
    return q + body + q;
  }
  function resolve05(index, rd, schemes) {
    var cands = rd.id ? (index.byOwnerIri.get(rd.id) || []) : [];
    if (schemes.size && cands.length) {
      var inScheme = cands.filter(function (r) { return schemes.has(r.scheme); });
      if (inScheme.length) cands = inScheme;
    }
    if (cands.length === 1) { rd.requirement = cands[0]; rd.how = "owner_iri"; return rd; }
    var pool = sorted(Array.from(schemes.size ? schemes : new Set(cands.map(function (r) { return r.scheme; }))));
    if (rd.name && pool.length) {
      var hits = [];
      pool.forEach(function (s) { hits = hits.concat(index.matchName(s, rd.name)); });
      if (cands.length) {
        var inCands = hits.filter(function (h) { return cands.indexOf(h) >= 0; });
        if (inCands.length) hits = inCands;
      }
      if (hits.length === 1) { rd.requirement = hits[0]; rd.how = "name"; return rd; }
      if (hits.length > 1) {
        rd.problem = "name " + pyRepr(rd.name) + " matches several requirements: " + hits.map(function (h) { return h.node; }).join(", ");
        return rd;
      }
    }
    if (!pool.length) rd.problem = "no catalogue has this criterion's IRI, and the credential's scope/referenceStandard names no known scheme";
    else if (cands.length > 1) rd.problem = "IRI " + rd.id + " is shared by " + cands.map(function (c) { return c.node; }).join(", ") + " and the name " + pyRepr(rd.name) + " matches none of them";
    else rd.problem = "no requirement with this IRI, and no title in " + pool.join(", ") + " matches " + pyRepr(rd.name);
    return rd;
  }
  function readCredential070(index, cs, prefix, path) {
    var assessments = asList(cs.conformityAssessment);
    if (!assessments.length) throw new UsageError("the credential has no conformity assessments", path + ": " + prefix + ".conformityAssessment");
    var pub = index.data.published, required = pub.required, base = index.data.criteria_base;
    var byIri = new Map();
    index.reqByNode.forEach(function (r) { if (r.iri) byIri.set(r.iri, r); });
    var unresolved = [], schemes = new Set();
    ["referenceScheme", "referenceProfile"].forEach(function (key) {
      var ref = cs[key], rid = isObj(ref) ? ref.id : null;
      if (!isStr(rid)) return;
      var table = key === "referenceScheme" ? pub.schemes : pub.profiles;
      var s = Object.prototype.hasOwnProperty.call(table, rid) ? table[rid] : null;
      if (s === null && key === "referenceScheme") {
        var set = index.schemesForUrl(rid);
        set.forEach(function (x) { schemes.add(x); });
        if (!set.size) unresolved.push(prefix + "." + key + ".id " + rid);
      } else if (s === null) unresolved.push(prefix + "." + key + ".id " + rid);
      else if (s !== "hc") schemes.add(s);
    });
    var readings = [];
    assessments.forEach(function (a, i) {
      var ap = prefix + ".conformityAssessment[" + i + "]";
      if (!isObj(a)) { var r0 = reading(ap, "", "", false, ""); r0.problem = "assessment is not an object"; readings.push(r0); return; }
      var topics = asList(a.conformityTopic).filter(isObj).map(function (t) { return t.id === undefined ? "" : t.id; });
      var scores = {};
      asList(a.assessedPerformance).forEach(function (p) {
        if (isObj(p) && isObj(p.metric) && isObj(p.score)) scores[p.metric.id] = p.score.rank;
      });
      var crits = asList(a.assessmentCriteria);
      if (!crits.length) { var r1 = reading(ap, "", "", false, topics.join(",")); r1.problem = "no assessmentCriteria"; readings.push(r1); return; }
      crits.forEach(function (c, j) {
        var cp = ap + ".assessmentCriteria[" + j + "]";
        var cid = isObj(c) && isStr(c.id) ? c.id : "", name = isObj(c) && isStr(c.name) ? c.name : "";
        var held;
        if (typeof a.conformance === "boolean") held = a.conformance;
        else if (Object.prototype.hasOwnProperty.call(required, cid) && Object.prototype.hasOwnProperty.call(scores, required[cid][0]) &&
                 Number.isInteger(scores[required[cid][0]])) held = scores[required[cid][0]] <= required[cid][1];
        else held = false;
        var rd = reading(cp, cid, name, held, topics.join(","));
        var hc = cid.indexOf(base) === 0 ? cid.slice(base.length) : null;
        if (byIri.has(cid)) { rd.requirement = byIri.get(cid); rd.how = "IRI"; }
        else if (hc !== null && index.criteria.has("HC:" + hc)) {
          rd.requirement = { node: "HC:" + hc, scheme: "hc", local_id: hc, title: index.criteria.get("HC:" + hc), iri: cid };
          rd.how = "IRI";
        } else if (index.byOwnerIri.has(cid) && index.byOwnerIri.get(cid).length === 1) { rd.requirement = index.byOwnerIri.get(cid)[0]; rd.how = "owner_iri"; }
        else { rd.problem = "no published requirement or criterion has this IRI"; unresolved.push(cp + ".id " + cid); }
        if (rd.requirement && rd.requirement.scheme !== "hc") schemes.add(rd.requirement.scheme);
        readings.push(rd);
      });
    });
    return { path: path, schemes: sorted(Array.from(schemes)), readings: readings, unresolvedIris: unresolved };
  }
  function readCredential(index, data, path) {
    var version = versionOf(data);
    var sub = credentialSubject(data, path);
    var rd = version === "0.7.0" ? readCredential070(index, sub[0], sub[1], path) : readCredential05(index, sub[0], sub[1], path);
    rd.version = version;
    return rd;
  }
  function heldOf(rd) {
    return sorted(uniq(rd.readings.filter(function (r) { return r.requirement && r.conformance; })
      .map(function (r) { return r.requirement.node; })));
  }

  // ---- the API the page (and its tests) use ----------------------------------------------------
  var api = {
    Index: Index,
    UsageError: UsageError,
    fromScheme: function (index, source, target) { return resultJson(index.recogniseScheme(source, target)); },
    fromCredential: function (index, data, path, target) {
      var rd = readCredential(index, data, path);
      index.scheme(target);
      return resultJson(index.recognise(heldOf(rd), target, "credential " + path), rd);
    }
  };
  window.crmRecognise = api;

  // ---- the page ----------------------------------------------------------------------------------
  var root = document.querySelector("[data-crm-recognise]");
  if (!root) return;
  var form = root.querySelector("form");
  var out = root.querySelector("[data-crm-result]");
  var jsonOut = root.querySelector("[data-crm-json]");
  var indexPromise = fetch(root.dataset.index).then(function (r) {
    if (!r.ok) throw new Error("cannot load " + root.dataset.index + " (" + r.status + ")");
    return r.json();
  }).then(function (d) { return new Index(d); });
  var fileInput = root.querySelector("[data-crm-file]");
  var pasted = root.querySelector("[data-crm-paste]");
  var fileText = null, fileName = "";
  fileInput.addEventListener("change", function () {
    var f = fileInput.files[0];
    if (!f) return;
    f.text().then(function (t) { fileText = t; fileName = f.name; root.crmFileText = t; root.querySelector("[data-crm-held-credential]").checked = true; });
  });
  root.addEventListener("dragover", function (ev) { ev.preventDefault(); });
  root.addEventListener("drop", function (ev) {
    ev.preventDefault();
    var f = ev.dataTransfer.files[0];
    if (f) f.text().then(function (t) { fileText = t; fileName = f.name; root.crmFileText = t; root.querySelector("[data-crm-held-credential]").checked = true; form.requestSubmit(); });
  });
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function show(result) {
    out.textContent = "";
    jsonOut.textContent = JSON.stringify(result, null, 2);
    var s = result.summary;
    out.appendChild(el("p", result.requirements.length + " requirements of " + result.target.scheme + " (" + (result.target.version || result.target.title) +
      "): " + s[S_MET] + " met, " + s[S_PARTLY] + " partly met, " + s[S_NOT] + " not met, " + s[S_NA] + " not assessable."));
    if (result.credential) {
      var c = result.credential;
      out.appendChild(el("p", "Credential (UNTP " + c.untp_version + "): " + c.criteria.length + " assessed criteria, " +
        c.criteria.filter(function (x) { return x.resolved; }).length + " resolved (" + (c.schemes.join(", ") || "no known scheme") + "), " +
        result.held.length + " held." + (c.unresolved_iris.length ? " Not published: " + c.unresolved_iris.join("; ") : "")));
    }
    var table = el("table", null, "crm-table crm-recognition");
    var head = table.createTHead().insertRow();
    ["requirement", "title", "status", "reason and rows"].forEach(function (h) { head.appendChild(el("th", h)); });
    var body = table.createTBody();
    result.requirements.forEach(function (v) {
      var tr = body.insertRow();
      tr.dataset.status = v.status;
      tr.appendChild(el("td", v.id));
      tr.appendChild(el("td", v.title));
      tr.appendChild(el("td", v.status, "crm-status"));
      var td = el("td");
      td.appendChild(el("span", v.reason));
      var rows = (v.status === S_MET || v.status === S_PARTLY || v.status === S_NOT) ? v.path : v.notes;
      if (rows.length) {
        var ul = el("ul");
        rows.forEach(function (r) {
          var li = el("li");
          li.appendChild(el("code", r.subject_id + " " + r.predicate_id + (r.predicate_modifier ? " Not" : "") + " " + r.object_id));
          li.appendChild(document.createTextNode(" [" + r.where + "] "));
          if (r.comment) li.appendChild(el("span", r.comment, "crm-details-comment"));
          ul.appendChild(li);
        });
        td.appendChild(ul);
      }
      tr.appendChild(td);
    });
    out.appendChild(table);
    root.dataset.state = "done";
  }
  function fail(e) {
    out.textContent = "";
    jsonOut.textContent = "";
    out.appendChild(el("p", (e && e.message ? e.message : String(e)) + (e && e.where ? " (at " + e.where + ")" : ""), "crm-error"));
    root.dataset.state = "error";
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    root.dataset.state = "busy";
    var target = form.elements.target.value;
    indexPromise.then(function (index) {
      if (form.elements.held.value === "scheme") {
        show(api.fromScheme(index, form.elements.source.value, target));
        return;
      }
      var text = pasted.value.trim() ? pasted.value : fileText;
      var name = pasted.value.trim() ? "pasted credential" : fileName;
      if (!text) throw new UsageError("choose or paste a credential first");
      var data;
      try { data = JSON.parse(text); } catch (e) { throw new UsageError("the credential is not JSON: " + e.message, name); }
      show(api.fromCredential(index, data, name, target));
    }).catch(fail);
  });
})();
