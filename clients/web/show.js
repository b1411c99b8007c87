// show.js: decoded BERT terms written in Erlang syntax, for the page's views and its
// wire log; UMD (`BERTShow` in a page, `require` in node). Needs bert.js.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('./bert.js'));
  else root.BERTShow = factory(root.BERT);
})(typeof self !== 'undefined' ? self : this, function (BERT) {
  'use strict';

  const utf8 = new TextDecoder('utf-8', { fatal: true });

  function quoteAtom(name) {
    if (/^[a-z][A-Za-z0-9_@]*$/.test(name)) return name;
    return "'" + name.replace(/[\\']/g, (c) => '\\' + c) + "'";
  }

  function printable(s) {
    return !/[\u0000-\u001f\u007f-\u009f]/.test(s);
  }

  function showBinary(bytes, opts) {
    if (bytes.length === 0) return '<<>>';
    let s = null;
    try {
      s = utf8.decode(bytes);
    } catch (e) {
      s = null;
    }
    if (s !== null && printable(s)) {
      if (opts.secrets && opts.secrets.has(s)) s = s.slice(0, 4) + '\u2026';
      return '<<"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '">>';
    }
    return '<<' + Array.from(bytes).join(',') + '>>';
  }

  function showFloat(v) {
    const s = String(v);
    return /[.e]/.test(s) ? s : s + '.0';
  }

  /**
   * The term in Erlang syntax. `opts.secrets`: a Set of texts (tokens) that are
   * shown cut to their first four characters.
   */
  function show(t, opts) {
    const o = opts || {};
    const each = (xs) => xs.map((x) => show(x, o)).join(',');
    if (t instanceof BERT.Atom) return quoteAtom(t.name);
    if (t instanceof BERT.Tuple) return '{' + each(t.items) + '}';
    if (t instanceof BERT.Improper) return '[' + each(t.items) + '|' + show(t.tail, o) + ']';
    if (t instanceof BERT.Float) return showFloat(t.value);
    if (t instanceof Uint8Array) return showBinary(t, o);
    if (Array.isArray(t)) return '[' + each(t) + ']';
    if (typeof t === 'string') return showBinary(new TextEncoder().encode(t), o);
    if (typeof t === 'number' || typeof t === 'bigint') return String(t);
    if (t === true || t === false) return String(t);
    return '?';
  }

  return { show };
});
