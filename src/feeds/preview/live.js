// feeds serve --watch: reload this page when the site is rebuilt, and show a
// failed build over it. Added by the preview server only; never in public/.
(function () {
  "use strict";
  var script = document.currentScript;
  var served = script.getAttribute("data-version");
  var overlay = null;

  function show(error) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "feeds-preview-error";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = [
        "position:fixed", "inset:0", "z-index:2147483647", "overflow:auto",
        "background:rgba(24,24,24,0.94)", "color:#fff", "padding:2rem",
        "font:16px/1.5 system-ui,sans-serif", "text-align:left",
      ].join(";");
      var heading = document.createElement("h2");
      heading.textContent = "feeds: the build failed";
      heading.style.cssText = "margin:0 0 1rem;color:#ff8a80;font-size:1.25rem";
      var text = document.createElement("pre");
      text.style.cssText = "white-space:pre-wrap;margin:0 0 1rem;font:14px/1.5 monospace";
      var note = document.createElement("p");
      note.textContent = "The last good build is shown behind this. Fix the problem and " +
        "save: the page reloads by itself.";
      note.style.cssText = "margin:0;color:#ccc";
      overlay.append(heading, text, note);
      document.body.append(overlay);
    }
    overlay.querySelector("pre").textContent = error;
  }

  function hide() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  var events = new EventSource(script.src.replace(/live\.js(\?.*)?$/, "events"));
  events.onmessage = function (message) {
    var state = JSON.parse(message.data);
    if (state.error) {
      show(state.error);
    } else if (state.version !== served) {
      events.close();
      window.location.reload();
    } else {
      hide();
    }
  };
}());
