// The web chat: keeps one server-made session per browser tab, shows replies and any
// later messages (answers to kept messages) by polling.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var status = document.getElementById("status");
  var sessionId = sessionStorage.getItem("helpline-session");
  var lastId = 0;
  var seen = {};
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

  function show(message) {
    if (message.id && seen[message.id]) { return; }
    if (message.id) { seen[message.id] = true; lastId = Math.max(lastId, message.id); }
    var item = document.createElement("li");
    item.className = "msg msg--" + message.author;
    var who = document.createElement("span");
    who.className = "msg__who";
    who.textContent = WHO[message.author] || "Helpline";
    item.appendChild(who);
    item.appendChild(document.createTextNode(message.text || ""));
    if (message.buttons && message.buttons.length) {
      var group = document.createElement("div");
      group.className = "msg__buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested replies");
      message.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function ensureSession() {
    if (sessionId) { return Promise.resolve(sessionId); }
    return api("POST", "/api/chat/sessions", { channel: "web" }).then(function (data) {
      sessionId = data.session_id;
      sessionStorage.setItem("helpline-session", sessionId);
      return sessionId;
    });
  }

  function send(text, shown) {
    show({ author: "person", text: shown || text });
    status.textContent = "Sending...";
    return ensureSession().then(function () {
      return api("POST", "/api/chat/messages", { text: text });
    }).then(function (data) {
      data.replies.forEach(show);
      status.textContent = data.pending ? "We kept your message and will answer here soon." : "";
    }).catch(function (error) {
      if (error.status === 404) { sessionStorage.removeItem("helpline-session"); sessionId = null; }
      status.textContent = error.message;
    });
  }

  function poll() {
    if (!sessionId) { return; }
    api("GET", "/api/chat/messages?after=" + lastId)
      .then(function (data) { data.messages.forEach(show); })
      .catch(function () { /* keep polling; the next send reports problems */ });
  }

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
  if (window.parent !== window) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { window.parent.postMessage({ helpline: "close" }, "*"); }
    });
  }
  if (sessionId) { poll(); }
  setInterval(poll, 3000);
})();
