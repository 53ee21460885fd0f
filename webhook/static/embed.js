// The helpline chat widget. A partner site adds one line:
//   <script src="https://HELPLINE-GATEWAY/embed.js" async></script>
// It shows a button that opens the chat (served by the gateway) in a panel.
(function () {
  "use strict";
  if (window.__helplineWidget) { return; }
  window.__helplineWidget = true;
  var script = document.currentScript || document.querySelector('script[src$="/embed.js"]');
  var origin = new URL(script.src, location.href).origin;

  var style = document.createElement("style");
  style.textContent =
    ".helpline-w-btn{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:600 16px/1.2 system-ui,sans-serif;" +
    "background:#0b5394;color:#fff;border:0;border-radius:24px;padding:12px 18px;min-height:48px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}" +
    ".helpline-w-btn:focus-visible{outline:3px solid #ff9900;outline-offset:2px}" +
    ".helpline-w-panel{position:fixed;right:16px;bottom:76px;z-index:2147483000;width:min(380px,calc(100vw - 32px));" +
    "height:min(600px,calc(100vh - 100px));border:1px solid #888;border-radius:12px;background:#fff;box-shadow:0 4px 16px rgba(0,0,0,.3);display:none}" +
    ".helpline-w-panel[data-open=true]{display:block}" +
    ".helpline-w-panel iframe{width:100%;height:100%;border:0;border-radius:12px}" +
    "@media (max-width:480px){.helpline-w-panel{right:0;bottom:0;width:100vw;height:100vh;border-radius:0}}";
  document.head.appendChild(style);

  var button = document.createElement("button");
  button.type = "button";
  button.className = "helpline-w-btn";
  button.textContent = "Chat with the helpline";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "helpline-w-panel");

  var panel = document.createElement("div");
  panel.id = "helpline-w-panel";
  panel.className = "helpline-w-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Helpline chat");

  function toggle(open) {
    if (open && !panel.firstChild) {
      var frame = document.createElement("iframe");
      frame.src = origin + "/chat?embed=1";
      frame.title = "Helpline chat";
      panel.appendChild(frame);
    }
    panel.setAttribute("data-open", open ? "true" : "false");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "Close chat" : "Chat with the helpline";
    if (open) { panel.firstChild.focus(); } else { button.focus(); }
  }

  button.addEventListener("click", function () { toggle(panel.getAttribute("data-open") !== "true"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.getAttribute("data-open") === "true") { toggle(false); }
  });
  // The chat's "Quick exit": the partner page is what is on screen, so it goes too, replaced
  // in the tab's history by the helpline's neutral exit site (Back does not return to it).
  function quickExit(url) {
    panel.remove();
    button.remove();
    location.replace(typeof url === "string" && /^https?:\/\//i.test(url) ? url : "about:blank");
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data) { return; }
    if (event.data.helpline === "close") { toggle(false); }
    if (event.data.helpline === "exit") { quickExit(event.data.url); }
  });
  document.body.appendChild(panel);
  document.body.appendChild(button);
})();
