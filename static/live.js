// Live updates for RFQ pages, the board and consortium pages. The pages work without this file;
// with it, the number of bids, the deadline, the status, new answers, newly published RFQs and
// the confirmations of a joint bid appear without reloading. After a dropped connection it reconnects (waiting longer each time, at most 30 s)
// and tells the server what it has already shown, so it catches up on what it missed.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.WebSocket) { return; }
  var texts = JSON.parse(root.getAttribute("data-texts") || "{}");
  var delay = 1000;

  function find(name) { return document.querySelector('[data-live="' + name + '"]'); }

  function say(message) {
    var notice = find("notice");
    if (notice) { notice.textContent = message; }
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function formatMoment(iso) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang, {
        dateStyle: "medium", timeStyle: "short", timeZone: root.getAttribute("data-tz") || undefined
      }).format(new Date(iso));
    } catch (error) { return iso; }
  }

  var rfq = root.getAttribute("data-live-rfq");
  var seenAnswers = parseInt(root.getAttribute("data-answers") || "0", 10);
  var deadline = root.getAttribute("data-deadline");
  var status = root.getAttribute("data-status");
  var since = root.getAttribute("data-since");
  var labels = JSON.parse(root.getAttribute("data-labels") || "{}");
  var consortium = root.getAttribute("data-live-consortium");
  var sha = root.getAttribute("data-sha");

  function applyConfirmations(event) {
    if (event.sha256 !== sha) { say(texts.changed || ""); return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-member]"), function (item) {
      var done = event.confirmed.indexOf(item.getAttribute("data-member")) >= 0;
      var mark = item.querySelector("[data-confirmed]");
      var text = done ? texts.confirmed : texts.pending;
      if (mark && mark.textContent !== text) {
        mark.textContent = text;
        if (done) { say(fill(texts.arrived || "", { firm: item.getAttribute("data-name") })); }
      }
    });
    var counts = find("counts");
    if (counts) { counts.hidden = !event.counts; }
  }

  function setBids(count) {
    var cell = find("bids");
    if (cell && cell.textContent !== String(count)) {
      cell.textContent = String(count);
      say(fill(texts.bids || "", { count: count }));
    }
  }

  function addAnswer(event) {
    if (event.number <= seenAnswers) { return; }
    seenAnswers = event.number;
    var list = find("answers");
    var empty = find("no-answers");
    if (empty) { empty.remove(); }
    if (!list) { return; }
    var card = document.createElement("article");
    card.className = "card";
    [[texts.question, event.question], [texts.answer, event.answer]].forEach(function (pair) {
      var line = document.createElement("p");
      var label = document.createElement("strong");
      label.textContent = pair[0] + ":";
      line.appendChild(label);
      line.appendChild(document.createTextNode(" " + pair[1]));
      card.appendChild(line);
    });
    list.appendChild(card);
    say(texts.new_answer || "");
  }

  function applyState(event) {
    if (event.bids !== undefined) { setBids(event.bids); }  // sealed for this page: not sent
    if (event.deadline && event.deadline !== deadline) {
      deadline = event.deadline;
      var cell = find("deadline");
      if (cell) { cell.textContent = formatMoment(deadline); }
      say(fill(texts.deadline || "", { deadline: formatMoment(deadline) }));
    }
    if (event.status !== status) {
      status = event.status;
      var tag = find("status");
      if (tag) { tag.textContent = labels[status] || status; }
      say(fill(texts.status || "", { status: labels[status] || status }));
    }
  }

  function handle(event) {
    if (event.type === "state") { applyState(event); }
    else if (event.type === "confirmations") { applyConfirmations(event); }
    else if (event.type === "bids") { setBids(event.count); }
    else if (event.type === "answer") { addAnswer(event); }
    else if (event.type === "published" || event.type === "missed") {
      since = event.at;  // the server's clock: a reconnect catches up from here
      var count = event.type === "missed" ? event.count : 1;
      if (count < 1) { return; }
      var banner = find("new-rfqs");
      var total = (parseInt(banner.getAttribute("data-count") || "0", 10) || 0) + count;
      banner.setAttribute("data-count", String(total));
      banner.querySelector("span").textContent = fill(texts.new_rfqs || "", { count: total });
      banner.hidden = false;
    }
  }

  function address() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    if (consortium) { return scheme + location.host + "/live/consortia/" + consortium; }
    if (rfq) { return scheme + location.host + "/live/rfqs/" + rfq + "?answers=" + seenAnswers; }
    return scheme + location.host + "/live/board?since=" + encodeURIComponent(since || "");
  }

  function connect() {
    var socket = new WebSocket(address());
    socket.onopen = function () {
      delay = 1000;
      root.setAttribute("data-connected", "true");
    };
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function (closing) {
      root.setAttribute("data-connected", "false");
      // the session (4401) or the right to listen (4403) ended: a new handshake would be refused
      if (closing.code === 4401 || closing.code === 4403) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
}());
