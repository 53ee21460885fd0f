// The web chat: keeps one server-made session per browser tab, shows the whole conversation
// again after a reload, shows replies and any later messages (answers to kept messages) by
// polling, and leaves fast with "Quick exit".
(function () {
  "use strict";
  var SESSION_KEY = "helpline-session";
  // The log region scrolls and is announced; the list inside it holds the messages.
  var log = document.getElementById("log");
  var messages = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var status = document.getElementById("status");
  var start = document.getElementById("quick-start");
  var exit = document.getElementById("quick-exit");
  var framed = window.parent !== window;
  var sessionId = sessionStorage.getItem(SESSION_KEY);
  // The newest message *to* the person shown here; polls ask for later ones. The person's
  // own messages never move it, so an answer stored just before one of them is not skipped.
  var lastId = 0;
  var seen = {};
  // What a tapped button sent -> its title, so a reloaded chat shows what the person tapped
  // ("Find naloxone"), not what it sent ("/find_naloxone").
  var titles = {};
  var restored = !sessionId;
  var WHO = { assistant: "Helpline assistant", system: "Helpline", navigator: "Recovery navigator", person: "You" };

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      // The chat's only credential goes in a header, never in a URL (logs keep URLs).
      headers: sessionId
        ? { "Content-Type": "application/json", "Accept": "application/json", "X-Chat-Session": sessionId }
        : { "Content-Type": "application/json", "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { var e = new Error(data.error || "Something went wrong."); e.status = response.status; throw e; }
        return data;
      });
    });
  }

  // Links in messages open only a phone call (tel:) or an https page; anything else
  // (javascript:, data:, http:) is dropped.
  function safeLink(url) {
    if (typeof url !== "string" || !/^(tel:|https:\/\/)/i.test(url.trim())) { return null; }
    try { return new URL(url.trim()).href; } catch (e) { return null; }
  }

  function options(buttons) {
    var group = document.createElement("div");
    group.className = "msg__buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Options");
    buttons.forEach(function (b) {
      if (b.url !== undefined && b.url !== null) {
        var href = safeLink(b.url);
        if (!href) { return; }
        var link = document.createElement("a");
        link.className = "msg__link";
        link.href = href;
        link.textContent = b.title;
        if (href.indexOf("https:") === 0) { link.target = "_blank"; link.rel = "noopener noreferrer"; }
        group.appendChild(link);
        return;
      }
      titles[b.payload] = b.title;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { send(b.payload, b.title); });
      group.appendChild(button);
    });
    return group.childNodes.length ? group : null;
  }

  function show(message) {
    if (message.id && seen[message.id]) { return; }
    if (message.id) {
      seen[message.id] = true;
      if (message.author !== "person") { lastId = Math.max(lastId, message.id); }
    }
    var text = message.text || "";
    if (message.author === "person" && Object.prototype.hasOwnProperty.call(titles, text)) { text = titles[text]; }
    var item = document.createElement("li");
    item.className = "msg msg--" + message.author;
    var who = document.createElement("span");
    who.className = "msg__who";
    who.textContent = WHO[message.author] || "Helpline";
    item.appendChild(who);
    item.appendChild(document.createTextNode(text));
    var group = message.buttons && message.buttons.length ? options(message.buttons) : null;
    if (group) { item.appendChild(group); }
    messages.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  // The quick-start buttons are for a chat that has not started yet.
  function showStart(visible) { start.hidden = !visible; }

  function forget() {
    sessionStorage.removeItem(SESSION_KEY);
    sessionId = null;
  }

  function ensureSession() {
    if (sessionId) { return Promise.resolve(sessionId); }
    return api("POST", "/api/chat/sessions", { channel: "web" }).then(function (data) {
      sessionId = data.session_id;
      sessionStorage.setItem(SESSION_KEY, sessionId);
      return sessionId;
    });
  }

  function send(text, shown) {
    showStart(false);
    show({ author: "person", text: shown || text });
    status.textContent = "Sending...";
    return ensureSession().then(function () {
      return api("POST", "/api/chat/messages", { text: text });
    }).then(function (data) {
      if (data.message_id) { seen[data.message_id] = true; }
      if (data.erased) { forget(); }
      data.replies.forEach(show);
      status.textContent = data.pending ? "We kept your message and will answer here soon." : "";
      // An emergency's first reply came at once; the next steps follow in a moment.
      if (data.following) { setTimeout(poll, 500); setTimeout(poll, 1500); }
    }).catch(function (error) {
      if (error.status === 404) { forget(); }
      status.textContent = error.message;
    });
  }

  // After a reload in the same tab: the whole conversation, the person's messages too.
  function restore() {
    return api("GET", "/api/chat/messages?history=1").then(function (data) {
      restored = true;
      data.messages.forEach(show);
      showStart(!data.messages.length);
    }).catch(function (error) {
      if (error.status === 404) { restored = true; forget(); showStart(true); }
      // Otherwise the next poll tries again.
    });
  }

  function poll() {
    if (!sessionId) { return; }
    if (!restored) { restore(); return; }
    api("GET", "/api/chat/messages?after=" + lastId)
      .then(function (data) { data.messages.forEach(show); })
      .catch(function () { /* keep polling; the next send reports problems */ });
  }

  // Quick exit, for someone on a shared or watched device: forget this tab's chat, take it
  // off the screen, and leave for an everyday site with location.replace(), so Back does not
  // bring the chat back. Inside a partner's widget the partner page is what is on screen:
  // embed.js leaves it the same way.
  function quickExit() {
    var url = exit.getAttribute("data-exit-url");
    sessionStorage.clear();
    sessionId = null;
    messages.textContent = "";
    if (framed) {
      window.parent.postMessage({ helpline: "exit", url: url }, "*");
      // An older embed.js (cached by the partner's visitors) does not know "exit": leave
      // the partner page from here (browsers allow it after a tap).
      setTimeout(function () {
        try { window.top.location.replace(url); } catch (e) { location.replace("about:blank"); }
      }, 500);
      return;
    }
    location.replace(url);
  }

  start.querySelectorAll("button[data-send]").forEach(function (button) {
    titles[button.getAttribute("data-send")] = button.textContent;
    button.addEventListener("click", function () { send(button.getAttribute("data-send"), button.textContent); });
  });
  exit.addEventListener("click", quickExit);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  // Inside a partner's widget, Escape closes the panel (the key never reaches the parent page).
  if (framed) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { window.parent.postMessage({ helpline: "close" }, "*"); }
    });
  }
  if (sessionId) {
    showStart(false);  // no flash of the quick-start buttons before the chat comes back
    restore();
  }
  setInterval(poll, 3000);
})();
