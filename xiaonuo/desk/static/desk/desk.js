// Progressive enhancement for the desk pages; everything works without it.
(function () {
  function scrollThread() {
    var thread = document.getElementById("thread");
    if (thread) { thread.scrollTop = thread.scrollHeight; }
  }
  document.addEventListener("DOMContentLoaded", scrollThread);
  // A live update appended messages: drop the "no messages yet" line and follow the thread.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "thread") {
      var empty = document.getElementById("thread-empty");
      if (empty) { empty.remove(); }
      scrollThread();
    }
  });
  // Ctrl/⌘ + Enter sends the reply.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "reply-text") {
      var send = document.querySelector("[data-testid=reply-send]");
      if (send) { event.preventDefault(); send.click(); }
    }
  });
})();
