/* Recognition in the browser (recognise.html): `crm-vocab recognise` (generators/recognise.py,
 * generators/credentials.py) over the published index of the crosswalks (recognise/index.json,
 * written by generators/site/recognition.py), giving the JSON `crm-vocab recognise --format json`
 * prints. tests/test_recognise_page.py holds the two equal for every ordered pair of schemes, at
 * every achievement level of the held scheme, and for the pilot and sample credentials.
 *
 * One function per function of the Python code, named after it (camelCase) and in the same order:
 * a change to the rules in recognise.py or credentials.py is made here too (the tests say where the
 * two differ). Comment flags (mappingdata.comment_flags) come computed in the index, so comments
 * are read exactly as the CLI reads them.
 *
 * Nothing leaves the browser: the credential is read here, from a file or pasted. Text from mapping
 * files and credentials reaches the page through textContent only.
 */
(function () {
  "use strict";

  // ---- constants (recognise.py, module level) ------------------------------------------------
  var MET = 2, PARTLY = 1, NOTHING = 0;
  var STATUS_MET = "met", STATUS_PARTLY = "partly met", STATUS_NOT_MET = "not met",
      STATUS_NOT_ESTABLISHED = "not established";
  var STATUSES = [STATUS_MET, STATUS_PARTLY, STATUS_NOT_MET, STATUS_NOT_ESTABLISHED];
  var NO_TERM = "sssom:NoTermFound";
  var UNGRADED = "";  // the level of a requirement whose scheme has no achievement levels
  var KINDS = { "skos:exactMatch": "exact", "skos:broadMatch": "broad", "skos:narrowMatch": "narrow",
                "skos:closeMatch": "close", "skos:relatedMatch": "related" };
  var RECOGNISING_KINDS = ["exact", "broad", "narrow"];
  var UNTP_070 = "https://vocabulary.uncefact.org/untp/0.7.0/context/";  // credentials.UNTP_070

  // ---- Python's behaviour where JavaScript's differs ------------------------------------------
  // errors.UsageError: what, where, how to fix
  function UsageError(message, where, hint) { this.message = message; this.where = where || ""; this.hint = hint || ""; }
  // sorted() on strings: code point order (equal to UTF-16 order for the BMP)
  function sorted(xs) { return xs.slice().sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; }); }
  function uniq(xs) { return Array.from(new Set(xs)); }
  function isStr(x) { return typeof x === "string"; }
  function isObj(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }
  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }
  // dict.get(key) on parsed JSON: own keys only (never Object.prototype's), None as null
  function get(obj, key) { return isObj(obj) && has(obj, key) && obj[key] !== undefined ? obj[key] : null; }
  // recognise._as_list
  function asList(x) { return x === null || x === undefined ? [] : Array.isArray(x) ? x : [x]; }
  // bool(x) of a JSON value: empty lists and objects are false too
  function truthy(x) {
    if (Array.isArray(x)) return x.length > 0;
    if (isObj(x)) return Object.keys(x).length > 0;
    return !!x;
  }
  // isinstance(x, int) of a JSON value (a bool is an int; JSON.parse cannot tell 2.0 from 2)
  function isPyInt(x) { return typeof x === "boolean" || Number.isInteger(x); }
  // isinstance(x, (str, int, float)) and str(x) of a JSON scalar (str(2.0) is "2.0" in Python, "2" here)
  function isScalar(x) { return isStr(x) || typeof x === "number" || typeof x === "boolean"; }
  function pyStr(x) { return typeof x === "boolean" ? (x ? "True" : "False") : String(x); }
  // repr() of a str, for the texts that quote one
  var NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
  function pyRepr(s) {
    var q = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var out = "";
    Array.from(s).forEach(function (c) {
      var cp = c.codePointAt(0);
      if (c === "\\") out += "\\\\";
      else if (c === q) out += "\\" + c;
      else if (c === "\n") out += "\\n";
      else if (c === "\r") out += "\\r";
      else if (c === "\t") out += "\\t";
      else if (c !== " " && NON_PRINTABLE.test(c)) {
        out += cp < 0x100 ? "\\x" + ("0" + cp.toString(16)).slice(-2)
          : cp < 0x10000 ? "\\u" + ("000" + cp.toString(16)).slice(-4) : "\\U" + ("0000000" + cp.toString(16)).slice(-8);
      } else out += c;
    });
    return q + out + q;
  }
  function push(m, k, v) { if (!m.has(k)) m.set(k, []); m.get(k).push(v); }
  function addSet(m, k, v) { if (!m.has(k)) m.set(k, new Set()); m.get(k).add(v); }

  // recognise.node_id: the graph node of a requirement at one achievement level
  function nodeId(curie, level) { return level ? curie + "@" + level : curie; }

  // ---- the neutral model the index is built from -----------------------------------------------
  // recognise.Row, from one row of the index (its fields named by the index's row_fields)
  function Row(f) {
    this.subject = f.subject; this.predicate = f.predicate; this.object = f.object; this.negated = f.negated;
    this.comment = f.comment; this.where = f.where; this.scheme = f.scheme; this.level = f.level;
    this.reviewed = f.reviewed; this.reviewer = f.reviewer; this.reviewDate = f.review_date;
    this.flags = f.flags;  // sorted(comment_flags(comment))
    this.kind = KINDS[this.predicate] || "other";
    this.isGap = this.subject === NO_TERM || this.object === NO_TERM;
    this.recognising = this.reviewed && !this.negated && RECOGNISING_KINDS.indexOf(this.kind) >= 0 && !this.isGap;
    this.full = this.recognising && (this.kind === "exact" || this.kind === "broad") && !this.flags.length;
    this.saysNo = this.reviewed && (this.negated || this.subject === NO_TERM) && this.object !== NO_TERM;
    this.subjectNode = this.subject !== NO_TERM ? nodeId(this.subject, this.level) : this.subject;
  }
  // Row.statement
  Row.prototype.statement = function () {
    var at = this.level && this.recognising ? " (at " + this.level + ")" : "";
    return this.subject + at + " " + this.predicate + (this.negated ? " Not" : "") + " " + this.object;
  };
  // Row.as_json
  Row.prototype.asJson = function () {
    return { where: this.where, subject_id: this.subject, subject_level: this.level || null,
             predicate_id: this.predicate, predicate_modifier: this.negated ? "Not" : "", object_id: this.object,
             comment: this.comment, reviewer_id: this.reviewer, review_date: this.reviewDate };
  };

  // recognise.SchemeInfo (levels lowest first; empty: ungraded)
  function SchemeInfo(s) {
    this.scheme = s.scheme; this.prefix = s.prefix; this.title = s.title; this.version = s.version; this.url = s.url;
    this.levels = s.levels; this.defaultLevel = s.default_level; this.credentialLevel = s.credential_level;
    this.requirements = [];
  }
  SchemeInfo.prototype.rank = function (level) {
    for (var i = 0; i < this.levels.length; i++) if (this.levels[i].id === level) return i;
    return -1;
  };
  SchemeInfo.prototype.reading = function (level) {
    var i = this.rank(level);
    return i >= 0 ? this.levels[i].reading : "none";
  };
  // SchemeInfo.find_level: the level a score code or a user's level names (by id, title or code)
  SchemeInfo.prototype.findLevel = function (text) {
    var key = normCode(text);
    for (var i = 0; i < this.levels.length; i++) {
      var lv = this.levels[i];
      var names = [normCode(lv.id), normCode(lv.title)].concat(lv.codes.map(normCode));
      if (names.indexOf(key) >= 0) return lv.id;
    }
    return null;
  };
  // SchemeInfo.strength: what a requirement held at `held` gives a row assuming level `assumed`
  SchemeInfo.prototype.strength = function (held, assumed) {
    if (!this.levels.length) return MET;
    if (this.reading(held) === "none") return NOTHING;
    return this.rank(held) >= this.rank(assumed) ? MET : PARTLY;
  };
  // recognise._norm_code
  function normCode(s) { return (pyStr(s).toLowerCase().match(/[a-z0-9]+/g) || []).join(" "); }

  // recognise.Evidence: why an exact class is met or partly met
  function Evidence(level, held, heldCurie, heldLevel, hop, hopFrom, hopTo) {
    this.level = level; this.held = held; this.heldCurie = heldCurie; this.heldLevel = heldLevel;
    this.hop = hop || null; this.hopFrom = hopFrom || null; this.hopTo = hopTo || null;
  }

  // recognise.Verdict (positional as in Python: requirement, status, reason, path, criteria, notes)
  function Verdict(req, status, reason, path, criteria, notes, assumes, held) {
    this.requirement = req; this.status = status; this.reason = reason; this.path = path || [];
    this.criteria = criteria || []; this.notes = notes || []; this.assumes = assumes || []; this.held = held || null;
  }
  // Verdict.as_json
  Verdict.prototype.asJson = function () {
    var r = this.requirement, h = this.held;
    return { id: r.node, requirement: r.local_id, iri: r.iri, title: r.title, status: this.status, reason: this.reason,
             criteria: this.criteria,
             assumes: this.assumes.map(function (a) { return { requirement: a[0], level: a[1] || null, where: a[2] }; }),
             held: h ? { requirement: h[0], level: h[1] || null, source: h[2] } : null,
             path: this.path.map(function (x) { return x.asJson(); }),
             notes: this.notes.map(function (x) { return x.asJson(); }) };
  };
  // Result.counts
  function counts(result) {
    var c = {};
    STATUSES.forEach(function (s) { c[s] = 0; });
    result.verdicts.forEach(function (v) { c[v.status] += 1; });
    return c;
  }

  // ---- the index (recognise.RecognitionIndex) ---------------------------------------------------
  // RecognitionIndex.__init__, from recognise/index.json
  function Index(data) {
    var self = this;
    this.data = data;
    this.schemes = new Map();
    this.reqByNode = new Map();
    sorted(data.schemes.map(function (s) { return s.scheme; })).forEach(function (name) {
      var s = data.schemes.filter(function (x) { return x.scheme === name; })[0];
      var info = new SchemeInfo(s);
      s.requirements.forEach(function (r) {
        var req = { node: r[0], scheme: s.scheme, local_id: r[1], title: r[2], iri: r[3], owner_iri: r[4],
                    conformity_topic: r[5], kind: r[6] };
        info.requirements.push(req);
        self.reqByNode.set(req.node, req);
      });
      self.schemes.set(name, info);
    });
    this.criteria = new Map(Object.keys(data.criteria).map(function (k) { return [k, data.criteria[k]]; }));
    this.rows = data.rows.map(function (a) {
      var f = {};
      data.row_fields.forEach(function (name, i) { f[name] = a[i]; });
      return new Row(f);
    });

    var exact = new Map();  // exact-match adjacency between nodes (the last row of a pair wins)
    this.outEdges = new Map();
    this.rowsBySubject = new Map();
    this.rowsByObjectScheme = new Map();  // key: object + "\0" + scheme
    this._variants = new Map();  // requirement -> the levels rows assume for it
    this.rows.forEach(function (row) {
      push(self.rowsBySubject, row.subject, row);
      push(self.rowsByObjectScheme, row.object + "\u0000" + row.scheme, row);
      if (row.subject !== NO_TERM) addSet(self._variants, row.subject, row.level);
      if (!row.recognising) return;
      if (row.kind === "exact" && row.full) {
        if (!exact.has(row.subjectNode)) exact.set(row.subjectNode, new Map());
        exact.get(row.subjectNode).set(row.object, row);
        if (!exact.has(row.object)) exact.set(row.object, new Map());
        exact.get(row.object).set(row.subjectNode, row);
      } else {
        push(self.outEdges, row.subjectNode, row);
      }
    });

    // exact classes: a BFS tree per class, rooted at its smallest member, neighbours in sorted order
    this._comp = new Map(); this._members = new Map(); this._parent = new Map(); this._depth = new Map();
    exact.forEach(function (_adj, start) {
      if (self._comp.has(start)) return;
      var comp = new Set([start]), todo = [start];
      while (todo.length) {
        var u = todo.pop();
        exact.get(u).forEach(function (_row, v) { if (!comp.has(v)) { comp.add(v); todo.push(v); } });
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

    // one hop out of each exact class, by target class: a full row is preferred over a partial one;
    // the first row in (member, file) order wins
    this._hops = new Map();
    sorted(Array.from(this.outEdges.keys())).forEach(function (node) {
      var c = self.comp(node);
      if (!self._hops.has(c)) self._hops.set(c, new Map());
      var hops = self._hops.get(c);
      self.outEdges.get(node).forEach(function (row) {
        var t = self.comp(row.object);
        if (!hops.has(t) || (!hops.get(t).full && row.full)) hops.set(t, row);
      });
    });

    // credential resolution helpers
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
    this.rowByWhere = new Map(this.rows.map(function (r) { return [r.where, r]; }));  // for the page
  }
  Index.prototype.comp = function (n) { return this._comp.has(n) ? this._comp.get(n) : n; };
  Index.prototype._depthOf = function (n) { return this._depth.has(n) ? this._depth.get(n) : 0; };
  // RecognitionIndex.exact_path: the exact rows linking u to v (same class), in order from u to v
  Index.prototype.exactPath = function (u, v) {
    if (u === v) return [];
    var up = [], down = [], a = u, b = v, p;
    while (this._depthOf(a) > this._depthOf(b)) { p = this._parent.get(a); up.push(p[1]); a = p[0]; }
    while (this._depthOf(b) > this._depthOf(a)) { p = this._parent.get(b); down.push(p[1]); b = p[0]; }
    while (a !== b) {
      var pa = this._parent.get(a), pb = this._parent.get(b);
      up.push(pa[1]); down.push(pb[1]); a = pa[0]; b = pb[0];
    }
    return up.concat(down.reverse());
  };
  // RecognitionIndex.variants: the levels at which a requirement appears (its default level included)
  Index.prototype.variants = function (curie) {
    var req = this.reqByNode.get(curie);
    var out = new Set(this._variants.get(curie) || []);
    if (req) out.add(this.schemes.get(req.scheme).defaultLevel);
    return sorted(Array.from(out));
  };
  // RecognitionIndex.scheme_of
  Index.prototype.schemeOf = function (curie) {
    var req = this.reqByNode.get(curie);
    return req ? this.schemes.get(req.scheme) || null : null;
  };
  // RecognitionIndex.scheme
  Index.prototype.scheme = function (name) {
    var info = this.schemes.get(name);
    if (!info) {
      var known = Array.from(this.schemes.keys()).join(", ") || "(none: mappings/standards/ is empty)";
      throw new UsageError("unknown scheme " + pyRepr(name), "", "use one of: " + known);
    }
    return info;
  };
  // RecognitionIndex.status: exact class (root) -> evidence, for everything the held requirements
  // meet or partly meet; `held`: Map requirement CURIE -> level held (null: assessed, not held)
  Index.prototype.status = function (held) {
    var self = this, seeds = [];  // [strength, node, curie, held level]
    sorted(Array.from(held.keys())).forEach(function (curie) {
      var h = held.get(curie);
      if (h === null) return;
      var info = self.schemeOf(curie);
      (info ? self.variants(curie) : [UNGRADED]).forEach(function (lv) {
        var st = info ? info.strength(h, lv) : MET;
        if (st) seeds.push([st, nodeId(curie, lv), curie, h]);
      });
    });
    seeds.sort(function (x, y) { return y[0] - x[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0); });
    var status = new Map(), best = new Map();
    seeds.forEach(function (s) {
      var root = self.comp(s[1]);
      if (!status.has(root)) {
        status.set(root, new Evidence(s[0], s[1], s[2], s[3]));
        best.set(root, s);
      }
    });
    var partial = [];
    sorted(Array.from(best.keys())).forEach(function (root) {
      var s = best.get(root);
      (self._hops.get(root) || new Map()).forEach(function (row, c) {
        var level = Math.min(s[0], row.full ? MET : PARTLY);
        var ev = new Evidence(level, s[1], s[2], s[3], row, row.subjectNode, row.object);
        if (level === MET) {
          if (!status.has(c) || status.get(c).level < MET) status.set(c, ev);
        } else partial.push([c, ev]);
      });
    });
    partial.forEach(function (p) { if (!status.has(p[0])) status.set(p[0], p[1]); });
    return status;
  };
  // RecognitionIndex.evidence_path: rows from the held node to `node` (a member of the evidenced class)
  Index.prototype.evidencePath = function (ev, node) {
    if (!ev.hop) return this.exactPath(ev.held, node);
    return this.exactPath(ev.held, ev.hopFrom).concat([ev.hop], this.exactPath(ev.hopTo, node));
  };
  // RecognitionIndex.scheme_held: every requirement of `source` held at `level` (null: its pass level)
  Index.prototype.schemeHeld = function (source, level) {
    var info = this.scheme(source), lv = level === null ? info.defaultLevel : level;
    return new Map(info.requirements.map(function (r) { return [r.node, lv]; }));
  };
  // RecognitionIndex.recognise_scheme
  Index.prototype.recogniseScheme = function (source, target, level) {
    var info = this.scheme(source), lv = level === null ? info.defaultLevel : level;
    var key = source + "\u0000" + lv, held = this.schemeHeld(source, lv);
    if (!this._schemeCache.has(key)) this._schemeCache.set(key, this.status(held));
    var why = level !== null ? "--level" : (lv ? "the scheme's pass level (no --level given)" : "");
    var desc = source + " (" + (info.version || info.title) + ")" + (lv ? " held at " + lv : "");
    return this._recognise(this._schemeCache.get(key), held, target, new Set([source]), desc, why, new Map());
  };
  // RecognitionIndex.recognise: from held requirements (Map CURIE -> level, null: assessed, not held)
  Index.prototype.recognise = function (held, target, source, levelSources) {
    var self = this, heldSchemes = new Set();
    held.forEach(function (_lv, h) { if (self.reqByNode.has(h)) heldSchemes.add(self.reqByNode.get(h).scheme); });
    return this._recognise(this.status(held), held, target, heldSchemes, source || "", "", levelSources || new Map());
  };
  // RecognitionIndex._recognise
  Index.prototype._recognise = function (status, held, target, heldSchemes, source, levelSource, levelSources) {
    var self = this, info = this.scheme(target);
    var src = new Map();
    held.forEach(function (lv, h) { src.set(h, [lv, levelSources.has(h) ? levelSources.get(h) : levelSource]); });
    var verdicts = info.requirements.map(function (r) { return self._verdict(r, status, held, heldSchemes, src); });
    var crit = new Map();
    this.criteria.forEach(function (_label, cid) {
      var ev = status.get(self.comp(cid));
      if (ev) crit.set(cid, [ev.level === MET ? STATUS_MET : STATUS_PARTLY, self.evidencePath(ev, cid)]);
    });
    var heldList = sorted(Array.from(held.keys()).filter(function (h) { return held.get(h) !== null; }));
    return { target: info, held: heldList, verdicts: verdicts, criteria: crit, source: source, heldLevels: src };
  };
  // RecognitionIndex._assumes
  Index.prototype._assumes = function (path) {
    var out = [];
    path.forEach(function (r) {
      if (r.subject === NO_TERM) return;
      var dup = out.some(function (a) { return a[0] === r.subject && a[1] === r.level && a[2] === r.where; });
      if (!dup) out.push([r.subject, r.level, r.where]);
    });
    return out;
  };
  // RecognitionIndex._verdict
  Index.prototype._verdict = function (req, status, held, heldSchemes, src) {
    var self = this, b = req.node, info = this.schemes.get(req.scheme);
    var own = this.rowsBySubject.get(b) || [];
    var recog = own.filter(function (r) { return r.recognising; });
    var crits = sorted(uniq(recog.map(function (r) { return r.object; })));
    var hl;
    if (held.has(b)) {  // the target requirement itself is held (same scheme)
      var h = held.get(b);
      var source = src.has(b) ? src.get(b)[1] : "";
      if (h === null) {
        return new Verdict(req, STATUS_NOT_MET, "assessed, and the credential says it is not conformant", [], crits, [], [],
                           [b, UNGRADED, source || "the credential"]);
      }
      var st = info.strength(h, info.defaultLevel);
      hl = [b, h, source];
      if (st === MET) {
        return new Verdict(req, STATUS_MET, "held directly" + (h ? " at " + h : ""), [], crits, [], [[b, h, "held"]], hl);
      }
      if (st === PARTLY) {
        return new Verdict(req, STATUS_PARTLY, "held directly at " + h + ", below " + info.defaultLevel + ", the level at which " +
                           info.scheme + " counts it as met", [], crits, [], [[b, h, "held"]], hl);
      }
      return new Verdict(req, STATUS_NOT_MET, "held at " + h + ", a level " + info.scheme + " does not count as meeting it", [],
                         crits, [], [], hl);
    }
    var met = [], partly = [];  // [path, evidence, level] / [path, evidence]
    this.variants(b).forEach(function (lv) {
      var v = nodeId(b, lv), ev = status.get(self.comp(v));
      if (ev) {
        var path = self.evidencePath(ev, v);
        if (ev.level === MET) met.push([path, ev, lv]); else partly.push([path, ev]);
      }
    });
    recog.forEach(function (row) {
      if (row.full && row.kind === "exact") return;  // its class is above
      var evc = status.get(self.comp(row.object));
      if (evc) partly.push([self.evidencePath(evc, row.object).concat([row]), evc]);
    });
    function heldOf(ev) { return [ev.heldCurie, ev.heldLevel, src.has(ev.heldCurie) ? src.get(ev.heldCurie)[1] : ""]; }
    var path, ev, reason;
    if (met.length) {
      path = met[0][0]; ev = met[0][1];
      var lv = met[0][2], assumes = this._assumes(path);
      if (!assumes.length) assumes = [[b, lv, "held"]];
      if (assumes.every(function (a) { return a[0] !== b; })) assumes.push([b, lv, "its exact class"]);
      reason = explain(path, b, "met");
      if (ev.heldLevel) reason += " \u2014 held " + ev.heldCurie + " at " + ev.heldLevel;
      return new Verdict(req, STATUS_MET, reason, path, crits, [], assumes, heldOf(ev));
    }
    if (partly.length) {
      partly.sort(function (x, y) { return y[1].level - x[1].level; });  // stable: a path whose criterion is met first
      path = partly[0][0]; ev = partly[0][1];
      reason = explain(path, b, "partly", ev, this.schemeOf(ev.heldCurie));
      return new Verdict(req, STATUS_PARTLY, reason, path, crits, [], this._assumes(path), heldOf(ev));
    }
    // nothing recognised: a reviewed "no", or an unknown
    if (!recog.length) {
      if (!own.length) {
        return new Verdict(req, STATUS_NOT_ESTABLISHED, "no crosswalk row for this requirement: nothing could recognise it", [], []);
      }
      var gaps = own.filter(function (r) { return r.object === NO_TERM && r.reviewed; });
      var unreviewed = own.filter(function (r) {
        return !r.reviewed && (RECOGNISING_KINDS.indexOf(r.kind) >= 0 || r.negated || r.isGap);
      });
      var parts = [];
      if (gaps.length) parts.push("reviewed gap: it has no harmonised counterpart, so no other scheme can be recognised for it");
      if (unreviewed.length) parts.push("unreviewed rows, which recognition does not use until reviewed");
      var rest = sorted(uniq(own.filter(function (r) { return gaps.indexOf(r) < 0 && unreviewed.indexOf(r) < 0; })
        .map(predicatePhrase)));
      if (rest.length) parts.push("only " + rest.join(", ") + " rows, which never recognise");
      return new Verdict(req, STATUS_NOT_ESTABLISHED, parts.join("; "), [], [], own.slice());
    }
    var noRows = [], unknown = [];
    crits.forEach(function (c) {
      var r = self._heldNo(c, heldSchemes, held);
      if (r[0]) r[1].forEach(function (x) { if (noRows.indexOf(x) < 0) noRows.push(x); });
      else unknown.push([c, r[1]]);
    });
    if (!unknown.length) {
      reason = "mapped to " + crits.join(", ") + "; reviewed rows say the held scheme does not give them: " +
        noRows.map(function (r) { return note(r, held); }).join("; ");
      return new Verdict(req, STATUS_NOT_MET, reason, recog.slice(), crits, noRows);
    }
    var texts = [], notes = [];
    unknown.forEach(function (u) {
      var c = u[0], rows = u[1];
      if (rows.length) {
        texts.push(c + ": " + rows.map(function (r) { return note(r, held); }).join("; "));
        rows.forEach(function (r) { if (notes.indexOf(r) < 0) notes.push(r); });
      } else {
        texts.push(c + ": no row of the held scheme names it");
      }
    });
    reason = "mapped to " + crits.join(", ") + ", which nothing held establishes either way \u2014 " + texts.join("; ");
    return new Verdict(req, STATUS_NOT_ESTABLISHED, reason, recog.slice(), crits,
                       notes.concat(noRows.filter(function (r) { return notes.indexOf(r) < 0; })));
  };
  // RecognitionIndex._held_no: do reviewed rows of the held schemes say they do not give criterion c?
  // [true, the rows saying so] or [false, the rows that leave it open]
  Index.prototype._heldNo = function (c, heldSchemes, held) {
    var self = this, rows = [];
    sorted(Array.from(heldSchemes)).forEach(function (s) {
      rows = rows.concat(self.rowsByObjectScheme.get(c + "\u0000" + s) || []);
    });
    var nos = [], open = [];
    rows.forEach(function (r) {
      if (r.saysNo) nos.push(r);
      else if (r.recognising && held.has(r.subject) && self._countsNothing(r.subject, held.get(r.subject))) nos.push(r);
      else open.push(r);
    });
    var gaps = nos.filter(function (r) { return r.subject === NO_TERM; });
    if (gaps.length) return [true, gaps];
    if (rows.length && !open.length) return [true, nos];
    return [false, open];
  };
  // RecognitionIndex._counts_nothing
  Index.prototype._countsNothing = function (curie, level) {
    if (level === null) return true;
    var info = this.schemeOf(curie);
    return !!info && info.levels.length > 0 && info.reading(level) === "none";
  };
  // RecognitionIndex.schemes_for_url
  Index.prototype.schemesForUrl = function (url) { return new Set(this._urlSchemes.get(urlKey(url)) || []); };
  // RecognitionIndex.match_name
  Index.prototype.matchName = function (scheme, name) {
    var cands = nameCandidates(name);
    for (var i = 0; i < cands.length; i++) {
      var hits = this._byName.get(scheme + "\u0000" + cands[i]);
      if (hits && hits.length) return hits;
    }
    return [];
  };

  // ---- the words of the answers --------------------------------------------------------------------
  function localName(p) { var parts = p.split(":"); return parts[parts.length - 1]; }
  // recognise._predicate_phrase
  function predicatePhrase(r) {
    if (r.negated) return "negated " + r.predicate;
    if (r.subject === NO_TERM || r.object === NO_TERM) return "NoTermFound";
    return r.predicate;
  }
  // recognise._note
  function note(r, held) {
    var what;
    if (r.subject === NO_TERM) what = r.scheme + " has nothing for " + r.object + " (reviewed gap)";
    else if (r.negated) what = r.subject + " is reviewed as NOT " + localName(r.predicate) + " " + r.object;
    else if (r.kind === "close" || r.kind === "related") {
      what = r.subject + " is only " + localName(r.predicate) + " " + r.object + ", which never recognises";
    } else if (!r.reviewed) what = r.subject + " " + localName(r.predicate) + " " + r.object + " is not reviewed yet";
    else if (r.recognising && held && held.has(r.subject)) {
      var h = held.get(r.subject);
      what = h === null ? r.subject + " is assessed as not conformant"
        : r.subject + " is held at " + h + ", a level its scheme does not count";
    } else if (r.recognising) what = r.subject + " " + localName(r.predicate) + " " + r.object + ", but " + r.subject + " is not held";
    else what = r.subject + " is only " + localName(r.predicate) + " " + r.object + ", which never recognises";
    return what + " [" + r.where + "]";
  }
  // recognise._SET_PHRASE and _phrase
  var SET_PHRASE = { exact: function (s, o) { return s + " = " + o; },
                     broad: function (s, o) { return s + " \u2286 " + o; },
                     narrow: function (s, o) { return s + " covers part of " + o; } };
  function phrase(r) {
    if ((r.kind === "exact" || r.kind === "broad") && r.flags.length) {
      return r.subject + " ~ " + r.object + " (" + r.flags.join(" and ") + ")";
    }
    return SET_PHRASE[r.kind] ? SET_PHRASE[r.kind](r.subject, r.object) : r.subject + " ? " + r.object;
  }
  // recognise._explain: a one-line reading of the path in set terms
  function explain(path, target, outcome, ev, heldInfo) {
    var text = path.map(phrase).join("; ");
    if (outcome !== "partly") return text;
    var why = [];
    var heldSide = path.filter(function (r) { return r.subject !== target; });
    for (var i = 0; i < heldSide.length; i++) {
      var r = heldSide[i];
      if (!r.full) {
        why.push(r.kind === "narrow" ? "the held " + r.subject + " covers " + r.object + " only partly"
          : r.subject + " ~ " + r.object + " is marked " + r.flags.join(" and "));
        break;
      }
    }
    path.filter(function (x) { return x.subject === target; }).forEach(function (x) {
      if (x.kind === "broad" && x.full) why.push(target + " asks more than " + x.object);
      else if (x.kind === "narrow") why.push(target + " covers only part of " + x.object + ", and no row claims " + x.object + " \u2286 " + target);
      else if (x.flags.length) why.push(target + " ~ " + x.object + " is marked " + x.flags.join(" and "));
    });
    if (ev && ev.heldLevel && heldInfo && heldInfo.levels.length) {
      heldSide.slice(0, 1).forEach(function (x) {
        if (heldInfo.strength(ev.heldLevel, x.level) === PARTLY) {
          why.push(ev.heldCurie + " is held at " + ev.heldLevel + ", below the " + x.level + " that " + x.where + " assumes");
        }
      });
    }
    if (why.length) text += " \u2014 " + why.join(" and ");
    return text;
  }
  // recognise._url_key
  function urlKey(url) {
    var u = url.trim().split("#")[0].replace(/\/+$/, "");
    return u.replace(/^https?:\/\//i, "").toLowerCase();
  }
  // recognise._norm_name (without the words "test" and "sample")
  var NOISE = { test: true, sample: true };
  function normName(s) {
    s = s.toLowerCase().split("&").join(" and ");
    return (s.match(/[a-z0-9]+/g) || []).filter(function (t) { return !has(NOISE, t); }).join(" ");
  }
  // recognise._name_candidates
  function nameCandidates(name) {
    var out = [], parts = [name, name.split(":").pop()];
    parts.forEach(function (p) { var n = normName(p); if (n && out.indexOf(n) < 0) out.push(n); });
    return out;
  }

  // ---- difflib, as far as held_level uses it ------------------------------------------------------
  // difflib.SequenceMatcher(None, a, b).ratio(): 2 M / (len a + len b), M the characters in the
  // matching blocks (find_longest_match on both sides of each longest match; with autojunk, the
  // elements of b that are "popular" (b of 200 or more) do not start a match)
  function sequenceRatio(a, b) {
    a = Array.from(a); b = Array.from(b);
    var b2j = new Map();
    b.forEach(function (elt, j) { push(b2j, elt, j); });
    if (b.length >= 200) {
      var ntest = Math.floor(b.length / 100) + 1, popular = [];
      b2j.forEach(function (idxs, elt) { if (idxs.length > ntest) popular.push(elt); });
      popular.forEach(function (elt) { b2j.delete(elt); });
    }
    function longest(alo, ahi, blo, bhi) {  // SequenceMatcher.find_longest_match (no junk function)
      var besti = alo, bestj = blo, bestsize = 0, j2len = new Map();
      for (var i = alo; i < ahi; i++) {
        var newj2len = new Map(), js = b2j.get(a[i]) || [];
        for (var n = 0; n < js.length; n++) {
          var j = js[n];
          if (j < blo) continue;
          if (j >= bhi) break;
          var k = (j2len.get(j - 1) || 0) + 1;
          newj2len.set(j, k);
          if (k > bestsize) { besti = i - k + 1; bestj = j - k + 1; bestsize = k; }
        }
        j2len = newj2len;
      }
      while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) { besti--; bestj--; bestsize++; }
      while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
      return [besti, bestj, bestsize];
    }
    var matches = 0, queue = [[0, a.length, 0, b.length]];  // SequenceMatcher.get_matching_blocks
    while (queue.length) {
      var q = queue.pop(), m = longest(q[0], q[1], q[2], q[3]), i = m[0], j = m[1], k = m[2];
      if (k) {
        matches += k;
        if (q[0] < i && q[2] < j) queue.push([q[0], i, q[2], j]);
        if (i + k < q[1] && j + k < q[3]) queue.push([i + k, q[1], j + k, q[3]]);
      }
    }
    var length = a.length + b.length;
    return length ? 2.0 * matches / length : 1.0;
  }
  // bool(difflib.get_close_matches(word, possibilities, n=1, cutoff)): its quick ratios only bound
  // ratio() from above, so this is "some possibility has ratio() >= cutoff"
  function hasCloseMatch(word, possibilities, cutoff) {
    return possibilities.some(function (x) { return sequenceRatio(x, word) >= cutoff; });
  }

  // ---- achievement levels in UNTP credentials (0.5.0 and 0.7.0 shapes) ---------------------------
  // recognise.performance_scores: every performance score stated on a UNTP object, in document order
  function performanceScores(obj, where) {
    var out = [];
    if (!isObj(obj)) return out;
    asList(get(obj, "declaredValue")).forEach(function (m, i) {
      var score = get(m, "score");
      if (isObj(m) && isScalar(score) && pyStr(score).trim()) {
        var name = isStr(get(m, "metricName")) ? m.metricName : "";
        out.push({ code: pyStr(score).trim(), metric: name, where: where + ".declaredValue[" + i + "].score" });
      }
    });
    ["assessedPerformance", "claimedPerformance"].forEach(function (key) {
      var val = get(obj, key), many = Array.isArray(val);
      asList(val).forEach(function (p, i) {
        if (!isObj(p) || !isObj(get(p, "score"))) return;
        var code = get(p.score, "code");
        if (!isScalar(code) || !pyStr(code).trim()) return;
        var metric = get(p, "metric");
        var name = isObj(metric) && isStr(get(metric, "name")) ? metric.name : "";
        var at = many ? where + "." + key + "[" + i + "].score.code" : where + "." + key + ".score.code";
        out.push({ code: pyStr(code).trim(), metric: name, where: at });
      });
    });
    var ps = get(obj, "profileScore");
    if (isObj(ps) && isScalar(get(ps, "code")) && pyStr(ps.code).trim()) {
      out.push({ code: pyStr(ps.code).trim(), metric: "", where: where + ".profileScore.code" });
    }
    return out;
  }
  // recognise.held_level: {level (null: not held), source, problem}
  function heldLevel(info, conformance, scores, names, cliLevel) {
    if (conformance === false) return { level: null, source: "conformance: false", problem: "" };
    if (!info.levels.length) return { level: UNGRADED, source: conformance ? "conformance: true" : "assessed", problem: "" };
    var problem = "", chosen = null;
    if (scores.length) {
      var wanted = names.map(normName).filter(function (n) { return n; });
      var named = scores.filter(function (s) { return s.metric && wanted.indexOf(normName(s.metric)) >= 0; });
      if (!named.length && wanted.length) {
        scores.forEach(function (s) { if (s.metric && hasCloseMatch(normName(s.metric), wanted, 0.85)) named.push(s); });
      }
      if (named.length) chosen = named[0];
      else if (new Set(scores.map(function (s) { return normCode(s.code); })).size === 1) chosen = scores[0];
      else {
        problem = "several scores (" + scores.map(function (s) { return s.code + " at " + s.where; }).join(", ") +
          ") and none is named like this criterion";
      }
    }
    if (chosen !== null) {
      var lv = info.findLevel(chosen.code);
      if (lv !== null) return { level: lv, source: chosen.where, problem: "" };
      problem = "score " + pyRepr(chosen.code) + " at " + chosen.where + " is not one of " + info.scheme + "'s levels (" +
        info.levels.map(function (x) { return x.id; }).join(", ") + ")";
    }
    if (cliLevel !== null && info.findLevel(cliLevel) !== null) {
      return { level: info.findLevel(cliLevel), source: "--level", problem: problem };
    }
    return { level: info.credentialLevel, source: "conformance: true, read as " + info.scheme + "'s conformance_level",
             problem: problem };
  }

  // ---- credentials ------------------------------------------------------------------------------------
  // recognise.CriterionReading
  function CriterionReading(where, id, name, conformance, topic, problem) {
    this.where = where; this.id = id; this.name = name; this.conformance = conformance; this.topic = topic;
    this.requirement = null; this.how = ""; this.problem = problem || "";
    this.level = null; this.levelSource = ""; this.levelProblem = ""; this.levelRank = 0;
  }
  CriterionReading.prototype.asJson = function () {
    return { where: this.where, id: this.id, name: this.name, conformance: this.conformance,
             conformityTopic: this.topic, resolved: this.requirement ? this.requirement.node : null, how: this.how,
             problem: this.problem, level: this.level || null, levelSource: this.levelSource,
             levelProblem: this.levelProblem };
  };
  CriterionReading.prototype.setLevel = function (info, hl) {
    this.level = hl.level; this.levelSource = hl.source; this.levelProblem = hl.problem;
    this.levelRank = hl.level ? info.rank(hl.level) : 0;
  };
  // recognise.CredentialReading
  function CredentialReading(path, schemes, readings) {
    this.path = path; this.schemes = schemes; this.readings = readings; this.version = ""; this.unresolvedIris = [];
  }
  // CredentialReading.held_levels: requirement -> level held (null: assessed, not conformant); of several
  // assessments of one requirement the lowest level counts, and a non-conformance wins
  CredentialReading.prototype.heldLevels = function () {
    var out = new Map(), rank = new Map();
    this.readings.forEach(function (r) {
      if (!r.requirement) return;
      var n = r.requirement.node, lv = r.conformance ? r.level : null, k = lv === null ? -1 : r.levelRank;
      if (!out.has(n) || k < rank.get(n)) { out.set(n, lv); rank.set(n, k); }
    });
    return out;
  };
  // CredentialReading.level_sources
  CredentialReading.prototype.levelSources = function () {
    var out = new Map();
    this.readings.forEach(function (r) { if (r.requirement) out.set(r.requirement.node, r.levelSource); });
    return out;
  };
  // recognise.credential_subject: the credential subject (a ConformityAttestation) and its JSON path prefix
  function credentialSubject(data, where) {
    if (isObj(data) && isEnveloped(data)) data = unwrapEnvelope(data, where);
    if (!isObj(data)) {
      throw new UsageError("the credential is not a JSON object", where, "pass a UNTP ConformityAttestation or a VC wrapping one");
    }
    if (has(data, "credentialSubject")) {
      var cs = data.credentialSubject;
      if (Array.isArray(cs)) {
        for (var i = 0; i < cs.length; i++) {
          if (isObj(cs[i]) && (truthy(get(cs[i], "assessment")) || truthy(get(cs[i], "conformityAssessment")))) {
            return [cs[i], "credentialSubject[" + i + "]"];
          }
        }
        cs = cs.length ? cs[0] : {};
      }
      if (!isObj(cs)) throw new UsageError("credentialSubject is not an object", where + ": credentialSubject");
      return [cs, "credentialSubject"];
    }
    return [data, "$"];
  }
  // recognise._is_enveloped
  function isEnveloped(data) {
    var t = get(data, "type"), types = Array.isArray(t) ? t : [t];
    return types.indexOf("EnvelopedVerifiableCredential") >= 0 && (has(data, "id") ? pyStr(data.id) : "").indexOf("data:") === 0;
  }
  // recognise._unwrap_envelope: decode (without verifying) data:application/vc+jwt,<jwt>. Python's
  // decoder skips characters outside the base64 alphabet, as this does; its error texts differ.
  function unwrapEnvelope(data, where) {
    var id = pyStr(data.id), comma = id.indexOf(",");
    var parts = (comma >= 0 ? id.slice(comma + 1) : id).split(".");
    var seg = parts.length >= 2 ? parts[1] : parts[0];
    try {
      if (/[^\x00-\x7f]/.test(seg)) throw new Error("not ASCII");
      seg += "===".slice(0, (4 - seg.length % 4) % 4);
      seg = seg.replace(/-/g, "+").replace(/_/g, "/").replace(/[^A-Za-z0-9+/=]/g, "");
      var bytes = Uint8Array.from(atob(seg), function (c) { return c.charCodeAt(0); });
      return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (e) {
      throw new UsageError("cannot decode the enveloped credential: " + e.message, where + ": id");
    }
  }
  // recognise.read_credential: the UNTP 0.5.0 reading (scope, assessment[], conformance)
  function readCredential(index, cs, prefix, path, cliLevel) {
    var key = get(cs, "assessment") !== null || get(cs, "conformityAssessment") === null ? "assessment" : "conformityAssessment";
    var assessments = asList(get(cs, key));
    if (!assessments.length) {
      throw new UsageError("the credential has no assessments", path ? path + ": " + prefix + ".assessment" : prefix + ".assessment",
        "recognition needs a UNTP ConformityAttestation with assessment[].assessmentCriteria[] and conformance");
    }
    var urls = [], scope = get(cs, "scope");
    if (isObj(scope) && isStr(get(scope, "id"))) urls.push(scope.id);
    assessments.forEach(function (a) {
      var ref = get(a, "referenceStandard");
      if (isObj(ref) && isStr(get(ref, "id"))) urls.push(ref.id);
    });
    var schemes = new Set();
    urls.forEach(function (u) { index.schemesForUrl(u).forEach(function (s) { schemes.add(s); }); });
    var readings = [];
    assessments.forEach(function (a, i) {
      var ap = prefix + "." + key + "[" + i + "]";
      if (!isObj(a)) { readings.push(new CriterionReading(ap, "", "", false, "", "assessment is not an object")); return; }
      var conf = get(a, "conformance") === true;
      var topic = isStr(get(a, "conformityTopic")) ? a.conformityTopic : "";
      var local = new Set(schemes), ref = get(a, "referenceStandard");
      if (isObj(ref) && isStr(get(ref, "id"))) {
        var found = index.schemesForUrl(ref.id);
        if (found.size) local = found;
      }
      var crits = asList(get(a, "assessmentCriteria"));
      var scores = performanceScores(a, ap);
      if (!crits.length) { readings.push(new CriterionReading(ap, "", "", conf, topic, "no assessmentCriteria")); return; }
      crits.forEach(function (c, j) {
        var cp = ap + ".assessmentCriteria[" + j + "]";
        if (!isObj(c)) { readings.push(new CriterionReading(cp, "", "", conf, topic, "criterion is not an object")); return; }
        var cid = isStr(get(c, "id")) ? c.id : "", name = isStr(get(c, "name")) ? c.name : "";
        var rd = resolve(index, new CriterionReading(cp, cid, name, conf, topic), local);
        if (rd.requirement) {
          var info = index.schemes.get(rd.requirement.scheme);
          rd.setLevel(info, heldLevel(info, conf, scores, [name, rd.requirement.title], cliLevel));
        }
        readings.push(rd);
      });
    });
    return new CredentialReading(path, sorted(Array.from(schemes)), readings);
  }
  // recognise._resolve: a 0.5.0 criterion by its owner's IRI, else by its name
  function resolve(index, rd, schemes) {
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
    if (!pool.length) {
      rd.problem = "no catalogue has this criterion's IRI, and the credential's scope/referenceStandard names no known scheme";
    } else if (cands.length > 1) {
      rd.problem = "IRI " + rd.id + " is shared by " + cands.map(function (c) { return c.node; }).join(", ") +
        " and the name " + pyRepr(rd.name) + " matches none of them";
    } else {
      rd.problem = "no requirement with this IRI, and no title in " + pool.join(", ") + " matches " + pyRepr(rd.name);
    }
    return rd;
  }
  // credentials.version_of
  function versionOf(data) {
    var ctx = isObj(data) ? get(data, "@context") : null, ctxs = Array.isArray(ctx) ? ctx : [ctx];
    if (ctxs.indexOf(UNTP_070) >= 0) return "0.7.0";
    if (ctxs.some(function (c) { return isStr(c) && c.indexOf("/0.5.0") >= 0 && c.indexOf("/untp/") >= 0; })) return "0.5.0";
    return "0.5.0 (assumed: no UNTP 0.7.0 context)";
  }
  // credentials.read_070: a UNTP 0.7.0 credential, read by the IRIs it cites (the published
  // ConformityScheme documents come in the index: published.schemes, .profiles, .required)
  function read070(index, cs, prefix, path, cliLevel) {
    var assessments = asList(get(cs, "conformityAssessment"));
    if (!assessments.length) {
      throw new UsageError("the credential has no conformity assessments", path + ": " + prefix + ".conformityAssessment",
        "recognition needs a UNTP 0.7.0 ConformityAttestation with conformityAssessment[].assessmentCriteria[]");
    }
    var pub = index.data.published, required = pub.required, base = index.data.criteria_base;
    var byIri = new Map();
    index.reqByNode.forEach(function (r) { if (r.iri) byIri.set(r.iri, r); });
    var unresolved = [], schemes = new Set();
    ["referenceScheme", "referenceProfile"].forEach(function (key) {
      var ref = get(cs, key), rid = isObj(ref) ? get(ref, "id") : null;
      if (!isStr(rid)) return;
      var table = key === "referenceScheme" ? pub.schemes : pub.profiles;
      var s = has(table, rid) ? table[rid] : null;
      if (s === null && key === "referenceScheme") {
        var found = index.schemesForUrl(rid);
        found.forEach(function (x) { schemes.add(x); });
        if (!found.size) unresolved.push(prefix + "." + key + ".id " + rid);
      } else if (s === null) unresolved.push(prefix + "." + key + ".id " + rid);
      else if (s !== "hc") schemes.add(s);
    });
    var readings = [];
    assessments.forEach(function (a, i) {
      var ap = prefix + ".conformityAssessment[" + i + "]";
      if (!isObj(a)) { readings.push(new CriterionReading(ap, "", "", false, "", "assessment is not an object")); return; }
      var topics = asList(get(a, "conformityTopic")).filter(isObj).map(function (t) { return has(t, "id") ? t.id : ""; });
      var scores = new Map();  // metric IRI -> the rank assessed
      asList(get(a, "assessedPerformance")).forEach(function (p) {
        if (isObj(p) && isObj(get(p, "metric")) && isObj(get(p, "score"))) scores.set(get(p.metric, "id"), get(p.score, "rank"));
      });
      var crits = asList(get(a, "assessmentCriteria"));
      if (!crits.length) { readings.push(new CriterionReading(ap, "", "", false, topics.join(","), "no assessmentCriteria")); return; }
      crits.forEach(function (c, j) {
        var cp = ap + ".assessmentCriteria[" + j + "]";
        var cid = isObj(c) && isStr(get(c, "id")) ? c.id : "", name = isObj(c) && isStr(get(c, "name")) ? c.name : "";
        var held;
        if (typeof get(a, "conformance") === "boolean") held = a.conformance;
        else if (has(required, cid) && scores.has(required[cid][0]) && isPyInt(scores.get(required[cid][0]))) {
          held = scores.get(required[cid][0]) <= required[cid][1];
        } else held = false;
        var rd = new CriterionReading(cp, cid, name, held, topics.join(","));
        var hc = cid.indexOf(base) === 0 ? cid.slice(base.length) : null;
        if (byIri.has(cid)) { rd.requirement = byIri.get(cid); rd.how = "IRI"; }
        else if (hc !== null && index.criteria.has("HC:" + hc)) {
          rd.requirement = { node: "HC:" + hc, scheme: "hc", local_id: hc, title: index.criteria.get("HC:" + hc), iri: cid,
                             owner_iri: "", conformity_topic: "", kind: "" };
          rd.how = "IRI";
        } else if (index.byOwnerIri.has(cid) && index.byOwnerIri.get(cid).length === 1) {
          rd.requirement = index.byOwnerIri.get(cid)[0]; rd.how = "owner_iri";
        } else {
          rd.problem = "no published requirement or criterion has this IRI";
          unresolved.push(cp + ".id " + cid);
        }
        if (rd.requirement && rd.requirement.scheme !== "hc") schemes.add(rd.requirement.scheme);
        if (rd.requirement) {  // the achievement level held (a score, the level chosen, or conformance)
          var info = index.schemes.get(rd.requirement.scheme);
          if (!info) {  // a harmonised criterion cited directly: no levels
            rd.level = held ? "" : null; rd.levelSource = "conformance";
          } else {
            rd.setLevel(info, heldLevel(info, held, performanceScores(a, ap), [name, rd.requirement.title], cliLevel));
          }
        }
        readings.push(rd);
      });
    });
    var reading = new CredentialReading(path, sorted(Array.from(schemes)), readings);
    reading.unresolvedIris = unresolved;
    return reading;
  }
  // credentials.read: by the UNTP version the credential declares
  function readAnyVersion(index, data, path, cliLevel) {
    var version = versionOf(data), sub = credentialSubject(data, path), reading;
    if (version === "0.7.0") reading = read070(index, sub[0], sub[1], path, cliLevel);
    else {
      reading = readCredential(index, sub[0], sub[1], path, cliLevel);
      reading.unresolvedIris = reading.readings.filter(function (r) { return !r.requirement && r.id; })
        .map(function (r) { return r.id; });
    }
    reading.version = version;
    return reading;
  }

  // ---- the command (recognise.run, check_level, result_json) ---------------------------------------
  // recognise.check_level: `level` as one of the scheme's level ids
  function checkLevel(info, level) {
    if (!info.levels.length) {
      throw new UsageError(info.scheme + " has no achievement levels, so --level " + pyRepr(level) + " does not apply", "",
                           "leave out --level for " + info.scheme);
    }
    var lv = info.findLevel(level);
    if (lv === null) {
      throw new UsageError(pyRepr(level) + " is not a level of " + info.scheme, "",
                           "use one of: " + info.levels.map(function (x) { return x.id; }).join(", ") + " (lowest first)");
    }
    return lv;
  }
  // recognise.run, --from SCHEME [--level L]: {result, json}
  function runScheme(index, source, target, level) {
    index.scheme(target);
    var info = index.scheme(source);
    var lv = level !== null ? checkLevel(info, level) : null;
    var result = index.recogniseScheme(source, target, lv);
    return { result: result, reading: null, json: resultJson(index, result, null) };
  }
  // recognise.run, --credential FILE [--level L]: {result, reading, json}
  function runCredential(index, data, path, target, level) {
    credentialSubject(data, path);  // bad input fails first, as in the CLI
    index.scheme(target);
    var reading = readAnyVersion(index, data, path, null);
    if (level !== null) {
      var named = sorted(uniq(reading.readings.filter(function (r) { return r.requirement && index.schemes.has(r.requirement.scheme); })
        .map(function (r) { return r.requirement.scheme; })));
      var graded = named.filter(function (s) { return index.schemes.get(s).levels.length; });
      if (!graded.length) {
        throw new UsageError("--level " + pyRepr(level) + ": none of the credential's schemes (" + (named.join(", ") || "none resolved") +
                             ") has achievement levels", "", "leave out --level");
      }
      graded.forEach(function (s) { checkLevel(index.schemes.get(s), level); });
      reading = readAnyVersion(index, data, path, level);
    }
    var result = index.recognise(reading.heldLevels(), target, "credential " + path, reading.levelSources());
    return { result: result, reading: reading, json: resultJson(index, result, reading) };
  }
  // recognise.result_json
  function resultJson(index, result, reading) {
    var t = result.target, heldLevels = {}, crit = {};
    sorted(Array.from(result.heldLevels.keys())).forEach(function (h) {
      var x = result.heldLevels.get(h);
      if (x[0] !== null) heldLevels[h] = { level: x[0] || null, source: x[1] };
    });
    sorted(Array.from(result.criteria.keys())).forEach(function (cid) {
      var x = result.criteria.get(cid);
      crit[cid] = { status: x[0], path: x[1].map(function (r) { return r.asJson(); }) };
    });
    var out = {
      format: index.data.result_format,
      source: result.source,
      target: { scheme: t.scheme, title: t.title, version: t.version, levels: t.levels.map(function (lv) { return lv.id; }),
                pass_level: t.defaultLevel || null },
      held: result.held,
      held_levels: heldLevels,
      statuses: index.data.statuses,
      summary: counts(result),
      criteria: crit,
      requirements: result.verdicts.map(function (v) { return v.asJson(); })
    };
    if (reading) {
      out.credential = { path: reading.path, untp_version: reading.version, unresolved_iris: reading.unresolvedIris,
                         schemes: reading.schemes, criteria: reading.readings.map(function (r) { return r.asJson(); }) };
    }
    return out;
  }

  // ---- the API the page (and its tests) use: the JSON of `crm-vocab recognise --format json` -------
  // level: null, as without --level, or a level's id or name
  var api = {
    Index: Index,
    UsageError: UsageError,
    fromScheme: function (index, source, target, level) { return runScheme(index, source, target, level == null ? null : level).json; },
    fromCredential: function (index, data, path, target, level) {
      return runCredential(index, data, path, target, level == null ? null : level).json;
    }
  };
  window.crmRecognise = api;

  // ---- the page -------------------------------------------------------------------------------------------
  var root = document.querySelector("[data-crm-recognise]");
  if (!root) return;
  var form = root.querySelector("form");
  var out = root.querySelector("[data-crm-result]");
  var jsonOut = root.querySelector("[data-crm-json]");
  var levelSelect = form.elements.level;
  var fileInput = root.querySelector("[data-crm-file]");
  var pasted = root.querySelector("[data-crm-paste]");
  var fileText = null, fileName = "";
  var loaded = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function heldKind() { return form.elements.held.value; }

  // The level chooser: for a scheme, its levels (lowest first); for a credential, every level of a
  // graded scheme, used where the credential states no score (as --level)
  function fillLevels(index) {
    var keep = levelSelect.value, options = [];
    if (heldKind() === "scheme") {
      var info = index.scheme(form.elements.source.value);
      if (!info.levels.length) options.push(["", info.scheme + " has no achievement levels"]);
      else {
        options.push(["", "its pass level, " + info.defaultLevel]);
        info.levels.forEach(function (lv) {
          options.push([lv.id, lv.id + (lv.title && lv.title !== lv.id ? ": " + lv.title : "") + " (counts " +
            { none: "for nothing", partial: "partly", full: "in full" }[lv.reading] + ")"]);
        });
      }
    } else {
      options.push(["", "as the credential states it (a score, or conformance: true read as the scheme's conformance level)"]);
      var byId = new Map();
      index.schemes.forEach(function (info) { info.levels.forEach(function (lv) { push(byId, lv.id, info.scheme); }); });
      byId.forEach(function (schemes, id) { options.push([id, id + " (" + schemes.join(", ") + ") where no score is stated"]); });
    }
    levelSelect.textContent = "";
    options.forEach(function (o) {
      var opt = el("option", o[1]);
      opt.value = o[0];
      levelSelect.appendChild(opt);
    });
    levelSelect.value = options.some(function (o) { return o[0] === keep; }) ? keep : "";
    levelSelect.disabled = options.length < 2;
  }

  function rowItem(r) {
    var li = el("li");
    li.appendChild(el("code", r.statement()));
    li.appendChild(document.createTextNode(" [" + r.where + "]"));
    if (r.comment) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", r.comment, "crm-details-comment"));
    }
    return li;
  }
  // the answer for people, as recognise.render_text gives it (_render_lines)
  function show(index, run) {
    var result = run.result, reading = run.reading, t = result.target, c = counts(result);
    out.textContent = "";
    jsonOut.textContent = JSON.stringify(run.json, null, 2);
    out.appendChild(el("p", (result.source || result.held.join(", ")) + " \u2192 " + t.scheme + " (" + (t.version || t.title) + ")"));
    if (reading) {
      var res = reading.readings.filter(function (r) { return r.requirement; });
      out.appendChild(el("p", "Credential: UNTP " + (reading.version || "0.5.0") + ", " + reading.readings.length +
        " assessed criteria, " + res.length + " resolved (" + (reading.schemes.join(", ") || "no known scheme") + "), " +
        res.filter(function (r) { return r.conformance; }).length + " held (conformance true)."));
    }
    out.appendChild(el("p", result.verdicts.length + " requirements: " + c[STATUS_MET] + " met, " + c[STATUS_PARTLY] +
      " partly met, " + c[STATUS_NOT_MET] + " not met, " + c[STATUS_NOT_ESTABLISHED] + " not established.", "crm-summary"));
    var ev = sorted(Array.from(result.criteria.keys()));
    if (ev.length) {
      out.appendChild(el("p", "Criteria evidenced: " + ev.map(function (cid) {
        return cid + (result.criteria.get(cid)[0] === STATUS_MET ? "" : " (partly)");
      }).join(", ")));
    }
    var legend = el("dl", null, "crm-statuses");
    STATUSES.forEach(function (s) { legend.appendChild(el("dt", s)); legend.appendChild(el("dd", index.data.statuses[s])); });
    out.appendChild(legend);
    if (reading) {
      var details = el("ul", null, "crm-credential-reading");
      reading.unresolvedIris.forEach(function (iri) { details.appendChild(el("li", "cited IRI not resolved: " + iri)); });
      reading.readings.forEach(function (r) {
        if (!r.requirement) details.appendChild(el("li", "unresolved " + r.where + ": " + (r.name || r.id || "(no id)") + ": " + r.problem));
        else if (!r.conformance) details.appendChild(el("li", "not held " + r.where + ": " + r.requirement.node + " (conformance is not true)"));
        else if (r.level) {
          details.appendChild(el("li", "held " + r.where + ": " + r.requirement.node + " at " + r.level + " (" + r.levelSource +
            (r.levelProblem ? "; " + r.levelProblem : "") + ")"));
        }
      });
      if (details.childNodes.length) { out.appendChild(el("p", "Credential reading:")); out.appendChild(details); }
    }
    var table = el("table", null, "crm-table crm-recognition");
    var head = table.createTHead().insertRow();
    ["requirement", "title", "status", "reason and rows"].forEach(function (h) { head.appendChild(el("th", h)); });
    var body = table.createTBody();
    result.verdicts.forEach(function (v) {
      var tr = body.insertRow();
      tr.dataset.status = v.status;
      tr.appendChild(el("td", v.requirement.node));
      tr.appendChild(el("td", v.requirement.title));
      tr.appendChild(el("td", v.status, "crm-status"));
      var td = el("td");
      td.appendChild(el("span", v.reason));
      if (v.status === STATUS_MET) {
        td.appendChild(el("p", "assumes: " + v.assumes.map(function (a) {
          return a[0] + " at " + (a[1] || "full conformance (no levels)") + " (" + a[2] + ")";
        }).join("; ")));
      }
      var rows = v.status === STATUS_MET || v.status === STATUS_PARTLY ? v.path : (v.notes.length ? v.notes : v.path);
      if (rows.length) {
        var ul = el("ul");
        rows.forEach(function (r) { ul.appendChild(rowItem(r)); });
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
    var text = e instanceof UsageError
      ? (e.where ? e.where + ": " : "") + e.message + (e.hint ? " (fix: " + e.hint + ")" : "")
      : (e && e.message ? e.message : String(e));
    out.appendChild(el("p", text, "crm-error"));
    root.dataset.state = "error";
  }

  var indexPromise = fetch(root.dataset.index).then(function (r) {
    if (!r.ok) throw new Error("cannot load " + root.dataset.index + " (" + r.status + ")");
    return r.json();
  }).then(function (d) {
    loaded = new Index(d);
    fillLevels(loaded);
    root.dataset.ready = "yes";
    return loaded;
  });
  indexPromise.catch(fail);
  function refill() { if (loaded) fillLevels(loaded); }
  form.elements.source.addEventListener("change", refill);
  Array.prototype.forEach.call(form.querySelectorAll("input[name=held]"), function (radio) { radio.addEventListener("change", refill); });

  function useCredential(f) {
    f.text().then(function (t) {
      fileText = t; fileName = f.name; root.crmFileText = t;
      root.querySelector("[data-crm-held-credential]").checked = true;
      refill();
    });
  }
  fileInput.addEventListener("change", function () { if (fileInput.files[0]) useCredential(fileInput.files[0]); });
  root.addEventListener("dragover", function (ev) { ev.preventDefault(); });
  root.addEventListener("drop", function (ev) {
    ev.preventDefault();
    var f = ev.dataTransfer.files[0];
    if (f) f.text().then(function (t) {
      fileText = t; fileName = f.name; root.crmFileText = t;
      root.querySelector("[data-crm-held-credential]").checked = true;
      refill();
      form.requestSubmit();
    });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    root.dataset.state = "busy";
    var target = form.elements.target.value;
    var level = levelSelect.value === "" ? null : levelSelect.value;
    indexPromise.then(function (index) {
      if (heldKind() === "scheme") {
        show(index, runScheme(index, form.elements.source.value, target, level));
        return;
      }
      var text = pasted.value.trim() ? pasted.value : fileText;
      var name = pasted.value.trim() ? "pasted credential" : fileName;
      if (!text) throw new UsageError("choose or paste a credential first");
      var data;
      try { data = JSON.parse(text); } catch (e) { throw new UsageError("the credential is not JSON: " + e.message, name); }
      show(index, runCredential(index, data, name, target, level));
    }).catch(fail);
  });
})();
