// link.js: one MQTT connection to roster (mqtt.js: over WebSocket in the page, any
// of its transports in node) with requests matched to their replies: one
// connection's replies come in the order of its requests, and a message no waiting
// request expects is a pushed change. UMD (`RosterLink` in a page, `require` in
// node); needs mqtt.js, bert.js and roster.js.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory(require('mqtt'), require('./bert.js'), require('./roster.js'));
  } else {
    root.RosterLink = factory(root.mqtt, root.BERT, root.Roster);
  }
})(typeof self !== 'undefined' ? self : this, function (mqtt, BERT, Roster) {
  'use strict';

  /** How long a CONNECT, a SUBSCRIBE or a request may take before the page says so. */
  const WAIT_MS = 10000;

  class RosterLink {
    /**
     * `opts`: `{url, clientId, password?, clean, onPush(term), onLog(dir, topic,
     * term|null, bytes, problem?), onClose(reason), encode?, decode?}`; `encode` and
     * `decode` are bert.js options (`{atoms: 'latin1'}`, `{strict2017: true}`: what
     * a pre-2018 client writes and reads).
     */
    constructor(opts) {
      this.opts = opts;
      this.topics = Roster.topics(opts.clientId);
      this.waiting = [];
      this.client = null;
    }

    /** Connects (CONNACK 0) and subscribes to the client's own actions topic. */
    async open() {
      const o = this.opts;
      this.client = mqtt.connect(o.url, {
        clientId: o.clientId,
        protocolVersion: 4,
        clean: o.clean,
        // roster never reads the user name; mqtt.js sends no password without one.
        username: o.password ? o.clientId : undefined,
        password: o.password,
        keepalive: 30,
        reconnectPeriod: 0,
        connectTimeout: WAIT_MS,
        resubscribe: false,
      });
      this.client.on('message', (topic, payload) => this.received(topic, payload));
      await bounded(new Promise((resolve, reject) => {
        this.client.once('connect', resolve);
        this.client.once('error', reject);
        this.client.once('close', () => reject(new Error('the connection closed before CONNACK')));
      }), 'CONNACK');
      this.client.removeAllListeners('error');
      this.client.on('error', (e) => this.closed(e.message));
      this.client.on('close', () => this.closed('connection closed'));
      const granted = await bounded(new Promise((resolve, reject) => {
        this.client.subscribe(this.topics.actions, { qos: 1 }, (e, g) => (e ? reject(e) : resolve(g)));
      }), 'SUBACK');
      if (!granted.length || granted[0].qos === 128) throw new Error('subscription refused');
    }

    /**
     * Publishes `term` at QoS 1 to the events topic; resolves with the reply term,
     * the first message for which `expects(reply)` holds, in request order.
     */
    request(term, expects) {
      const bytes = BERT.encode(term, this.opts.encode);
      return bounded(new Promise((resolve, reject) => {
        this.waiting.push({ expects: expects || (() => true), resolve, reject });
        this.opts.onLog('sent', this.topics.events, term, bytes);
        this.client.publish(this.topics.events, toPayload(bytes), { qos: 1 }, (e) => {
          if (e) reject(e);
        });
      }), 'reply');
    }

    received(topic, payload) {
      let term = null;
      try {
        term = BERT.decode(payload, this.opts.decode);
      } catch (e) {
        this.opts.onLog('received', topic, null, payload, e.message);
        // Most likely the reply the oldest request waits for: fail it now, not at its timeout.
        const head = this.waiting.shift();
        if (head) head.reject(new Error(`an undecodable reply: ${e.message}`));
        return;
      }
      this.opts.onLog('received', topic, term, payload);
      const head = this.waiting[0];
      if (head && head.expects(term)) {
        this.waiting.shift();
        head.resolve(term);
      } else {
        this.opts.onPush(term);
      }
    }

    closed(reason) {
      const waiting = this.waiting.splice(0);
      for (const w of waiting) w.reject(new Error(reason));
      if (this.client) this.opts.onClose(reason);
      this.client = null;
    }

    /** Disconnects (DISCONNECT, then the socket closes). */
    close() {
      const c = this.client;
      this.client = null;
      if (c) return new Promise((resolve) => c.end(false, {}, resolve));
      return Promise.resolve();
    }
  }

  /** A Buffer in node; the browser bundle of mqtt.js writes a Uint8Array as it is. */
  function toPayload(bytes) {
    return typeof Buffer === 'function' ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
  }

  function bounded(promise, what) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS / 1000} s`)), WAIT_MS);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  return RosterLink;
});
