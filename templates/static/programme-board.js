// The programme board without reloads: the move buttons move an item in place (focus stays on
// the pressed button, the move is announced), drag and drop places talks and moves items; each
// change posts the same form as the buttons do (the server saves it whole through the same
// function and answers with the page, whose board replaces this one: computed times, minutes
// and any error next to its item). Without this script the buttons post and the page reloads.
(function () {
  "use strict";
  var form = document.getElementById("programme-board");
  var status = document.getElementById("board-status");
  if (!form || !status || !window.fetch || !window.FormData || !window.URLSearchParams || !window.DOMParser) return;
  var saving = false, again = null;

  function say(text) {
    // a fresh text node, so that the same words twice are announced twice
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function items() { return Array.prototype.slice.call(form.querySelectorAll("li.item")); }
  function blockOf(li) { return li.closest("fieldset[data-block]"); }
  // positions and block fields follow the document order, as the server reads them
  function renumber() {
    form.querySelectorAll("fieldset[data-block]").forEach(function (block) {
      var index = block.getAttribute("data-block");
      block.querySelectorAll("li.item").forEach(function (li, i) {
        var position = li.querySelector("[data-position-field]");
        var select = li.querySelector("[data-block-field]");
        if (position) position.value = String(i + 1);
        if (select) select.value = index;
      });
    });
  }
  function where(li) {
    var block = blockOf(li);
    var list = block.querySelectorAll("li.item");
    var position = Array.prototype.indexOf.call(list, li) + 1;
    return li.getAttribute("data-title") + " moved to position " + position + " of block “" + block.getAttribute("data-name") + "”.";
  }

  // Posts the form with this action; swaps the board for the answer's; then `after(board)`.
  function save(action, after) {
    if (saving) { again = { action: action, after: after }; return; }
    saving = true;
    var body = new URLSearchParams(new FormData(form));
    body.set("action", action);
    fetch(form.getAttribute("action"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html" },
      body: body.toString()
    }).then(function (r) {
      return r.text().then(function (html) { return { ok: r.ok, status: r.status, html: html }; });
    }).then(function (answer) {
      var page = new DOMParser().parseFromString(answer.html, "text/html");
      var fresh = page.getElementById("board");
      if (!fresh) { say("Not saved (" + answer.status + "): reload the page."); return; }
      document.getElementById("board").replaceWith(document.adoptNode(fresh));
      if (after) after(answer.ok);
      if (!answer.ok) {
        var errors = document.getElementById("board-errors");
        say("Not saved: " + (errors ? errors.textContent : "see the errors on the page."));
      }
    }).catch(function () {
      say("Not saved: check your connection, then press Save the programme.");
    }).then(function () {
      saving = false;
      if (again) { var next = again; again = null; save(next.action, next.after); }
    });
  }

  // After a save the server numbers the items in document order: find the moved one again.
  function refocus(index, move) {
    return function () {
      var li = items()[index];
      var button = li && li.querySelector("[data-move='" + move + "']");
      if (button) button.focus();
    };
  }

  form.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-move]");
    if (!button) return;
    e.preventDefault();
    var li = button.closest("li.item");
    var move = button.getAttribute("data-move");
    var sibling = move === "up" ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) {
      say(li.getAttribute("data-title") + " is already " + (move === "up" ? "first" : "last") + " in block “" + blockOf(li).getAttribute("data-name") + "”.");
      return;
    }
    if (move === "up") sibling.before(li); else sibling.after(li);
    button.focus();
    renumber();
    say(where(li));
    save("save", refocus(items().indexOf(li), move));
  });

  // Drag and drop: an item ("item:<n>") or an unplaced talk ("talk:<id>") onto a block.
  form.addEventListener("dragstart", function (e) {
    var li = e.target.closest && e.target.closest("li.item, li.unplaced-talk");
    if (!li) return;
    var what = li.classList.contains("item") ? "item:" + li.getAttribute("data-n") : "talk:" + li.getAttribute("data-talk");
    e.dataTransfer.setData("text/plain", what);
    e.dataTransfer.effectAllowed = "move";
    li.classList.add("dragging");
  });
  form.addEventListener("dragend", function (e) {
    var li = e.target.closest && e.target.closest("li");
    if (li) li.classList.remove("dragging");
  });
  form.addEventListener("dragover", function (e) {
    if (e.target.closest && e.target.closest("fieldset[data-block]")) e.preventDefault();
  });
  form.addEventListener("drop", function (e) {
    var block = e.target.closest && e.target.closest("fieldset[data-block]");
    if (!block) return;
    e.preventDefault();
    var what = e.dataTransfer.getData("text/plain") || "";
    var index = block.getAttribute("data-block");
    if (what.indexOf("talk:") === 0) {
      var id = what.slice(5);
      var select = form.querySelector("select[name='place_" + id + "']");
      var talk = form.querySelector("li.unplaced-talk[data-talk='" + id + "']");
      if (!select) return;
      select.value = index;
      say("Talk “" + (talk ? talk.getAttribute("data-title") : "") + "” placed in block “" + block.getAttribute("data-name") + "”.");
      save("place:" + id, null);
      return;
    }
    if (what.indexOf("item:") !== 0) return;
    var li = form.querySelector("li.item[data-n='" + what.slice(5) + "']");
    if (!li) return;
    var list = block.querySelector("ol.items");
    var before = e.target.closest("li.item");
    if (before === li) return;
    if (before && list.contains(before)) list.insertBefore(li, before); else list.appendChild(li);
    renumber();
    say(where(li));
    save("save", null);
  });
})();
