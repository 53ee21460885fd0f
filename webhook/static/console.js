// The live queue: polls the queue's JSON every few seconds, redraws the list and announces
// new requests (screen readers through the aria-live region, everyone through the title).
// On a conversation page: appends new messages to the log and refreshes SMS delivery states.
(function () {
  "use strict";
  var list = document.getElementById("queue");
  if (!list) { watchConversation(document.getElementById("log")); return; }
  var announce = document.getElementById("announce");
  var baseTitle = document.title;
  var link = list.getAttribute("data-link").replace(/0$/, "");
  var known = {};
  var unseen = 0;
  Array.prototype.forEach.call(list.querySelectorAll("[data-id]"), function (li) {
    known[li.getAttribute("data-id")] = true;
  });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function card(item) {
    var li = el("li", item.urgent ? "card card--urgent" : "card");
    li.setAttribute("data-id", item.id);
    var h2 = el("h2");
    var a = el("a", null, "Request " + item.id + ": " + item.reason);
    a.href = link + item.id;
    h2.appendChild(a);
    li.appendChild(h2);
    var meta = el("p", "meta");
    if (item.urgent) { meta.appendChild(el("strong", "tag tag--urgent", "Urgent")); }
    meta.appendChild(el("span", null, item.channel));
    meta.appendChild(el("span", null, "waiting " + Math.floor(item.waiting_seconds / 60) + " min"));
    meta.appendChild(el("span", null, item.mine ? "yours" : (item.claimed_by ? "held by " + item.claimed_by : item.status)));
    if (item.contact_later) { meta.appendChild(el("span", null, "asked to be contacted later")); }
    if (item.delivery_failed) { meta.appendChild(el("strong", "tag tag--failed", "A text was not delivered")); }
    li.appendChild(meta);
    if (item.summary.length) {
      var dl = el("dl", "summary");
      item.summary.forEach(function (row) {
        dl.appendChild(el("dt", null, row[0]));
        dl.appendChild(el("dd", null, row[1]));
      });
      li.appendChild(dl);
    } else {
      li.appendChild(el("p", "hint", "No summary shared."));
    }
    return li;
  }

  function draw(items) {
    var fresh = items.filter(function (item) { return !known[item.id] && item.status === "waiting"; });
    list.textContent = "";
    if (!items.length) { list.appendChild(el("li", "empty", "Nobody is waiting.")); }
    items.forEach(function (item) { known[item.id] = true; list.appendChild(card(item)); });
    if (fresh.length) {
      unseen += fresh.length;
      var urgent = fresh.some(function (item) { return item.urgent; });
      announce.textContent = fresh.length + " new request" + (fresh.length > 1 ? "s" : "") +
        (urgent ? ", urgent" : "") + ": " + fresh.map(function (i) { return i.reason; }).join(", ");
      document.title = "(" + unseen + " new) " + baseTitle;
    }
  }

  function poll() {
    fetch(list.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) { if (data) { draw(data.items); } })
      .catch(function () { /* keep polling; the network may be back next time */ });
  }

  window.addEventListener("focus", function () { unseen = 0; document.title = baseTitle; });
  setInterval(poll, 4000);

  function watchConversation(log) {
    if (!log) { return; }
    var names = { person: "Person", assistant: "Assistant", system: "Helpline", navigator: "Navigator", checkin: "Check-in" };
    var after = parseInt(log.getAttribute("data-after"), 10) || 0;

    function status(node, delivery) {
      node.textContent = "";
      if (delivery === "failed") {
        node.appendChild(el("strong", null, "Not delivered: the text failed."));
        node.parentNode.classList.add("msg--failed");
      } else {
        node.textContent = delivery ? "Text " + delivery : "Posted to the web chat";
      }
    }

    function add(message) {
      var li = el("li", "msg msg--" + message.author);
      li.setAttribute("data-id", message.id);
      li.appendChild(el("span", "msg__who", (names[message.author] || message.author) + " " + message.at + " UTC"));
      li.appendChild(document.createTextNode(message.text));
      log.appendChild(li);
      if (message.author === "navigator") {
        var span = el("span", "msg__status");
        li.appendChild(span);
        status(span, message.delivery);
      }
    }

    function poll() {
      fetch(log.getAttribute("data-url") + "?after=" + after, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) { return; }
          data.messages.forEach(function (message) { add(message); after = Math.max(after, message.id); });
          Object.keys(data.deliveries).forEach(function (id) {
            var span = log.querySelector('[data-id="' + id + '"] .msg__status');
            if (span) { status(span, data.deliveries[id]); }
          });
        })
        .catch(function () { /* keep polling; the network may be back next time */ });
    }

    setInterval(poll, 4000);
  }
}());
