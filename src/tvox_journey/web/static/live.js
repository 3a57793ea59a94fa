/* Live parts of a page: re-fetch a server-rendered fragment whenever the server says it changed.
 *
 * <div data-live-src="/contacts/1/journey" data-live-stream="/events?contact=1&since=42">
 *   <p data-live-status data-text-live="…" data-text-offline="…" data-text-connecting="…"></p>
 *   <div data-live-target>…fragment…</div>
 * </div>
 *
 * `data-live-min-interval="500"` (milliseconds) spaces the fetches of a fragment that costs more to
 * build: changes that come sooner are gathered into one fetch when the interval has passed.
 *
 * The stream is Server-Sent Events: the browser reconnects by itself and sends the last
 * event id it saw, and the server catches up from its event log. No inline script, no CDN.
 *
 * What a reader is typing survives a swap: a text field, text area or list with an id whose value
 * differs from the one the server rendered (a note being written) gets it back, with the focus.
 *
 * A count (<span data-live-count="/callbacks/count"></span>, in the navigation) is fetched as text
 * when the page loads and again whenever a stream of the page connects or says something changed;
 * it is written into the element (data-count too) when the answer is a number.
 */
(function () {
  "use strict";

  function setStatus(element, state) {
    if (!element) {
      return;
    }
    element.dataset.state = state;
    element.textContent = element.getAttribute("data-text-" + state) || "";
  }

  var countBusy = false;
  var countAgain = false;

  function refreshCounts() {
    var counts = document.querySelectorAll("[data-live-count]");
    if (!counts.length) {
      return;
    }
    if (countBusy) {
      countAgain = true;
      return;
    }
    countBusy = true;
    var url = counts[0].getAttribute("data-live-count");
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/plain" } })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (text) {
        var value = text.trim();
        if (!/^[0-9]{1,9}$/.test(value)) {
          return; /* a login page or an error: keep what is shown */
        }
        for (var i = 0; i < counts.length; i += 1) {
          counts[i].textContent = value;
          counts[i].dataset.count = value;
        }
      })
      .catch(function () {
        /* the next change tries again */
      })
      .then(function () {
        countBusy = false;
        if (countAgain) {
          countAgain = false;
          refreshCounts();
        }
      });
  }

  function changed(field) {
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) {
        return o.selected !== o.defaultSelected;
      });
    }
    return field.value !== field.defaultValue;
  }

  function keepTyped(target) {
    var kept = [];
    var fields = target.querySelectorAll("textarea[id], select[id], input[id]:not([type=hidden])");
    Array.prototype.forEach.call(fields, function (field) {
      if (changed(field)) {
        kept.push({ id: field.id, value: field.value });
      }
    });
    var active = document.activeElement;
    var focused = active && active.id && target.contains(active) ? active.id : null;
    return function restore() {
      kept.forEach(function (k) {
        var found = document.getElementById(k.id);
        if (found && target.contains(found)) {
          found.value = k.value;
        }
      });
      var again = focused ? document.getElementById(focused) : null;
      if (again && target.contains(again)) {
        again.focus();
      }
    };
  }

  function follow(container) {
    var source = container.getAttribute("data-live-src");
    var streamUrl = container.getAttribute("data-live-stream");
    var target = container.querySelector("[data-live-target]") || container;
    var status = container.querySelector("[data-live-status]");
    var busy = false;
    var again = false;
    var minInterval = Number(container.getAttribute("data-live-min-interval")) || 0;
    var lastFetch = 0;
    var waiting = null;

    function refresh() {
      if (busy) {
        again = true;
        return;
      }
      if (waiting !== null) {
        return; /* a fetch is already due */
      }
      var early = lastFetch + minInterval - Date.now();
      if (early > 0) {
        waiting = window.setTimeout(function () {
          waiting = null;
          refresh();
        }, early);
        return;
      }
      busy = true;
      lastFetch = Date.now();
      fetch(source, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (response.status === 404) {
            /* what the page shows is gone (a contact deleted or erased): show that instead */
            window.location.reload();
          }
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          /* a <details id=…> the reader opened stays open across the swap */
          var open = Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (d) {
            return d.id;
          });
          var restore = keepTyped(target);
          target.innerHTML = html;
          restore();
          open.forEach(function (id) {
            var found = document.getElementById(id);
            if (found && target.contains(found)) {
              found.open = true;
            }
          });
          container.dataset.liveRefreshed = String(Number(container.dataset.liveRefreshed || "0") + 1);
        })
        .catch(function () {
          /* the next change or reconnection tries again */
        })
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    if (!window.EventSource || !source || !streamUrl) {
      return;
    }
    var events = new EventSource(streamUrl);
    var lost = null;
    events.addEventListener("open", function () {
      window.clearTimeout(lost);
      setStatus(status, "live");
    });
    events.addEventListener("ready", function (event) {
      container.dataset.liveSeq = event.lastEventId;
      setStatus(status, "live");
      refreshCounts();
    });
    events.addEventListener("change", function (event) {
      container.dataset.liveSeq = event.lastEventId;
      setStatus(status, "live");
      refresh();
      refreshCounts();
    });
    events.addEventListener("error", function () {
      if (events.readyState === EventSource.CLOSED) {
        setStatus(status, "offline");
        return;
      }
      /* the server ends each stream after a while and the browser reconnects at once:
         only say so when the reconnection takes longer */
      window.clearTimeout(lost);
      lost = window.setTimeout(function () {
        setStatus(status, "offline");
      }, 3000);
    });
    window.addEventListener("pagehide", function () {
      events.close();
    });
  }

  function start() {
    var containers = document.querySelectorAll("[data-live-src]");
    for (var i = 0; i < containers.length; i += 1) {
      follow(containers[i]);
    }
    refreshCounts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
