/**
 * Editor helper of @sgflow/node-red-shotgrid: entity type and field pickers fed by the site's
 * schema (admin route shotgrid-site/schema), and flags for names the site does not have.
 * Loaded by each node's edit dialog HTML with <script src="resources/@sgflow/node-red-shotgrid/schema-pickers.js">.
 * The schema is cached per site in the editor; the refresh button next to a picker reloads it.
 * The same cache marks nodes on the canvas whose literal names the site lacks (validator()).
 * Only literal values are checked: one from msg, flow, global, env or JSONata never is.
 */
(function () {
  'use strict';
  if (window.SGFlowSchema) return;

  var NS = '@sgflow/node-red-shotgrid/shotgrid-site:shotgrid-site.schema.';
  var PLACEHOLDER = '__PWRD__';
  /** siteId -> { key, types: Promise, fields: { Type: Promise }, typesNow, fieldsNow: { Type: answer } } */
  var cache = {};

  function t(key, subs) {
    var text = RED._(NS + key, subs);
    return text === NS + key ? key : text;
  }

  /** What the route needs to know about the site: its id, or its unsaved values as Test connection sends them. */
  function siteBody(siteId) {
    var site = RED.nodes.node(siteId);
    if (!site) return null;
    if (!site.changed) return { id: siteId };
    var creds = site.credentials || {};
    var secret = function (name) {
      return creds[name] ? creds[name] : creds['has_' + name] ? PLACEHOLDER : '';
    };
    return {
      id: siteId, site: site.site, authType: site.authType, sudoAsLogin: site.sudoAsLogin, proxy: site.proxy, tls: site.tls,
      connectTimeout: site.connectTimeout, requestTimeout: site.requestTimeout,
      credentials: { scriptName: creds.scriptName || '', scriptKey: secret('scriptKey'), login: creds.login || '', password: secret('password'), sessionToken: secret('sessionToken') },
    };
  }

  function post(body) {
    return new Promise(function (resolve) {
      $.ajax({ url: 'shotgrid-site/schema', method: 'POST', contentType: 'application/json', data: JSON.stringify(body), dataType: 'json', timeout: 30000 })
        .done(function (answer) { resolve(answer || { ok: false, message: 'no answer' }); })
        .fail(function (xhr) {
          var answer = xhr && xhr.responseJSON;
          resolve(answer && answer.message ? answer : { ok: false, code: 'HTTP ' + (xhr ? xhr.status : 0), message: t('unavailable') });
        });
    });
  }

  function entry(siteId) {
    var body = siteBody(siteId);
    if (!body) return null;
    var key = JSON.stringify(body);
    var e = cache[siteId];
    if (!e || e.key !== key) e = cache[siteId] = { key: key, body: body, fields: {}, fieldsNow: {} };
    return e;
  }

  /** The site's entity types: `{ok, types: {Shot: 'Shot', …}}` (cached per site). */
  function types(siteId, refresh) {
    var e = entry(siteId);
    if (!e) return Promise.resolve({ ok: false, message: t('noSite') });
    if (refresh || !e.types) {
      e.typesNow = undefined;
      e.types = post(e.body).then(function (answer) {
        e.typesNow = answer;
        return answer;
      });
    }
    return e.types;
  }

  /** One type's fields: `{ok, fields: {code: {type: 'text', label}, …}}` (cached per site and type). */
  function fields(siteId, type, refresh) {
    var e = entry(siteId);
    if (!e) return Promise.resolve({ ok: false, message: t('noSite') });
    if (refresh || !e.fields[type]) {
      e.fieldsNow[type] = undefined;
      e.fields[type] = post($.extend({}, e.body, { entityType: type })).then(function (answer) {
        e.fieldsNow[type] = answer;
        return answer;
      });
    }
    return e.fields[type];
  }

  function forget(siteId) {
    delete cache[siteId];
  }

  /**
   * The field names a literal value holds: a list is split at commas, a sort's `-name` and a
   * linked path `a.b` count as their first field, and names in `ignore` are left out.
   */
  function namesIn(raw, list, ignore) {
    var parts = list ? String(raw || '').split(',') : [String(raw || '')];
    return parts
      .map(function (p) { return p.trim().replace(/^-/, ''); })
      .filter(function (p) { return p !== '' && !(ignore || []).includes(p); })
      .map(function (p) { return p.split('.')[0]; });
  }

  /** What a fields answer says about `names`: a warning text, or '' when all fit. */
  function fieldsProblem(answer, type, names, dataTypes) {
    var unknown = names.filter(function (n) { return !answer.fields[n]; });
    if (unknown.length) return t('unknownField', { type: type, field: unknown.join(', ') });
    var wrongKind = names.filter(function (n) { return dataTypes && dataTypes.indexOf(answer.fields[n].type) < 0; });
    return wrongKind.length ? t('wrongKind', { field: wrongKind.join(', '), kinds: dataTypes.join(', ') }) : '';
  }

  /** A property of `node`: the open dialog's input first (as Node-RED's own validators read it), else the node's. */
  function propOf(node, name) {
    var input = $('#node-input-' + name);
    return input.length ? input.val() : node[name];
  }

  var revalidation;
  /**
   * Checks every ShotGrid node on the canvas again once schema answers have come in. Not while
   * an edit dialog is open: validators read the open dialog's inputs first, which belong to the
   * node being edited (that one is checked as its inputs change).
   */
  function revalidateSoon() {
    clearTimeout(revalidation);
    revalidation = setTimeout(function () {
      if ($('.red-ui-tray').length > 0) return revalidateSoon();
      RED.nodes.eachNode(function (n) {
        if (String(n.type).indexOf('shotgrid-') === 0) RED.editor.validateNode(n);
      });
      RED.view.redraw(true);
    }, 100);
  }

  /**
   * A node property's `validate`: the typedInput check, then, for a literal value, the site's
   * schema as this editor has it: a type or field the site does not have (or of the wrong kind)
   * marks the node invalid on the canvas and at Deploy. While the schema is not known yet it is
   * fetched and the nodes are checked again when it comes; a site that cannot be asked flags
   * nothing. spec = {
   *   typeField: 'fieldType',        the property holding the value's typedInput type
   *   allowBlank,
   *   entityType: true,              the value is an entity type (else field names)
   *   list, ignore, dataTypes,       as in attach()'s fieldInputs
   *   typeProp: 'entityType', typeTypeProp: 'entityTypeType',  where the fields' type is
   *   schemaTypeProp: 'schemaType', defaultType: 'Version',      or the editor's type hint
   * }
   */
  function validator(spec) {
    var base = RED.validators.typedInput({ typeField: spec.typeField, allowBlank: !!spec.allowBlank });
    return function (value, opt) {
      var checked = base.call(this, value, opt);
      if (checked !== true) return checked;
      // As Node-RED's own validators say it: the property's label first, when given.
      var problem = function (text) { return opt && opt.label ? opt.label + ': ' + text : text; };
      // Node-RED calls validate with the node being checked as `this`.
      var prop = propOf.bind(null, this);
      var kind = prop(spec.typeField);
      var siteId = prop('site');
      if ((kind !== 'str' && kind !== 'sgtype') || !siteId || !RED.nodes.node(siteId)) return true;
      var e = entry(siteId);
      if (!e) return true;
      if (spec.entityType) {
        var name = String(value || '').trim();
        if (name === '') return true;
        if (!e.types) types(siteId).then(revalidateSoon);
        var known = e.typesNow;
        return !known || !known.ok || known.types[name] ? true : problem(t('unknownType', { type: name }));
      }
      var type;
      if (spec.schemaTypeProp) type = String(prop(spec.schemaTypeProp) || '').trim() || spec.defaultType || '';
      else if (spec.typeProp && ['str', 'sgtype'].indexOf(prop(spec.typeTypeProp) || 'str') >= 0) type = String(prop(spec.typeProp) || '').trim();
      var names = namesIn(value, spec.list, spec.ignore);
      if (!type || names.length === 0) return true;
      if (!e.fields[type]) fields(siteId, type).then(revalidateSoon);
      var answer = e.fieldsNow[type];
      if (!answer || !answer.ok) return true;
      var text = fieldsProblem(answer, type, names, spec.dataTypes);
      return text ? problem(text) : true;
    };
  }

  /** Case-insensitive matches of `value` among `names`, prefix matches first, at most 50. */
  function matches(names, value, describe) {
    var v = (value || '').toLowerCase();
    var scored = [];
    names.forEach(function (name) {
      var i = name.toLowerCase().indexOf(v);
      if (v === '' || i >= 0) scored.push({ name: name, score: i });
    });
    scored.sort(function (a, b) { return a.score - b.score || (a.name < b.name ? -1 : 1); });
    return scored.slice(0, 50).map(function (s) {
      var extra = describe ? describe(s.name) : '';
      return { value: s.name, label: extra ? s.name + '  (' + extra + ')' : s.name };
    });
  }

  /** A 'str' typedInput type with completions from `search(value, done)`. */
  function strWithCompletions(search) {
    return { value: 'str', label: 'string', icon: 'red/images/typedInput/az.svg', autoComplete: search };
  }

  /**
   * Wires the schema pickers of one edit dialog.
   * spec = {
   *   node,                           the node being edited
   *   siteInput: '#node-input-site',
   *   typeInput: '#node-input-entityType' | null,  entity type typedInput (literal 'str' values are checked)
   *   typeTypeField: '#node-input-entityTypeType',
   *   fieldInputs: [{ input: '#node-input-fields', typeField: '#node-input-fieldsType', list: true, dataTypes: ['url'] }],
   * }
   * Returns typedInput type definitions to use in place of 'str': { type: def, fields: [def, …] }.
   */
  function attach(spec) {
    var siteId = function () { return $(spec.siteInput).val(); };
    var typeName = function () {
      if (!spec.typeInput) return '';
      var kind = spec.typeTypeField ? $(spec.typeTypeField).val() : 'str';
      return kind === 'str' || kind === 'sgtype' ? String($(spec.typeInput).typedInput('value') || '').trim() : '';
    };

    function warningFor(input) {
      var row = $(input).closest('.form-row');
      var el = row.next('.sg-schema-warning');
      if (el.length === 0) el = $('<div class="form-row sg-schema-warning" style="margin-top:-6px; padding-left:104px; color: var(--red-ui-text-color-error, #c00);"></div>').insertAfter(row).hide();
      return el;
    }
    function show(input, text) {
      var el = warningFor(input);
      if (text) el.text(text).show();
      else el.text('').hide();
    }

    function checkType() {
      var name = typeName();
      if (!spec.typeInput) return Promise.resolve();
      if (name === '' || !siteId()) {
        show(spec.typeInput, '');
        return Promise.resolve();
      }
      return types(siteId()).then(function (answer) {
        if (!answer.ok) return show(spec.typeInput, t('unavailable') + ' ' + (answer.message || ''));
        show(spec.typeInput, answer.types[name] ? '' : t('unknownType', { type: name }));
      });
    }

    function fieldNames(f) {
      var kind = f.typeField ? $(f.typeField).val() : 'str';
      return kind === 'str' ? namesIn($(f.input).typedInput('value'), f.list, f.ignore) : [];
    }

    function schemaTypeOf(f) {
      if (f.schemaTypeInput) return String($(f.schemaTypeInput).val() || '').trim() || f.defaultType || '';
      return typeName();
    }

    function checkField(f) {
      var type = schemaTypeOf(f);
      var names = fieldNames(f);
      if (!siteId() || type === '' || names.length === 0) {
        show(f.input, '');
        return Promise.resolve();
      }
      return fields(siteId(), type).then(function (answer) {
        if (!answer.ok) return show(f.input, answer.code === 'SG_NOT_FOUND' ? '' : t('unavailable') + ' ' + (answer.message || ''));
        show(f.input, fieldsProblem(answer, type, names, f.dataTypes));
      });
    }

    function checkAll() {
      checkType();
      (spec.fieldInputs || []).forEach(checkField);
    }

    var typeDef = strWithCompletions(function (value, done) {
      if (!siteId()) return done([]);
      types(siteId()).then(function (answer) {
        if (!answer.ok) return done([]);
        done(matches(Object.keys(answer.types), value, function (n) { return answer.types[n] !== n ? answer.types[n] : ''; }));
      });
    });

    function fieldDef(f) {
      return strWithCompletions(function (value, done) {
        var type = schemaTypeOf(f);
        if (!siteId() || type === '') return done([]);
        fields(siteId(), type).then(function (answer) {
          if (!answer.ok) return done([]);
          var names = Object.keys(answer.fields).filter(function (n) { return !f.dataTypes || f.dataTypes.indexOf(answer.fields[n].type) >= 0; });
          var head = '';
          var last = value;
          if (f.list) {
            var cut = value.lastIndexOf(',');
            head = cut >= 0 ? value.slice(0, cut + 1) + ' ' : '';
            last = cut >= 0 ? value.slice(cut + 1).trim() : value.trim();
          }
          done(matches(names, last, function (n) { return answer.fields[n].type; }).map(function (m) {
            return { value: head + m.value, label: m.label };
          }));
        });
      });
    }

    // One refresh button, after the first picker: reloads this site's schema and re-checks.
    var anchor = spec.typeInput || (spec.fieldInputs && spec.fieldInputs[0] && spec.fieldInputs[0].input);
    if (anchor) {
      var button = $('<button type="button" class="red-ui-button red-ui-button-small sg-schema-refresh" style="margin-left: 4px;"><i class="fa fa-refresh"></i></button>')
        .attr('title', t('refresh'))
        .on('click', function (evt) {
          evt.preventDefault();
          forget(siteId());
          checkAll();
        });
      setTimeout(function () { $(anchor).closest('.form-row').append(button); }, 0);
    }

    var later;
    var recheck = function () {
      clearTimeout(later);
      later = setTimeout(checkAll, 300);
    };
    $(spec.siteInput).on('change', recheck);
    setTimeout(function () {
      if (spec.typeInput) $(spec.typeInput).on('change', recheck);
      (spec.fieldInputs || []).forEach(function (f) {
        $(f.input).on('change', recheck);
        if (f.schemaTypeInput) $(f.schemaTypeInput).on('change keyup', recheck);
      });
      checkAll();
    }, 0);

    return { type: typeDef, fields: (spec.fieldInputs || []).map(fieldDef), check: checkAll };
  }

  window.SGFlowSchema = { types: types, fields: fields, forget: forget, attach: attach, validator: validator };
})();
