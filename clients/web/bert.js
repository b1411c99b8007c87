// bert.js: a small, bounded BERT (Erlang External Term Format) codec for roster's
// browser client; a UMD file: `BERT` in a page, `require`/`import` in node.
//
// Terms in JavaScript:
//   atom            BERT.atom('reg')                  (class Atom, `.name`)
//   tuple           BERT.tuple(a, b, c)               (class Tuple, `.items`)
//   list            a JS array; [] is nil             (improper: class Improper)
//   binary          a Uint8Array; a JS string encodes as its UTF-8 binary
//   integer         a JS number (safe integers) or a BigInt (anything larger)
//   float           BERT.float(x) (class Float); a non-integer JS number encodes as one
//   true, false     encode as the atoms `true` and `false`
//
// Encoding writes what roster's replies use: SMALL_ATOM_UTF8_EXT (119) for atoms
// (`{atoms: 'latin1'}` writes ATOM_EXT 100, as pre-2018 encoders did), BINARY_EXT,
// integers as 97/98/110, SMALL_TUPLE_EXT, LIST_EXT ending in NIL_EXT.
//
// Decoding reads 97, 98, 110, 111, 70, 100, 115, 118, 119, 104, 105, 106, 107, 108,
// 109 and refuses the rest (compressed terms, maps, pids, ...). It is bounded: every
// length prefix is checked against the bytes that remain before anything is
// allocated, nesting is capped (`maxDepth`), so is the term count (`maxElements`) and
// the input (`maxBytes`); a truncated term or bytes after it are errors.
// `{strict2017: true}` accepts ONLY the tags a pre-2018 N2O bert.js knew: 97, 98,
// 100, 104, 106, 107, 108, 109; `{strict2017: true, bigIntegers: true}` adds 110
// (SMALL_BIG_EXT): the 2017 servers wrote millisecond timestamps with Erlang's
// term_to_binary, which makes them 110, so a client that read Profile replies then
// read 110 too. roster's `[wire] reply_atoms = "latin1"` changes atom tags only.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.BERT = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  const VERSION = 131;
  const STRICT_2017 = new Set([97, 98, 100, 104, 106, 107, 108, 109]);
  const DEFAULTS = { strict2017: false, bigIntegers: false, maxDepth: 64, maxElements: 1000000, maxBytes: 16 << 20 };
  const I32_MIN = -2147483648;
  const I32_MAX = 2147483647;
  const utf8Encoder = new TextEncoder();
  const utf8Strict = new TextDecoder('utf-8', { fatal: true });
  const utf8Lenient = new TextDecoder('utf-8');

  /** An Erlang atom. */
  class Atom {
    constructor(name) {
      if (typeof name !== 'string') throw new TypeError('an atom name is a string');
      this.name = name;
    }
    toString() {
      return this.name;
    }
  }

  /** An Erlang tuple. */
  class Tuple {
    constructor(items) {
      this.items = items;
    }
    get length() {
      return this.items.length;
    }
    at(i) {
      return this.items[i];
    }
  }

  /** A list whose tail is not []: `[items... | tail]`. */
  class Improper {
    constructor(items, tail) {
      this.items = items;
      this.tail = tail;
    }
  }

  /** An Erlang float (kept apart from integers so that 1.0 stays a float). */
  class Float {
    constructor(value) {
      this.value = value;
    }
  }

  /** Why bytes could not be decoded (or a term encoded). */
  class BertError extends Error {
    constructor(message) {
      super(message);
      this.name = 'BertError';
    }
  }

  const atom = (name) => new Atom(name);
  const tuple = (...items) => new Tuple(items);
  const float = (value) => new Float(value);

  // ---- encoding -------------------------------------------------------------

  /** A growable byte buffer. */
  class Writer {
    constructor() {
      this.buf = new Uint8Array(64);
      this.len = 0;
    }
    room(n) {
      if (this.len + n <= this.buf.length) return;
      let size = this.buf.length * 2;
      while (size < this.len + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    u8(v) {
      this.room(1);
      this.buf[this.len++] = v;
    }
    u16(v) {
      this.bytes([v >>> 8, v & 0xff]);
    }
    u32(v) {
      this.bytes([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    }
    bytes(b) {
      this.room(b.length);
      this.buf.set(b, this.len);
      this.len += b.length;
    }
    f64(v) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v);
      this.bytes(b);
    }
    done() {
      return this.buf.slice(0, this.len);
    }
  }

  function encodeAtom(w, name, latin1) {
    const isLatin1 = latin1 && name.length <= 255 && /^[\u0000-\u00ff]*$/.test(name);
    if (isLatin1) {
      w.u8(100);
      w.u16(name.length);
      for (let i = 0; i < name.length; i++) w.u8(name.charCodeAt(i));
      return;
    }
    const b = utf8Encoder.encode(name);
    if ([...name].length > 255) throw new BertError('an atom has at most 255 characters');
    if (b.length <= 255) {
      w.u8(119);
      w.u8(b.length);
    } else {
      w.u8(118);
      w.u16(b.length);
    }
    w.bytes(b);
  }

  function encodeInteger(w, n) {
    if (n >= 0n && n <= 255n) {
      w.u8(97);
      w.u8(Number(n));
    } else if (n >= BigInt(I32_MIN) && n <= BigInt(I32_MAX)) {
      w.u8(98);
      w.u32(Number(BigInt.asUintN(32, n)));
    } else {
      const digits = [];
      for (let m = n < 0n ? -n : n; m > 0n; m >>= 8n) digits.push(Number(m & 0xffn));
      if (digits.length <= 255) {
        w.u8(110);
        w.u8(digits.length);
      } else {
        w.u8(111);
        w.u32(digits.length);
      }
      w.u8(n < 0n ? 1 : 0);
      w.bytes(digits);
    }
  }

  function encodeList(w, items, tail, opts, depth) {
    if (items.length === 0 && tail === null) {
      w.u8(106);
      return;
    }
    w.u8(108);
    w.u32(items.length);
    for (const item of items) encodeTerm(w, item, opts, depth + 1);
    if (tail === null) w.u8(106);
    else encodeTerm(w, tail, opts, depth + 1);
  }

  function encodeTerm(w, t, opts, depth) {
    if (depth > opts.maxDepth) throw new BertError(`nested deeper than ${opts.maxDepth}`);
    if (t instanceof Atom) return encodeAtom(w, t.name, opts.atoms === 'latin1');
    if (t === true || t === false) return encodeAtom(w, String(t), opts.atoms === 'latin1');
    if (typeof t === 'bigint') return encodeInteger(w, t);
    if (typeof t === 'number') {
      if (Number.isInteger(t)) return encodeInteger(w, BigInt(t));
      if (!Number.isFinite(t)) throw new BertError(`${t} has no Erlang form`);
      t = new Float(t);
    }
    if (t instanceof Float) {
      if (!Number.isFinite(t.value)) throw new BertError(`${t.value} has no Erlang form`);
      w.u8(70);
      return w.f64(t.value);
    }
    if (typeof t === 'string') t = utf8Encoder.encode(t);
    if (t instanceof Uint8Array) {
      w.u8(109);
      w.u32(t.length);
      return w.bytes(t);
    }
    if (Array.isArray(t)) return encodeList(w, t, null, opts, depth);
    if (t instanceof Improper) return encodeList(w, t.items, t.tail, opts, depth);
    if (t instanceof Tuple) {
      if (t.items.length <= 255) {
        w.u8(104);
        w.u8(t.items.length);
      } else {
        w.u8(105);
        w.u32(t.items.length);
      }
      for (const item of t.items) encodeTerm(w, item, opts, depth + 1);
      return;
    }
    throw new BertError(`cannot encode ${t === null ? 'null' : typeof t}`);
  }

  /** The term as ETF bytes (version byte 131 first). `opts.atoms`: 'utf8' or 'latin1'. */
  function encode(term, opts) {
    const o = { atoms: 'utf8', maxDepth: 1000, ...opts };
    const w = new Writer();
    w.u8(VERSION);
    encodeTerm(w, term, o, 1);
    return w.done();
  }

  // ---- decoding -------------------------------------------------------------

  /** Reads one term from bytes, checking every length against what remains. */
  class Reader {
    constructor(bytes, opts) {
      this.b = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.pos = 0;
      this.opts = opts;
      this.elements = 0;
    }
    left() {
      return this.b.length - this.pos;
    }
    need(n, what) {
      if (n > this.left()) {
        throw new BertError(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.left()} left`);
      }
    }
    u8(what) {
      this.need(1, what);
      return this.b[this.pos++];
    }
    u16(what) {
      this.need(2, what);
      const v = this.view.getUint16(this.pos);
      this.pos += 2;
      return v;
    }
    u32(what) {
      this.need(4, what);
      const v = this.view.getUint32(this.pos);
      this.pos += 4;
      return v;
    }
    take(n, what) {
      this.need(n, what);
      const out = this.b.slice(this.pos, this.pos + n);
      this.pos += n;
      return out;
    }
    count(n) {
      this.elements += n;
      if (this.elements > this.opts.maxElements) {
        throw new BertError(`more than ${this.opts.maxElements} terms`);
      }
    }
  }

  function latin1(bytes) {
    let s = '';
    for (const c of bytes) s += String.fromCharCode(c);
    return s;
  }

  function utf8Atom(bytes) {
    let name;
    try {
      name = utf8Strict.decode(bytes);
    } catch (e) {
      throw new BertError('an atom that is not UTF-8');
    }
    if ([...name].length > 255) throw new BertError('an atom longer than 255 characters');
    return new Atom(name);
  }

  function big(r, n) {
    const sign = r.u8('a bignum sign');
    const digits = r.take(n, 'a bignum');
    let v = 0n;
    for (let i = digits.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(digits[i]);
    if (sign > 1) throw new BertError(`a bignum sign of ${sign}`);
    if (sign === 1) v = -v;
    const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(v) : v;
  }

  function items(r, n, depth, what) {
    // Each element takes at least one byte: a count beyond what remains is a lie.
    r.need(n, what);
    r.count(n);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = decodeTerm(r, depth + 1);
    return out;
  }

  function decodeTerm(r, depth) {
    if (depth > r.opts.maxDepth) throw new BertError(`nested deeper than ${r.opts.maxDepth}`);
    const at = r.pos;
    const tag = r.u8('a tag');
    if (r.opts.strict2017 && !STRICT_2017.has(tag) && !(tag === 110 && r.opts.bigIntegers)) {
      throw new BertError(`tag ${tag} at offset ${at} is not one a 2017 decoder knows`);
    }
    switch (tag) {
      case 97:
        return r.u8('SMALL_INTEGER_EXT');
      case 98: {
        r.need(4, 'INTEGER_EXT');
        const v = r.view.getInt32(r.pos);
        r.pos += 4;
        return v;
      }
      case 110:
        return big(r, r.u8('SMALL_BIG_EXT'));
      case 111:
        return big(r, r.u32('LARGE_BIG_EXT'));
      case 70: {
        r.need(8, 'NEW_FLOAT_EXT');
        const v = r.view.getFloat64(r.pos);
        r.pos += 8;
        if (!Number.isFinite(v)) throw new BertError('a float that is not finite');
        return new Float(v);
      }
      case 100: {
        const n = r.u16('ATOM_EXT');
        if (n > 255) throw new BertError(`an atom of ${n} characters`);
        return new Atom(latin1(r.take(n, 'ATOM_EXT')));
      }
      case 115:
        return new Atom(latin1(r.take(r.u8('SMALL_ATOM_EXT'), 'SMALL_ATOM_EXT')));
      case 118:
        return utf8Atom(r.take(r.u16('ATOM_UTF8_EXT'), 'ATOM_UTF8_EXT'));
      case 119:
        return utf8Atom(r.take(r.u8('SMALL_ATOM_UTF8_EXT'), 'SMALL_ATOM_UTF8_EXT'));
      case 104:
        return new Tuple(items(r, r.u8('SMALL_TUPLE_EXT'), depth, 'SMALL_TUPLE_EXT'));
      case 105:
        return new Tuple(items(r, r.u32('LARGE_TUPLE_EXT'), depth, 'LARGE_TUPLE_EXT'));
      case 106:
        return [];
      case 107: {
        const bytes = r.take(r.u16('STRING_EXT'), 'STRING_EXT');
        r.count(bytes.length);
        return Array.from(bytes);
      }
      case 108: {
        const n = r.u32('LIST_EXT');
        const list = items(r, n, depth, 'LIST_EXT');
        const tail = decodeTerm(r, depth + 1);
        if (Array.isArray(tail) && tail.length === 0) return list;
        return new Improper(list, tail);
      }
      case 109:
        return r.take(r.u32('BINARY_EXT'), 'BINARY_EXT');
      case 80:
        throw new BertError('a compressed term (tag 80) is not supported');
      default:
        throw new BertError(`tag ${tag} at offset ${at} is not supported`);
    }
  }

  /** One term from ETF bytes (a Uint8Array, node Buffer or ArrayBuffer). */
  function decode(input, opts) {
    const o = { ...DEFAULTS, ...opts };
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
    if (!(bytes instanceof Uint8Array)) throw new BertError('decode takes bytes');
    if (bytes.length > o.maxBytes) throw new BertError(`${bytes.length} bytes, over ${o.maxBytes}`);
    const r = new Reader(bytes, o);
    const version = r.u8('the version byte');
    if (version !== VERSION) throw new BertError(`version byte ${version}, not 131`);
    r.count(1);
    const term = decodeTerm(r, 1);
    if (r.left() > 0) throw new BertError(`${r.left()} bytes after the term`);
    return term;
  }

  return { Atom, Tuple, Improper, Float, BertError, atom, tuple, float, encode, decode };
});
