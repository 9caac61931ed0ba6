// Atrium's few lines of behaviour. No inline scripts anywhere: the
// Content-Security-Policy allows only files served by Atrium itself.
(function () {
  'use strict';

  // After a boosted navigation swaps the main area, move focus to the new
  // heading so screen readers announce the page, as a full load would.
  document.addEventListener('htmx:afterSettle', function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== 'main') return;
    // An outerHTML swap replaced the element the event names; find the new one.
    var heading = document.querySelector('#main h1');
    if (heading) heading.focus({ preventScroll: true });
  });

  // The tab keeps one stream while boosted navigation swaps the main area,
  // so it tunes the stream (POST /events/tune): to the topics each page
  // listens to (signed on the main element), and away when the person has
  // left the tab hidden for a while (server.away_after, a minute unless
  // set) or untouched for ten times that, ten minutes at least. The stream's
  // first event, "stream", names it and the event it started after.
  var live = { token: '', topics: null, away: false };
  var awayAfterHidden = Number(document.body.getAttribute('data-away-after')) || 60 * 1000;
  var awayAfterIdle = Math.max(10 * awayAfterHidden, 10 * 60 * 1000);

  function tune(from) {
    var main = document.getElementById('main');
    if (!live.token || !main || !main.hasAttribute('data-live-from')) return;
    var form = new URLSearchParams({
      stream: live.token, topics: main.getAttribute('data-live-topics'), sig: main.getAttribute('data-live-sig'),
      from: String(from), away: live.away ? '1' : '0'
    });
    live.topics = form.get('topics');
    fetch('/events/tune', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken() }, body: form });
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']; } catch (e) { return ''; }
  }

  document.addEventListener('htmx:sseOpen', function (event) {
    var source = event.detail && event.detail.source;
    if (!source || source.atriumTuned) return;
    source.atriumTuned = true;
    source.addEventListener('stream', function (e) {
      var hello = e.data.split(' ');
      live.token = hello[0];
      live.topics = new URL(source.url, window.location.href).searchParams.get('topics') || '';
      document.body.setAttribute('data-live-open', '');
      // A stream that came back after a page change has the first page's
      // topics: tune it to this one's, from where it started again.
      var main = document.getElementById('main');
      if (live.away || (main && main.getAttribute('data-live-topics') !== live.topics)) tune(hello[1]);
    });
  });

  document.addEventListener('htmx:afterSettle', function (event) {
    if (!event.detail.target || event.detail.target.id !== 'main') return;
    var main = document.getElementById('main');
    if (main && main.getAttribute('data-live-topics') !== live.topics) tune(main.getAttribute('data-live-from'));
  });

  // The event stream: close it when the page goes (a page kept in the
  // back-forward cache would hold its connection, and a browser gives a
  // server six), and start afresh when such a page comes back.
  window.addEventListener('pagehide', function () {
    var data = document.body && document.body['htmx-internal-data'];
    if (data && data.sseEventSource) data.sseEventSource.close();
    // The server would notice only at its next ping; say it now, so that
    // the person shows offline as they leave.
    if (live.token && navigator.sendBeacon) {
      navigator.sendBeacon('/events/tune', new URLSearchParams({ stream: live.token, gone: '1', _csrf: csrfToken() }));
    }
  });
  window.addEventListener('pageshow', function (event) {
    if (event.persisted && document.body.hasAttribute('sse-connect')) window.location.reload();
  });

  function setAway(away) {
    if (away === live.away) return;
    live.away = away;
    tune(-1);
  }
  var hiddenTimer = 0, lastInput = Date.now();
  document.addEventListener('visibilitychange', function () {
    window.clearTimeout(hiddenTimer);
    if (document.hidden) {
      hiddenTimer = window.setTimeout(function () { setAway(true); }, awayAfterHidden);
    } else {
      lastInput = Date.now();
      setAway(false);
    }
  });
  ['pointerdown', 'keydown', 'pointermove', 'scroll'].forEach(function (name) {
    window.addEventListener(name, function () {
      lastInput = Date.now();
      if (live.away && !document.hidden) setAway(false);
    }, { passive: true, capture: true });
  });
  window.setInterval(function () {
    if (!document.hidden && Date.now() - lastInput > awayAfterIdle) setAway(true);
  }, 30 * 1000);

  // An element taking live events (sse-swap) swaps them into itself unless
  // it names a target: the body's hx-target (the main area, for boosted
  // links) would otherwise be inherited.
  document.addEventListener('htmx:load', function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelectorAll) return;
    var all = Array.prototype.slice.call(root.querySelectorAll('[sse-swap]:not([hx-target])'));
    if (root.matches('[sse-swap]:not([hx-target])')) all.push(root);
    all.forEach(function (el) { el.setAttribute('hx-target', 'this'); });
  });

  // The navigation is swapped whole from /nav when a count changes, and the
  // buttons in the new one were left without htmx's handlers (the swap's
  // own target is gone by then): take them up once the swap has settled.
  document.addEventListener('htmx:afterSwap', function (event) {
    var elt = event.detail && event.detail.requestConfig && event.detail.requestConfig.path;
    if (elt !== '/nav') return;
    window.setTimeout(function () {
      var nav = document.getElementById('nav');
      if (nav && window.htmx) window.htmx.process(nav);
    }, 50);
  });

  // The side panel: shown when a panel button's page arrives (or the
  // message that it cannot come now), hidden with its close button.
  document.addEventListener('htmx:afterSwap', function (event) {
    if (event.detail.target && event.detail.target.id === 'panel-body') {
      document.getElementById('side-panel').hidden = false;
    }
  });
  document.addEventListener('htmx:responseError', function (event) {
    var target = event.detail.target;
    if (target && target.id === 'panel-body') document.getElementById('side-panel').hidden = false;
  });
  document.addEventListener('htmx:sendError', function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute('data-panel')) return;
    var body = document.getElementById('panel-body');
    body.textContent = body.getAttribute('data-offline') || '';
    document.getElementById('side-panel').hidden = false;
  });
  document.addEventListener('click', function (event) {
    if (event.target.closest('[data-panel-close]')) document.getElementById('side-panel').hidden = true;
  });

  // Desktop notifications: a page offers them with a button
  // (data-ask-notifications), the browser asks the person; then a live
  // event that brings an element with data-notify shows it while the tab
  // is in the background.
  document.addEventListener('click', function (event) {
    var ask = event.target.closest('[data-ask-notifications]');
    if (!ask || !('Notification' in window)) return;
    Notification.requestPermission().then(function (answer) {
      ask.hidden = answer === 'granted';
    });
  });
  document.addEventListener('htmx:sseMessage', function (event) {
    if (!document.hidden || !('Notification' in window) || Notification.permission !== 'granted') return;
    var root = event.target || document;
    root.querySelectorAll('[data-notify]:not([data-notified])').forEach(function (el) {
      el.setAttribute('data-notified', '');
      new Notification(el.getAttribute('data-notify-title') || document.title, { body: el.getAttribute('data-notify') });
    });
  });

  // Polling that only matters to someone looking (data-when-visible) skips
  // its turns while the tab is hidden; htmx's own filters would need eval,
  // which the Content-Security-Policy forbids.
  document.addEventListener('htmx:beforeRequest', function (event) {
    var elt = event.detail && event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute('data-when-visible')) event.preventDefault();
  });

  // A message box (data-send-on-enter) sends with Enter, as chat boxes do;
  // Shift+Enter starts a new line, and Enter that ends a composition (an
  // input method) is left alone.
  document.addEventListener('keydown', function (event) {
    var box = event.target;
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || !box.matches || !box.matches('textarea[data-send-on-enter]')) return;
    event.preventDefault();
    if (box.value.trim() !== '' && box.form) box.form.requestSubmit();
  });

  // Close the user menu with Escape or a click elsewhere.
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    document.querySelectorAll('details.usermenu[open]').forEach(function (menu) {
      menu.removeAttribute('open');
      menu.querySelector('summary').focus();
    });
  });
  document.addEventListener('click', function (event) {
    document.querySelectorAll('details.usermenu[open]').forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute('open');
    });
  });

  // The writing aids' toolbar (richtext.Editor): each button marks the
  // selection of its text field in Markdown; the text stays plain.
  var marks = {
    bold: ['**', '**'], italic: ['*', '*'], code: ['`', '`'], link: ['[', '](https://)'],
    list: ['- ', ''], quote: ['> ', '']
  };
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-md]');
    if (!button) return;
    var field = document.getElementById(button.getAttribute('data-md-for'));
    var mark = marks[button.getAttribute('data-md')];
    if (!field || !mark) return;
    var start = field.selectionStart, end = field.selectionEnd, text = field.value;
    var chosen = text.slice(start, end);
    if (mark[1] === '') { // a mark of whole lines
      var lineStart = text.lastIndexOf('\n', start - 1) + 1;
      chosen = text.slice(lineStart, end);
      var marked = chosen.split('\n').map(function (line) { return mark[0] + line; }).join('\n');
      field.value = text.slice(0, lineStart) + marked + text.slice(end);
      field.setSelectionRange(lineStart, lineStart + marked.length);
    } else {
      field.value = text.slice(0, start) + mark[0] + chosen + mark[1] + text.slice(end);
      field.setSelectionRange(start + mark[0].length, start + mark[0].length + chosen.length);
    }
    field.focus();
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });

  // Backup codes: copied, downloaded as a text file, or printed, from the
  // page that shows them once; nothing leaves the browser.
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-codes]');
    if (!button) return;
    var list = document.getElementById('backup-codes');
    if (!list) return;
    var codes = Array.prototype.map.call(list.querySelectorAll('code'), function (c) { return c.textContent; }).join('\n') + '\n';
    var status = document.getElementById('codes-status');
    switch (button.getAttribute('data-codes')) {
      case 'copy':
        navigator.clipboard.writeText(codes).then(function () {
          if (status) status.textContent = button.getAttribute('data-codes-done');
        });
        break;
      case 'download':
        var link = document.createElement('a');
        link.href = URL.createObjectURL(new Blob([codes], { type: 'text/plain' }));
        link.download = button.getAttribute('data-codes-file') || 'backup-codes.txt';
        document.body.appendChild(link);
        link.click();
        link.remove();
        window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
        break;
      case 'print':
        window.print();
        break;
    }
  });
})();
