/*!
 * Xiaonuo web chat widget (小诺网页聊天). Part of Xiaonuo, MIT licence; no third-party code.
 *
 * Embed:  <script src="https://<xiaonuo>/static/channels/widget.js" data-channel="<public id>" async></script>
 * Optional attributes: data-lang="en" | "zh-CN" (default: the page's <html lang>, else zh-CN);
 *   data-user-id + data-user-hash (a signed-in user; the hash is computed by the site's server,
 *   see docs/widget.md).
 * Page API once loaded (event "xiaonuo:ready" on window): XiaonuoWidget.open(), .close(),
 *   .identify({userId, userHash}), .logout().
 *
 * Everything lives in a shadow root, so the page's CSS cannot reach in and ours cannot leak out.
 * Text is always inserted with textContent, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.XiaonuoWidget) return; // pasted twice: the first copy wins
  var channel = script.getAttribute("data-channel") || "";
  if (!/^[A-Za-z0-9_-]{3,40}$/.test(channel)) {
    console.warn("Xiaonuo widget: data-channel is missing or malformed");
    return;
  }
  var base = new URL("../../", script.src).href; // …/static/channels/widget.js → site root
  var api = base + "channels/widget/" + encodeURIComponent(channel) + "/";

  var TEXT = {
    "zh-CN": {
      open: "打开在线客服",
      title: "在线客服",
      close: "关闭",
      label: "消息",
      placeholder: "输入消息，Enter 发送，Shift+Enter 换行",
      send: "发送",
      sending: "发送中…",
      greeting: "您好！有什么可以帮您？留言后客服会尽快回复，回复会显示在这里。",
      agent: "客服",
      bot: "小诺",
      you: "我",
      unread: "条新消息",
      loading: "正在连接…",
      message_empty: "请输入内容。",
      message_too_long: "消息太长了，请分几次发送。",
      rate_limited: "发送太频繁了，请稍等片刻再试。",
      offline: "网络不通，消息没有发出，请稍后重试。",
      failed: "发送失败，请重试。",
    },
    en: {
      open: "Open chat",
      title: "Chat with us",
      close: "Close",
      label: "Message",
      placeholder: "Type a message; Enter to send, Shift+Enter for a new line",
      send: "Send",
      sending: "Sending…",
      greeting: "Hello! How can we help? Leave a message and we will reply here as soon as we can.",
      agent: "Support",
      bot: "Xiaonuo",
      you: "You",
      unread: "new messages",
      loading: "Connecting…",
      message_empty: "Please type a message.",
      message_too_long: "That message is too long; please send it in parts.",
      rate_limited: "You are sending too fast; please wait a moment.",
      offline: "No connection; the message was not sent. Please try again.",
      failed: "Could not send; please try again.",
    },
  };
  var wanted = script.getAttribute("data-lang") || document.documentElement.lang || "";
  var lang = /^en/i.test(wanted) ? "en" : "zh-CN";
  var t = TEXT[lang];

  // --- The visitor token: localStorage, or a first-party cookie where storage is blocked -----
  var storageKey = "xiaonuo.visitor." + channel;
  var cookieName = "xn_visitor_" + channel.replace(/[^A-Za-z0-9_]/g, "_");

  function loadToken() {
    try {
      var stored = window.localStorage.getItem(storageKey);
      if (stored) return stored;
    } catch (e) { /* storage disabled: fall back to the cookie */ }
    var match = document.cookie.match(new RegExp("(?:^|; )" + cookieName + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function saveToken(token) {
    try {
      window.localStorage.setItem(storageKey, token);
    } catch (e) { /* the cookie below keeps it */ }
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = cookieName + "=" + encodeURIComponent(token) +
      "; Max-Age=31536000; Path=/; SameSite=Lax" + secure;
  }

  // The newest message the visitor has had on screen, so that replies that came between two
  // page views still light the badge, and old ones do not.
  var readKey = "xiaonuo.read." + channel;
  function loadRead() {
    try { return Number(window.localStorage.getItem(readKey)) || 0; } catch (e) { return 0; }
  }
  function saveRead(id) {
    try { window.localStorage.setItem(readKey, String(id)); } catch (e) { /* badge only */ }
  }

  function forgetToken() {
    try {
      window.localStorage.removeItem(storageKey);
      window.localStorage.removeItem(readKey);
    } catch (e) { /* nothing stored */ }
    document.cookie = cookieName + "=; Max-Age=0; Path=/; SameSite=Lax";
  }

  // --- HTTP ---------------------------------------------------------------------------------
  function ApiError(code, status) {
    this.code = code;
    this.status = status;
  }

  async function call(method, path, body) {
    var headers = {};
    var token = state.token;
    if (token) headers["X-Xiaonuo-Visitor"] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var response;
    try {
      response = await fetch(api + path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError("offline", 0);
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new ApiError((data && data.code) || "failed", response.status);
    return data;
  }

  // Codes after which the widget has nothing to show on this page.
  var FATAL = { channel_not_found: 1, channel_disabled: 1, origin_not_allowed: 1 };

  // --- State --------------------------------------------------------------------------------
  var state = {
    token: loadToken(),
    started: false,
    starting: null,
    open: false,
    sending: false,
    cursor: 0,
    seen: {},
    unread: 0,
    pollMs: 1500,
    timer: null,
    identity: null,
    read: loadRead(),
  };
  var userId = script.getAttribute("data-user-id");
  var userHash = script.getAttribute("data-user-hash");
  if (userId) state.identity = { user_id: userId, user_hash: userHash || "" };

  // --- DOM ----------------------------------------------------------------------------------
  var CSS = [
    ":host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;",
    "font:14px/1.5 -apple-system,BlinkMacSystemFont,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#1f2937}",
    "*{box-sizing:border-box}",
    "button{font:inherit;cursor:pointer}",
    ".bubble{width:56px;height:56px;border-radius:50%;border:0;background:#2563eb;color:#fff;",
    "box-shadow:0 6px 20px rgba(0,0,0,.2);display:flex;align-items:center;justify-content:center;position:relative}",
    ".bubble:hover{background:#1d4ed8}",
    ".bubble svg{width:28px;height:28px;fill:currentColor}",
    ".badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;",
    "background:#dc2626;color:#fff;font-size:12px;line-height:20px;text-align:center}",
    ".panel{position:absolute;right:0;bottom:72px;width:360px;max-width:calc(100vw - 40px);height:520px;",
    "max-height:calc(100vh - 120px);background:#fff;border-radius:12px;box-shadow:0 12px 40px rgba(0,0,0,.25);",
    "display:flex;flex-direction:column;overflow:hidden}",
    ".panel[hidden],.badge[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;background:#2563eb;color:#fff}",
    "h2{margin:0;font-size:16px;font-weight:600}",
    ".close{border:0;background:transparent;color:#fff;font-size:22px;line-height:1;padding:2px 8px;border-radius:6px}",
    ".log{flex:1;overflow-y:auto;padding:12px 14px;margin:0;list-style:none;background:#f6f7fb}",
    ".msg{margin:8px 0;display:flex;flex-direction:column;align-items:flex-start}",
    ".msg.mine{align-items:flex-end}",
    ".who{font-size:12px;color:#6b7280;margin:0 4px 2px}",
    ".text{max-width:85%;padding:8px 12px;border-radius:12px;background:#fff;border:1px solid #e5e7eb;",
    "white-space:pre-wrap;word-break:break-word}",
    ".mine .text{background:#2563eb;color:#fff;border-color:#2563eb}",
    ".note{color:#6b7280;font-size:13px;text-align:center;margin:16px 8px}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}",
    "textarea{flex:1;resize:none;height:44px;max-height:120px;padding:8px 10px;border:1px solid #d1d5db;",
    "border-radius:8px;font:inherit;color:inherit;background:#fff}",
    ".send{border:0;border-radius:8px;background:#2563eb;color:#fff;padding:0 16px}",
    ".send:disabled{background:#93c5fd;cursor:default}",
    ".status{min-height:0;padding:0 12px;font-size:13px;color:#b91c1c;background:#fff}",
    ".status:not(:empty){padding:6px 12px 0}",
    ":focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}",
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var host = el("div", { id: "xiaonuo-widget", "data-xiaonuo": "widget" });
  var root = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  root.appendChild(style);

  var panelId = "xn-panel";
  var bubble = el("button", {
    type: "button", class: "bubble", "aria-label": t.open, "aria-expanded": "false",
    "aria-controls": panelId,
  });
  var svgNS = "http://www.w3.org/2000/svg";
  var svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(svgNS, "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  bubble.appendChild(svg);
  var badge = el("span", { class: "badge", hidden: "" });
  bubble.appendChild(badge);

  var panel = el("section", { id: panelId, class: "panel", role: "dialog", "aria-labelledby": "xn-title", hidden: "" });
  var header = el("header");
  var title = el("h2", { id: "xn-title" }, t.title);
  var closeButton = el("button", { type: "button", class: "close", "aria-label": t.close }, "×");
  header.appendChild(title);
  header.appendChild(closeButton);
  var log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.title });
  var note = el("p", { class: "note" }, t.greeting);
  var status = el("div", { class: "status", role: "alert" });
  var form = el("form", { novalidate: "" });
  var inputId = "xn-input";
  var label = el("label", { for: inputId, class: "sr" }, t.label);
  var input = el("textarea", { id: inputId, placeholder: t.placeholder, maxlength: "5000", rows: "2" });
  var send = el("button", { type: "submit", class: "send" }, t.send);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(bubble);

  function showNote() {
    if (!log.querySelector(".msg") && !note.isConnected) log.appendChild(note);
  }

  function addMessage(message) {
    if (state.seen[message.id]) return false;
    state.seen[message.id] = true;
    state.cursor = Math.max(state.cursor, message.id);
    if (note.isConnected) note.remove();
    var mine = message.author === "visitor";
    var item = el("li", { class: "msg" + (mine ? " mine" : ""), "data-author": message.author });
    var who = mine ? t.you : message.author === "agent" ? (message.agent_name || t.agent) : t.bot;
    item.appendChild(el("span", { class: "who" }, who));
    item.appendChild(el("div", { class: "text" }, message.text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return !mine && message.id > state.read;
  }

  function markRead() {
    if (state.cursor > state.read) {
      state.read = state.cursor;
      saveRead(state.read);
    }
  }

  function addMessages(messages) {
    var fresh = 0;
    for (var i = 0; i < messages.length; i++) {
      if (addMessage(messages[i])) fresh += 1;
    }
    if (state.open) markRead();
    else if (fresh) {
      state.unread += fresh;
      badge.textContent = String(state.unread);
      badge.removeAttribute("hidden");
      bubble.setAttribute("aria-label", t.open + " (" + state.unread + " " + t.unread + ")");
    }
  }

  function clearThread() {
    state.cursor = 0;
    state.seen = {};
    while (log.firstChild) log.removeChild(log.firstChild);
    showNote();
  }

  function remove() {
    stopPolling();
    host.remove();
  }

  function showError(code) {
    status.textContent = t[code] || t.failed;
  }

  // --- Session, polling, sending --------------------------------------------------------------
  var IDENTITY_ERRORS = {
    identity_unsigned: 1, identity_signature_invalid: 1, identity_not_configured: 1, user_id_invalid: 1,
  };

  async function session() {
    try {
      return await call("POST", "session/", state.identity || {});
    } catch (error) {
      if (error.code === "visitor_token_invalid") {
        forgetToken();
        state.token = null;
        return session();
      }
      if (IDENTITY_ERRORS[error.code] && state.identity) {
        // The site's signature is wrong: tell its developer, and chat anonymously meanwhile.
        console.warn("Xiaonuo widget: the visitor was not identified (" + error.code + "); see docs/widget.md");
        state.identity = null;
        return session();
      }
      throw error;
    }
  }

  // Throws what went wrong, so that the first start can keep the widget off the page.
  async function startOrThrow() {
    if (state.started) return;
    if (!state.starting) {
      state.starting = (async function () {
        acceptSession(await session(), false);
        state.started = true;
        await drain();
      })();
    }
    try {
      await state.starting;
    } finally {
      state.starting = null;
      schedule();
    }
  }

  async function start() {
    try {
      await startOrThrow();
    } catch (error) {
      if (FATAL[error.code]) remove();
      else if (state.open) showError(error.code);
    }
  }

  function acceptSession(data, replace) {
    if (data.token !== state.token) {
      state.token = data.token;
      saveToken(data.token);
    }
    if (replace) clearThread();
    state.pollMs = data.poll_interval_ms || state.pollMs;
    addMessages(data.messages || []);
    state.hasMore = data.has_more;
  }

  // Long threads arrive a page at a time; fetch on until the newest message is here.
  async function drain() {
    while (state.hasMore) {
      var data = await call("GET", "messages/?after=" + state.cursor);
      addMessages(data.messages);
      state.hasMore = data.has_more;
    }
  }

  async function poll() {
    if (!state.started || !state.token) return;
    try {
      var data = await call("GET", "messages/?after=" + state.cursor);
      addMessages(data.messages);
      state.hasMore = data.has_more;
      if (state.hasMore) await drain();
      if (status.textContent === t.offline) status.textContent = "";
    } catch (error) {
      if (FATAL[error.code]) return remove();
      if (error.code === "visitor_token_invalid") {
        forgetToken();
        state.token = null;
        state.started = false;
        clearThread();
      }
    }
  }

  function stopPolling() {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
  }

  // Open panel: every ~1.5 s (what the server suggests). Closed: every 15 s, so a reply still
  // lights the badge — only for visitors who have written. Hidden tab: not until it is shown.
  function schedule() {
    stopPolling();
    if (!state.started || document.hidden) return;
    if (!state.open && !state.cursor) return;
    var delay = state.open ? state.pollMs : 15000;
    state.timer = setTimeout(async function () {
      await poll();
      schedule();
    }, delay);
  }

  async function submit(event) {
    event.preventDefault();
    if (state.sending) return;
    var text = input.value.trim();
    if (!text) {
      showError("message_empty");
      input.focus();
      return;
    }
    state.sending = true;
    send.disabled = true;
    send.textContent = t.sending;
    input.setAttribute("aria-busy", "true");
    status.textContent = "";
    var clientId = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    try {
      await start();
      if (!state.token) throw new ApiError("failed", 0);
      var data;
      try {
        data = await call("POST", "messages/", { text: text, client_message_id: clientId });
      } catch (error) {
        if (error.code !== "offline") throw error;
        // The request may have arrived; the same client id makes a retry store it once.
        data = await call("POST", "messages/", { text: text, client_message_id: clientId });
      }
      input.value = "";
      addMessage(data.message);
      await poll();
    } catch (error) {
      if (FATAL[error.code]) return remove();
      showError(error.code);
    } finally {
      state.sending = false;
      send.disabled = false;
      send.textContent = t.send;
      input.removeAttribute("aria-busy");
      if (host.isConnected) input.focus();
    }
  }

  function open() {
    if (state.open) return;
    state.open = true;
    panel.removeAttribute("hidden");
    bubble.setAttribute("aria-expanded", "true");
    bubble.setAttribute("aria-label", t.close);
    state.unread = 0;
    badge.setAttribute("hidden", "");
    markRead();
    showNote();
    input.focus();
    log.scrollTop = log.scrollHeight;
    if (!state.started) {
      status.textContent = "";
      start();
    } else {
      poll().then(schedule);
    }
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    panel.setAttribute("hidden", "");
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-label", t.open);
    bubble.focus();
    schedule();
  }

  bubble.addEventListener("click", function () { state.open ? close() : open(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate does not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
  });
  form.addEventListener("submit", submit);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && state.started) poll().then(schedule);
    else schedule();
  });

  // --- Page API -------------------------------------------------------------------------------
  window.XiaonuoWidget = {
    open: open,
    close: close,
    identify: async function (user) {
      state.identity = { user_id: String(user.userId), user_hash: String(user.userHash || "") };
      if (!state.started) return start();
      var before = state.token;
      var data = await call("POST", "identify/", state.identity);
      acceptSession(data, data.token !== before);
      await drain();
    },
    logout: function () {
      // A shared computer: the next person must not see this thread.
      forgetToken();
      state.token = null;
      state.identity = null;
      state.started = false;
      stopPolling();
      clearThread();
      close();
    },
  };

  // The bubble shows only once the server has answered: a disabled chat, a site not on the
  // channel's list (the browser blocks the answer) or an unreachable server leave no trace.
  async function mount() {
    host.style.setProperty("display", "none", "important");
    document.body.appendChild(host);
    try {
      await startOrThrow();
    } catch (error) {
      remove();
      return;
    }
    host.style.removeProperty("display");
    window.dispatchEvent(new Event("xiaonuo:ready"));
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
