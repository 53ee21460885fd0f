// The live queue: polls the queue's JSON every few seconds, redraws the list and announces
// new requests (screen readers through the aria-live region, everyone through the title).
// On a conversation page: appends new messages to the log and refreshes SMS delivery states,
// inserts saved replies (click, or Alt+1..9 in the reply box) and places found in the
// directory (click), counts SMS length while the navigator types and gently flags
// stigmatizing words (never blocking the send).
(function () {
  "use strict";
  var list = document.getElementById("queue");
  if (!list) {
    watchConversation(document.getElementById("log"));
    compose(document.getElementById("reply-text"));
    return;
  }
  var staffed = document.getElementById("on-shift");
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
    meta.appendChild(el("span", null, "asked " + item.asked + ", waiting " + Math.floor(item.waiting_seconds / 60) + " min" +
      (item.target_minutes ? " (target " + item.target_minutes + " min)" : "")));
    if (item.over_target) { meta.appendChild(el("strong", "tag tag--late", "Past the target")); }
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

  function shifts(names) {
    if (!staffed || !names) { return; }
    staffed.className = names.length ? "staffed" : "staffed staffed--none";
    staffed.textContent = names.length ? "On shift: " + names.join(", ") + "." :
      "Nobody is on shift: people asking for a navigator are told no one is here right now.";
  }

  function poll() {
    fetch(list.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) { if (data) { draw(data.items); shifts(data.on_shift); } })
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

    var ol = log.querySelector("ol");
    // The latest messages in view; a new one scrolls in only when the reader is at the end.
    log.scrollTop = log.scrollHeight;

    function atEnd() { return log.scrollHeight - log.scrollTop - log.clientHeight < 40; }

    function add(message) {
      var side = message.author === "person" ? " msg--them" : " msg--us";
      var li = el("li", "msg msg--" + message.author + side);
      li.setAttribute("data-id", message.id);
      var who = el("p", "msg__who");
      who.appendChild(el("span", "msg__name", names[message.author] || message.author));
      who.appendChild(document.createTextNode(" "));
      who.appendChild(el("time", null, message.at));
      li.appendChild(who);
      li.appendChild(el("p", "msg__text", message.text));
      ol.appendChild(li);
      if (message.author === "navigator") {
        var p = el("p", "msg__status");
        li.appendChild(p);
        status(p, message.delivery);
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
          var follow = atEnd();
          data.messages.forEach(function (message) { add(message); after = Math.max(after, message.id); });
          if (follow && data.messages.length) { log.scrollTop = log.scrollHeight; }
          Object.keys(data.deliveries).forEach(function (id) {
            var span = log.querySelector('[data-id="' + id + '"] .msg__status');
            if (span) { status(span, data.deliveries[id]); }
          });
        })
        .catch(function () { /* keep polling; the network may be back next time */ });
    }

    setInterval(poll, 4000);
  }

  function compose(box) {
    if (!box) { return; }
    var gsm7 = box.getAttribute("data-gsm7") || "";
    var extended = box.getAttribute("data-gsm7-extended") || "";
    var stigma = new RegExp(box.getAttribute("data-stigma"), "gi");
    var instead = JSON.parse(box.getAttribute("data-instead") || "{}");
    var sms = box.getAttribute("data-channel") === "sms";
    var counter = document.getElementById("reply-length");
    var words = document.getElementById("reply-words");
    var said = "";

    // The same count as bot/handoff/saved_replies.py sms_length: GSM-7 160 / 153 a
    // segment (extension characters count twice), else UCS-2 70 / 67 (UTF-16 units).
    function length(text) {
      var units = 0, plain = true, i;
      for (i = 0; i < text.length; i += 1) {
        var c = text.charAt(i);
        if (extended.indexOf(c) >= 0) { units += 2; } else if (gsm7.indexOf(c) >= 0) { units += 1; } else { plain = false; break; }
      }
      if (!plain) { units = text.length; }
      var single = plain ? 160 : 70, split = plain ? 153 : 67;
      var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / split));
      return { units: units, segments: segments, encoding: plain ? "GSM-7" : "UCS-2" };
    }

    function suggestion(term) {
      var low = term.toLowerCase();
      var stem = Object.keys(instead).filter(function (key) { return low.indexOf(key) >= 0; })[0];
      return stem ? instead[stem] : "person who uses drugs";
    }

    function update() {
      var text = box.value;
      var n = length(text);
      counter.textContent = sms ?
        n.units + " characters, " + n.segments + " text" + (n.segments === 1 ? "" : "s") + " (" + n.encoding + ")" :
        n.units + " characters";
      var found = [];
      (text.match(stigma) || []).forEach(function (term) {
        var low = term.toLowerCase();
        if (found.indexOf(low) < 0) { found.push(low); }
      });
      var note = found.length ? "A gentle note: " + found.map(function (t) { return "\u201c" + t + "\u201d"; }).join(", ") +
        " can feel stigmatizing to people who use drugs. You could say: " +
        found.map(suggestion).filter(function (v, i, all) { return all.indexOf(v) === i; }).join("; ") +
        ". You can still send it as it is." : "";
      if (note !== said) { words.textContent = note; said = note; }
    }

    function insert(text) {
      var start = box.selectionStart, end = box.selectionEnd, value = box.value;
      var before = value.slice(0, start), after = value.slice(end);
      var gap = before && !/\s$/.test(before) ? " " : "";
      box.value = before + gap + text + after;
      var at = (before + gap + text).length;
      box.focus();
      box.setSelectionRange(at, at);
      update();
    }

    var buttons = Array.prototype.slice.call(document.querySelectorAll(".saved__insert[data-text]"));
    buttons.forEach(function (button) {
      button.addEventListener("click", function () { insert(button.getAttribute("data-text")); });
    });
    // Places found in the directory: the buttons are hidden until this script can insert.
    Array.prototype.forEach.call(document.querySelectorAll(".places__insert[data-text]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { insert(button.getAttribute("data-text")); });
    });
    box.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
      var digit = /^Digit([1-9])$/.exec(event.code || "");
      if (!digit) { return; }
      var button = buttons.filter(function (b) { return b.getAttribute("data-key") === digit[1]; })[0];
      if (button) { event.preventDefault(); insert(button.getAttribute("data-text")); }
    });
    box.addEventListener("input", update);
    update();
  }
}());
