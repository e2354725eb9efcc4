// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Deadline countdowns: <time datetime="…" data-countdown>.
  function renderCountdown(el) {
    var end = Date.parse(el.getAttribute("datetime"));
    if (isNaN(end)) return;
    var left = Math.max(0, end - Date.now());
    var days = Math.floor(left / 86400000);
    var hours = Math.floor((left % 86400000) / 3600000);
    var minutes = Math.floor((left % 3600000) / 60000);
    el.textContent = left === 0 ? "the deadline has passed"
      : days + " d " + hours + " h " + minutes + " min left";
  }
  function tick() { document.querySelectorAll("time[data-countdown]").forEach(renderCountdown); }

  // Character counters: <input|textarea maxlength data-counter>.
  function attachCounter(field) {
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var update = function () { counter.textContent = field.value.length + " / " + field.getAttribute("maxlength"); };
    field.addEventListener("input", update);
    update();
  }

  // Tagging hint while typing: asks the public classifier which track the text reads as.
  function attachClassifyHint(abstractField) {
    var hint = abstractField.parentElement.querySelector(".classify-hint");
    var title = document.getElementById("title");
    if (!hint || !window.fetch) return;
    var timer = null;
    var ask = function () {
      if (abstractField.value.trim().length < 50) { hint.hidden = true; return; }
      fetch("/api/v1/classify", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title: title ? title.value : "", abstract: abstractField.value })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
        if (!c) return;
        var name = c.track === "rust-for-linux" ? "Rust for Linux" : "General Rust";
        hint.textContent = "This reads like a " + name + " proposal (" + Math.round(c.confidence * 100) + " % sure).";
        hint.hidden = false;
      }).catch(function () { hint.hidden = true; });
    };
    abstractField.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 600); });
  }

  // The proposal form's questions limited to some formats (<div data-formats="talk …">): shown
  // only while one of those formats is chosen (without the script they say "only for: …").
  (function () {
    var format = document.getElementById("format");
    if (!format) return;
    var sync = function () {
      document.querySelectorAll(".question[data-formats]").forEach(function (q) {
        q.hidden = q.getAttribute("data-formats").split(" ").indexOf(format.value) < 0;
      });
    };
    format.addEventListener("change", sync);
    sync();
  })();

  // Confirm destructive actions: <form data-confirm="…">, or <button data-confirm="…"> for one
  // of a form's buttons. A form's <input type="hidden" data-confirmed> becomes "yes" once the
  // question is answered, so the server skips its own confirmation page (the one browsers
  // without JavaScript get).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute && button.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
    if (!question) return;
    if (!window.confirm(question)) { event.preventDefault(); return; }
    var confirmed = form.querySelector && form.querySelector("input[data-confirmed]");
    if (confirmed) confirmed.value = "yes";
  });

  // "Select all" for a table of checkboxes: <input type="checkbox" data-select-all="prefix" hidden>
  // ticks every checkbox of its table whose name starts with the prefix.
  function attachSelectAll(box) {
    var table = box.closest("table");
    if (!table) return;
    var prefix = box.getAttribute("data-select-all");
    var boxes = function () {
      return Array.prototype.filter.call(table.querySelectorAll("input[type=checkbox]"), function (b) {
        return b !== box && (b.getAttribute("name") || "").indexOf(prefix) === 0;
      });
    };
    if (boxes().length === 0) return;
    box.hidden = false;
    box.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = box.checked; });
    });
  }

  // Live preview of a decision email while the chair types: <form data-live-preview="API url"
  // data-preview-box="id">. The API takes the session cookie; as every JSON route it only
  // accepts Content-Type: application/json, which a cross-site form cannot send.
  function renderPreview(box, items) {
    var list = box.querySelector(".preview-emails");
    list.textContent = "";
    items.forEach(function (item) {
      var article = document.createElement("article");
      article.className = "email-preview";
      article.setAttribute("aria-label", "Email to " + item.to);
      var facts = document.createElement("dl");
      facts.className = "facts";
      [["To", item.to, ""], ["Subject", item.subject, "preview-subject"]].forEach(function (row) {
        var dt = document.createElement("dt");
        dt.textContent = row[0];
        var dd = document.createElement("dd");
        dd.textContent = row[1];
        if (row[2]) dd.className = row[2];
        facts.appendChild(dt);
        facts.appendChild(dd);
      });
      article.appendChild(facts);
      var heading = function (text) {
        var h = document.createElement("h3");
        h.className = "small-heading";
        h.textContent = text;
        return h;
      };
      article.appendChild(heading("Text"));
      var pre = document.createElement("pre");
      pre.className = "preview-text";
      pre.textContent = item.text;
      article.appendChild(pre);
      article.appendChild(heading("HTML"));
      var frame = document.createElement("iframe");
      frame.className = "preview-html";
      frame.setAttribute("sandbox", "");
      frame.title = "The HTML version of the email to " + item.to;
      frame.srcdoc = item.html;
      article.appendChild(frame);
      list.appendChild(article);
    });
  }
  function attachLivePreview(form) {
    var box = document.getElementById(form.getAttribute("data-preview-box"));
    var url = form.getAttribute("data-live-preview");
    var subject = form.querySelector("[name=subject]");
    var body = form.querySelector("[name=body]");
    var proposal = form.querySelector("[name=proposal_id]");
    if (!box || !url || !subject || !body || !proposal || !window.fetch) return;
    var status = box.querySelector(".preview-status");
    var timer = null;
    var asked = 0;
    var ask = function () {
      var mine = ++asked;
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ proposal_id: proposal.value, subject: subject.value, body: body.value })
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (answer) {
        if (mine !== asked) return; // a newer preview is on its way
        if (answer.ok) {
          renderPreview(box, answer.data.items || []);
          status.textContent = "Live preview of the wording above (not saved yet).";
        } else {
          var errors = answer.data && answer.data.errors;
          var messages = [];
          if (errors) Object.keys(errors).forEach(function (k) { messages = messages.concat(errors[k]); });
          status.textContent = "Cannot preview: " + (messages.length ? messages.join("; ") : (answer.data.detail || "error"));
        }
      }).catch(function () { status.textContent = "The live preview is unavailable; use the Preview button."; });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(ask, 500); };
    subject.addEventListener("input", later);
    body.addEventListener("input", later);
    proposal.addEventListener("change", later);
    // show the saved wording at once, unless the server just rendered a preview
    if (!box.querySelector(".email-preview")) ask();
  }

  // Live updates of the public list of accepted talks: <div data-live-fragment="url"
  // data-etag="…">. Every 15 s a conditional request; a 304 costs nearly nothing.
  function attachLiveList(box) {
    var url = box.getAttribute("data-live-fragment");
    var etag = box.getAttribute("data-etag");
    var status = document.getElementById("accepted-status");
    if (!url || !window.fetch) return;
    setInterval(function () {
      if (document.hidden) return;
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" }).then(function (r) {
        if (r.status === 200) {
          var tag = r.headers.get("ETag");
          return r.text().then(function (html) {
            box.innerHTML = html;
            if (tag) etag = tag;
            if (status) status.textContent = "The list was updated at " + new Date().toLocaleTimeString() + ".";
          });
        }
        if (r.status === 404 && status) status.textContent = "The list is no longer published.";
      }).catch(function () {});
    }, 15000);
  }

  // Drafts: <form data-autosave> saves a draft 2 s after the last keystroke (the same form
  // post as "Save draft", answered in JSON), remembers the draft's id so that later saves
  // update it, says when in its live status, and keeps a copy in localStorage until submitted.
  function attachAutosave(form) {
    if (!window.fetch || !window.FormData || !window.URLSearchParams) return;
    var status = document.getElementById("autosave-status");
    var draftId = form.querySelector("input[name=draft_id]");
    var tokenField = form.querySelector("input[name=form_token]");
    var storeKey = "mcfp-form:" + form.getAttribute("action") + ":" + (tokenField ? tokenField.value : "");
    var timer = null, saving = false, again = false;
    var say = function (text) { if (status) status.textContent = text; };
    var hhmm = function (d) { return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2); };
    var keepCopy = function () {
      try {
        var copy = {};
        new FormData(form).forEach(function (v, k) { if (k !== "csrf_token") copy[k] = v; });
        window.localStorage.setItem(storeKey, JSON.stringify(copy));
      } catch (e) { /* storage full or disabled: the server copy is enough */ }
    };
    var save = function () {
      if (saving) { again = true; return; }
      var title = form.querySelector("[name=title]"), abs = form.querySelector("[name=abstract]");
      if (!draftId.value && !(title && title.value.trim()) && !(abs && abs.value.trim())) return;
      saving = true;
      var body = new URLSearchParams(new FormData(form));
      body.set("intent", "autosave");
      fetch(form.getAttribute("action"), {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
        body: body.toString()
      }).then(function (r) {
        if (r.status === 401) {
          say("Not saved: you are signed out. Your text stays here: press Submit or Save draft and it comes back after you sign in.");
          return null;
        }
        if (!r.ok) { say("Not saved automatically (" + r.status + "): use Save draft."); return null; }
        return r.json();
      }).then(function (saved) {
        if (!saved) return;
        draftId.value = saved.id;
        say("Draft saved at " + hhmm(new Date(saved.saved_at)));
      }).catch(function () {
        say("Not saved automatically: check your connection. Your text stays here.");
      }).then(function () {
        saving = false;
        if (again) { again = false; save(); }
      });
    };
    form.addEventListener("input", function () {
      keepCopy();
      clearTimeout(timer);
      timer = setTimeout(save, 2000);
    });
    form.addEventListener("submit", function () { clearTimeout(timer); });
    // a copy left by this very form (same one-time token) after a crash or a closed tab
    try {
      var kept = JSON.parse(window.localStorage.getItem(storeKey) || "null");
      if (kept) {
        Object.keys(kept).forEach(function (k) {
          var field = form.querySelector("[name='" + k + "']");
          if (field && field.type !== "hidden" && field.type !== "submit" && !field.value) field.value = kept[k];
        });
      }
    } catch (e) { /* nothing kept */ }
  }
  // A submitted proposal's page: copies kept while typing are no longer needed.
  function forgetKeptForms() {
    try {
      if (!document.querySelector(".flash-success")) return;
      Object.keys(window.localStorage).forEach(function (k) {
        if (k.indexOf("mcfp-form:") === 0) window.localStorage.removeItem(k);
      });
    } catch (e) { /* storage disabled */ }
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    document.querySelectorAll("[data-counter][maxlength]").forEach(attachCounter);
    document.querySelectorAll("textarea[data-classify]").forEach(attachClassifyHint);
    document.querySelectorAll("input[data-select-all]").forEach(attachSelectAll);
    document.querySelectorAll("form[data-live-preview]").forEach(attachLivePreview);
    document.querySelectorAll("[data-live-fragment]").forEach(attachLiveList);
    document.querySelectorAll("form[data-autosave]").forEach(attachAutosave);
    forgetKeptForms();
  });
})();

// The dashboard's table (issue 14): j and k move a highlight over its rows, focusing the row's
// link (so Enter opens it, as any link); / goes to the search. Never while typing in a field.
(function () {
  "use strict";
  function typing(target) {
    if (!target || !target.tagName) return false;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }
  function openDetailsOf(id) {
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    // a form of a folded panel comes back to it (#phase, #reviewers…): unfold it
    var hash = function () { return decodeURIComponent(location.hash.slice(1)); };
    openDetailsOf(hash());
    window.addEventListener("hashchange", function () { openDetailsOf(hash()); });

    var table = document.querySelector("table[data-keyboard-rows]");
    if (!table || !table.tBodies.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var current = -1;
    function highlight(i) {
      if (current >= 0 && rows[current]) rows[current].classList.remove("current");
      current = i;
      rows[i].classList.add("current");
    }
    function move(i) {
      if (!rows.length) return;
      i = Math.max(0, Math.min(rows.length - 1, i));
      highlight(i);
      var link = rows[i].querySelector("a[data-row-link]");
      if (link) {
        link.focus();
        if (link.scrollIntoView) link.scrollIntoView({ block: "nearest" });
      }
    }
    table.addEventListener("focusin", function (e) {
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].contains(e.target)) { if (i !== current) highlight(i); return; }
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === "j") { e.preventDefault(); move(current + 1); }
      else if (e.key === "k") { e.preventDefault(); move(current < 0 ? 0 : current - 1); }
      else if (e.key === "/") {
        var search = document.getElementById("f-q");
        if (search) { e.preventDefault(); search.focus(); search.select(); }
      }
    });
  });
})();

// The live programme (/events/{slug}/live): polls the cached programme every 5 s (a 304 while it
// is unchanged), recomputes "now" and "next" per room every second, counts down, and shows each
// time in the viewer's zone too. The server-rendered page stays as it is without this.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-programme]");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-live-programme");
  var etag = root.getAttribute("data-etag");
  var zone = root.getAttribute("data-time-zone");
  var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var programme = null;
  var shownKey = null;
  function clock(date, timeZone) {
    try {
      return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone }).format(date);
    } catch (e) { return date.toISOString().slice(11, 16); }
  }
  function left(ms) {
    var minutes = Math.ceil(ms / 60000);
    if (minutes >= 120) return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    return minutes + " min";
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function timeEl(iso) {
    var t = el("time", null, clock(new Date(iso), zone));
    t.setAttribute("datetime", iso);
    return t;
  }
  // "(08:30 your time)" after each time, when the viewer's zone shows another clock
  function addViewerTimes(scope) {
    if (!viewerZone || viewerZone === zone) return;
    scope.querySelectorAll("time[datetime]").forEach(function (t) {
      if (t.nextElementSibling && t.nextElementSibling.classList.contains("viewer-time")) return;
      var date = new Date(t.getAttribute("datetime"));
      if (isNaN(date)) return;
      var mine = clock(date, viewerZone);
      if (mine === t.textContent.trim()) return;
      t.insertAdjacentElement("afterend", el("span", "viewer-time", " (" + mine + " yours)"));
    });
    var note = root.querySelector(".viewer-zone-note");
    if (note) { note.hidden = false; note.querySelector(".viewer-zone-name").textContent = viewerZone; }
  }
  function speakers(item) {
    return item.speakers.map(function (s) { return s.affiliation ? s.name + " (" + s.affiliation + ")" : s.name; }).join(", ");
  }
  function rooms() {
    var names = [];
    programme.blocks.forEach(function (b) { if (names.indexOf(b.room) < 0) names.push(b.room); });
    return names;
  }
  function liveAt(now) {
    return rooms().map(function (room) {
      var current = [], next = null;
      programme.blocks.forEach(function (b) {
        if (b.room !== room) return;
        b.items.forEach(function (item) {
          var starts = Date.parse(item.starts_at), ends = Date.parse(item.ends_at);
          if (starts <= now && now < ends) current.push(item);
          else if (starts > now && (!next || starts < Date.parse(next.starts_at))) next = item;
        });
      });
      return { room: room || "Main room", now: current, next: next };
    });
  }
  function itemBlock(container, item, word, iso, kind) {
    container.appendChild(el("p", "live-title", item.title));
    var who = speakers(item);
    if (who) container.appendChild(el("p", "live-speakers", who));
    var when = el("p", "live-when", word + " ");
    when.appendChild(timeEl(iso));
    var countdown = el("span", "live-countdown");
    countdown.setAttribute("data-until", iso);
    countdown.setAttribute("data-kind", kind);
    when.appendChild(document.createTextNode(" "));
    when.appendChild(countdown);
    container.appendChild(when);
  }
  function renderRooms(live) {
    var box = document.getElementById("live-rooms");
    box.textContent = "";
    if (!live.length) { box.appendChild(el("p", null, "The programme has no blocks yet.")); return; }
    live.forEach(function (r) {
      var section = el("section", "live-room");
      section.setAttribute("aria-label", r.room);
      section.appendChild(el("h2", null, r.room));
      var now = el("div", "live-now");
      now.appendChild(el("h3", null, "Now"));
      if (!r.now.length) now.appendChild(el("p", "muted", "Nothing right now."));
      r.now.forEach(function (item) { itemBlock(now, item, "until", item.ends_at, "left"); });
      var next = el("div", "live-next");
      next.appendChild(el("h3", null, "Next"));
      if (r.next) itemBlock(next, r.next, "at", r.next.starts_at, "in");
      else next.appendChild(el("p", "muted", "Nothing more."));
      section.appendChild(now);
      section.appendChild(next);
      box.appendChild(section);
    });
    addViewerTimes(box);
  }
  function renderOrder(now) {
    var box = document.getElementById("live-order");
    box.textContent = "";
    programme.blocks.forEach(function (b) {
      var section = el("section", "live-block");
      section.appendChild(el("h3", null, b.title + (b.room ? " · " + b.room : "")));
      var list = el("ol", "live-order");
      b.items.forEach(function (item) {
        var li = el("li", item.kind === "break" ? "break" : null);
        li.setAttribute("data-starts", item.starts_at);
        li.setAttribute("data-ends", item.ends_at);
        li.appendChild(timeEl(item.starts_at));
        li.appendChild(document.createTextNode("–"));
        li.appendChild(timeEl(item.ends_at));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("strong", null, item.title));
        var who = speakers(item);
        if (who) li.appendChild(document.createTextNode(" · " + who));
        li.appendChild(el("span", "muted", " (" + item.minutes + " min)"));
        list.appendChild(li);
      });
      section.appendChild(list);
      box.appendChild(section);
    });
    addViewerTimes(box);
    markCurrent(now);
  }
  function markCurrent(now) {
    document.querySelectorAll("#live-order li[data-starts]").forEach(function (li) {
      var on = Date.parse(li.getAttribute("data-starts")) <= now && now < Date.parse(li.getAttribute("data-ends"));
      li.classList.toggle("current", on);
      if (on) li.setAttribute("aria-current", "time"); else li.removeAttribute("aria-current");
    });
  }
  function tick() {
    var now = Date.now();
    if (programme) {
      var live = liveAt(now);
      var key = JSON.stringify(live.map(function (r) {
        return [r.room, r.now.map(function (i) { return i.starts_at + i.title + speakers(i); }), r.next && (r.next.starts_at + r.next.title + speakers(r.next))];
      }));
      if (key !== shownKey) {
        if (shownKey !== null) {
          document.getElementById("live-announce").textContent = live.map(function (r) {
            return r.room + ": " + (r.now.length ? r.now.map(function (i) { return i.title; }).join(", ") : "nothing now");
          }).join(". ");
        }
        shownKey = key;
        renderRooms(live);
      }
      markCurrent(now);
    }
    root.querySelectorAll(".live-countdown[data-until]").forEach(function (c) {
      var ms = Date.parse(c.getAttribute("data-until")) - now;
      c.textContent = ms > 0 ? "(" + (c.getAttribute("data-kind") === "left" ? left(ms) + " left" : "in " + left(ms)) + ")" : "";
    });
    var asOf = document.getElementById("live-as-of");
    if (asOf) { asOf.setAttribute("datetime", new Date(now).toISOString()); asOf.textContent = clock(new Date(now), zone) + " " + zone; }
  }
  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "same-origin" }).then(function (response) {
      if (response.status === 304) return null;
      if (!response.ok) return null;
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (body) {
      if (!body) return;
      var first = programme === null;
      programme = body;
      shownKey = first ? shownKey : null;
      renderOrder(Date.now());
      tick();
    }).catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  addViewerTimes(root);
  // the first poll has no ETag: it loads the programme the page was rendered from
  etag = null;
  poll();
  setInterval(tick, 1000);
  setInterval(poll, 5000);
})();
